"""What an action can change, counted: the permission matrices check that a refused request
changes nothing and an allowed write changes something."""

from __future__ import annotations

from api.models import ApiToken
from audit.models import Event
from decisions.models import Comment, Decision, Notification, Proposal, SignOff, Voice
from glossary.models import DepartmentMeaning, Term, TermVersion
from landscape.models import Integration, Tool
from stakeholders.models import Delegation, Preference
from vendors.models import CatalogSyncJob, CatalogSyncRun, Solution, Vendor


def snapshot() -> tuple:
    return (
        tuple(Proposal.objects.order_by("pk").values_list("status", "title")),
        tuple(SignOff.objects.order_by("pk").values_list("status", flat=True)),
        Decision.objects.count(),
        Comment.objects.count(),
        tuple(Voice.objects.order_by("pk").values_list("kind", "reason")),
        tuple(Delegation.objects.order_by("pk").values_list("pk", "ends_on")),
        tuple(Preference.objects.order_by("pk").values_list("pk", "language")),
        ApiToken.objects.filter(revoked_at__isnull=True).count(),
        Notification.objects.filter(read_at__isnull=True).count(),
        Vendor.objects.count(),
        Solution.objects.count(),
        CatalogSyncRun.objects.count(),
        CatalogSyncJob.objects.count(),
        Event.objects.count(),
        tuple(Tool.objects.order_by("pk").values_list("lifecycle", "seats", "lane")),
        tuple(Integration.objects.order_by("pk").values_list("data", "criticality", "removed_at")),
        tuple(Term.objects.order_by("pk").values_list("name", "definition")),
        tuple(DepartmentMeaning.objects.order_by("pk").values_list("department_id", "text")),
        TermVersion.objects.count(),
    )
