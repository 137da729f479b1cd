"""The tech radar page: drawn on the server from the data (decisions.radar)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.dataversion import data_version
from decisions.radar import Blip, quadrant_labels, radar_blips
from landscape.drawing import RINGS, draw_radar


@login_required
@require_GET
def radar(request: HttpRequest) -> HttpResponse:
    key = f"radar:{data_version()}:{request.LANGUAGE_CODE}"
    cached = cache.get(key)
    if cached is None:
        blips = radar_blips()
        drawing = draw_radar(
            [b.entry for b in blips], quadrant_labels(), title=_("Technology radar")
        )
        cached = (blips, drawing)
        cache.set(key, cached, settings.DASHBOARD_CACHE_SECONDS)
    blips, drawing = cached
    numbered: list[tuple[int, Blip]] = sorted(
        ((drawing.numbers[b.entry.id], b) for b in blips), key=lambda pair: pair[0]
    )
    sections = [
        (quadrant, [(n, b) for n, b in numbered if b.entry.quadrant == quadrant])
        for quadrant in quadrant_labels()
    ]
    context = {
        "svg": mark_safe(drawing.svg),  # noqa: S308 - landscape.drawing escapes every text
        "sections": sections,
        "rings": RINGS,
        "count": len(blips),
    }
    return render(request, "decisions/radar.html", context)
