"""Sets up and changes the test identity provider's data (its own database, IDP_DB):

python -m tests.oidc_idp.control setup CLIENT_ID CLIENT_SECRET REDIRECT_URI...
python -m tests.oidc_idp.control user USERNAME PASSWORD EMAIL GROUP...
python -m tests.oidc_idp.control groups USERNAME GROUP...
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_idp.settings"
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType, RSAKey

    command, *args = argv
    if command == "setup":
        client_id, secret, *redirect_uris = args
        call_command("migrate", verbosity=0)
        if not RSAKey.objects.exists():
            call_command("creatersakey")
        client, _created = Client.objects.update_or_create(
            client_id=client_id,
            defaults={
                "name": "hrtech-gov",
                "client_type": "confidential",
                "client_secret": secret,
                "jwt_alg": "RS256",
                "require_consent": False,
                "_redirect_uris": "\n".join(redirect_uris),
                "_scope": "openid email profile groups",
            },
        )
        client.response_types.set([ResponseType.objects.get(value="code")])
    elif command == "user":
        username, password, email, *groups = args
        user, _created = User.objects.get_or_create(username=username)
        user.set_password(password)
        user.email = email
        user.first_name, _sep, user.last_name = username.title().partition(".")
        user.save()
        user.groups.set([Group.objects.get_or_create(name=g)[0] for g in groups])
    elif command == "groups":
        username, *groups = args
        User.objects.get(username=username).groups.set(
            [Group.objects.get_or_create(name=g)[0] for g in groups]
        )
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
