"""Writes for the organisation."""

from __future__ import annotations

from django.db import transaction

from chuangcheng.org.models import Region


def region_create(
    *, code: str, name: str, level: int, parent: Region | None = None,
    lat: float | None = None, lng: float | None = None,
) -> Region:
    with transaction.atomic():
        region = Region.objects.create(
            code=code, name=name, level=level, parent=parent, lat=lat, lng=lng, path=""
        )
        region.path = f"{parent.path if parent else '/'}{region.pk}/"
        region.save(update_fields=["path"])
    return region
