"""Writes for the organisation."""

from __future__ import annotations

from django.db import transaction

from chuangcheng.org.models import Region


def region_create(
    *,
    code: str,
    name: str,
    level: int,
    parent: Region | None = None,
    lat: float | None = None,
    lng: float | None = None,
) -> Region:
    with transaction.atomic():
        region = Region.objects.create(
            code=code, name=name, level=level, parent=parent, lat=lat, lng=lng, path=""
        )
        region.path = f"{parent.path if parent else '/'}{region.pk}/"
        region.save(update_fields=["path"])
    return region


def region_save(*, region: Region) -> Region:
    """Save a region edited in the admin and keep its path (and its subtree's) correct."""
    with transaction.atomic():
        old_path = region.path
        if region.pk is None:
            region.path = ""
            region.save()
        region.path = f"{region.parent.path if region.parent else '/'}{region.pk}/"
        region.save()
        if old_path and old_path != region.path:
            for child in Region.objects.filter(path__startswith=old_path).exclude(pk=region.pk):
                child.path = region.path + child.path[len(old_path) :]
                child.save(update_fields=["path"])
    return region
