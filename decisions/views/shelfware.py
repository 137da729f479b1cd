"""The owner's answer to the Yammer rule on the tool's page: dismiss the unused-tool flag with a
reason (a plain form: works without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from decisions.services.shelfware import shelfware_dismiss
from landscape.models import Tool
from landscape.views import tool_page_refused


@login_required
@require_POST
def shelfware_dismiss_view(request: HttpRequest, pk: int) -> HttpResponse:
    tool = get_object_or_404(Tool, pk=pk)
    try:
        shelfware_dismiss(tool=tool, actor=request.user, reason=request.POST.get("reason", ""))
    except DomainError as error:
        return tool_page_refused(request, tool, error)
    messages.success(request, _("The unused-tool flag was dismissed; the tool stays."))
    return redirect("tool-detail", pk=tool.pk)
