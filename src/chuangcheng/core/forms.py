"""Binding untrusted input to a Django form: one value per single-valued field.

A Django form given a dict reads `data[name]` as is, so a JSON list sent where a string belongs
(`"title": ["a", "b"]`) would be turned into its Python repr and stored. `bind_form` refuses
that — and a repeated form field (`title=a&title=b`) — with a Chinese message per field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from chuangcheng.core.errors import ValidationFailed

SCALAR_ONLY = "应为单个值，不能是列表或对象"


def _multi_valued(field: forms.Field) -> bool:
    return isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)


def non_scalar_fields(form_class: type[forms.Form], data: Any) -> list[str]:
    bad = []
    for name, field in form_class.base_fields.items():
        if _multi_valued(field) or data is None:
            continue
        if isinstance(data, QueryDict):
            if len(data.getlist(name)) > 1:
                bad.append(name)
        elif hasattr(data, "get") and isinstance(data.get(name), list | tuple | dict | set):
            bad.append(name)
    return bad


def bind_form[F: forms.Form](form_class: type[F], data: Any, **kwargs: Any) -> F:
    """`form_class(data=data)`, after refusing several values for a single-valued field."""
    bad = non_scalar_fields(form_class, data)
    if bad:
        label = form_class.base_fields[bad[0]].label or bad[0]
        raise ValidationFailed(
            f"输入有误：{label}{SCALAR_ONLY}", fields={name: [SCALAR_ONLY] for name in bad}
        )
    return form_class(data=data, **kwargs)
