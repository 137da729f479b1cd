"""A real OpenID Connect provider for the single sign-on tests: django-oidc-provider in a small
Django project of its own, served on a local port by a subprocess (tests/stakeholders/conftest.py
starts it). Its users, passwords and groups are set with `python -m tests.oidc_idp.control`."""
