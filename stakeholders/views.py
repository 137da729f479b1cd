from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.actors import signed_in
from core.errors import DomainError
from stakeholders import services
from stakeholders.forms import DelegationForm
from stakeholders.models import Delegation


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request: HttpRequest) -> HttpResponse:
    """Out of office: who signs for me, and for whom I sign."""
    user = signed_in(request.user)
    form = DelegationForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.delegation_create(delegator=user, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Delegation saved."))
            return redirect("delegations")
    today = timezone.localdate()
    related = Delegation.objects.select_related("delegator", "delegate", "department")
    context = {
        "form": form,
        "given": related.filter(delegator=user, ends_on__gte=today),
        "received": related.filter(delegate=user, ends_on__gte=today),
        "today": today,
    }
    return render(
        request, "stakeholders/delegations.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def delegation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    delegation = get_object_or_404(Delegation, pk=pk, delegator=request.user)
    services.delegation_revoke(delegation=delegation, actor=request.user)
    messages.success(request, _("Delegation revoked."))
    return redirect("delegations")
