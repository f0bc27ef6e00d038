"""The map's reference data: the city's street and community outlines as GeoJSON. Public (the
citizen's appeal form shows them too) and harmless: region names, codes and shapes only."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from chuangcheng.org.outlines import region_outlines

OUTLINES_MAX_AGE = 3600


@require_GET
def outlines(request: HttpRequest) -> JsonResponse:
    resp = JsonResponse(
        region_outlines(),
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
    resp["Cache-Control"] = f"public, max-age={OUTLINES_MAX_AGE}"
    return resp
