"""The demo's standard tool: Confluence for collaboration, made by the demo CDO through the
service, so that the demo's Notion draft (collaboration) must say why Confluence does not serve."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.test.utils import override_settings

from audit.models import Event
from core.errors import DomainError
from decisions import services
from decisions.models import Proposal
from decisions.services import schedule
from landscape.standards import standard_for

FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.mark.django_db(transaction=True)
def test_the_demo_has_confluence_as_the_collaboration_standard():
    out = StringIO()
    with override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
        call_command("seed_demo", stdout=out)
    assert "Standard for collaboration: Confluence." in out.getvalue()
    standard = standard_for("collaboration")
    assert standard is not None
    assert standard.solution.name == "Confluence"
    assert Event.objects.get(kind="tool.standard_set").actor.username == "cdo"
    # It holds on the scheduler's run (not shelfware, not retiring).
    schedule.run_lifecycle()
    assert standard_for("collaboration") == standard
    notion = Proposal.objects.get(title="Replace Confluence with Notion")
    with pytest.raises(DomainError, match="A standard tool exists for this job: Confluence"):
        services.proposal_submit(proposal=notion, actor=notion.requester)
