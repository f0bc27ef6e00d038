"""The 数字城管 loop's own fields of a case, as the generic case detail shows them (`loop`)."""

from __future__ import annotations

from typing import Any

from chuangcheng.cases.models import Case
from chuangcheng.citymgmt.models import CityCase


def city_case_fields(case: Case) -> dict[str, Any]:
    own = (
        CityCase.objects.select_related(
            "subclass__klass", "grid__community", "grid__street", "component", "hotline_case"
        )
        .filter(case_id=case.pk)
        .first()
    )
    if own is None:
        return {}
    return {
        "family": own.family,
        "family_label": own.get_family_display(),
        "subclass": own.subclass.full_code,
        "subclass_name": own.subclass.name,
        "class_name": own.subclass.klass.name,
        "component": own.component.object_id if own.component else None,
        "grid": {"code": own.grid.code, "name": own.grid.name},
        "community": own.grid.community.name,
        "street": own.grid.street.name,
        "zone_class": own.zone_class,
        "source": own.source,
        "source_label": own.get_source_display(),
        "verify_result": own.verify_result,
        "check_result": own.check_result,
        "close_type": own.close_type,
        "close_type_label": own.get_close_type_display() if own.close_type else "",
        "rework_count": own.rework_count,
        "return_count": own.return_count,
        "suspend_count": own.suspend_count,
        "suspended": own.suspended,
        "self_handled": own.self_handled,
        "client_key": own.client_key,
        "hotline_case": own.hotline_case.number if own.hotline_case else None,
    }
