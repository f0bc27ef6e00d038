"""Read admin-editable settings with defaults (e.g. the 三率 weights)."""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    "hotline.score_weights": {"response": 0.1, "resolution": 0.5, "satisfaction": 0.4},
    "hotline.basic_satisfaction_factor": 0.9,
    "hotline.return_limit_workdays": 2,
    "hotline.max_extension_workdays": 10,
}


def get_setting(key: str) -> Any:
    from chuangcheng.core.models import Setting

    row = Setting.objects.filter(key=key).values_list("value", flat=True).first()
    return DEFAULTS.get(key) if row is None else row
