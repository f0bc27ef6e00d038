"""The unit picker (承办单位选择): units grouped by kind in <optgroup>s, each option carrying its
short name and aliases (data-search) for the filter box above it (app.js), so "城管" finds
市城市管理综合执法局."""

from __future__ import annotations

from typing import Any

from django import forms

from chuangcheng.org.selectors import unit_search_text, units_grouped


class _UnitOptions:
    search: dict[str, str]

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(name, value, *args, **kwargs)  # type: ignore[misc]
        text = self.search.get(str(value))
        if text:
            option["attrs"]["data-search"] = text
        return option


class UnitSelect(_UnitOptions, forms.Select):
    pass


class UnitSelectMultiple(_UnitOptions, forms.SelectMultiple):
    pass


def unit_picker(field: forms.ModelChoiceField, *, blank: str | None = "请选择…") -> None:
    """Give a unit field the grouped picker (the field still validates on its queryset)."""
    allowed = (
        set(field.queryset.values_list("pk", flat=True)) if field.queryset is not None else set()
    )
    multiple = isinstance(field, forms.ModelMultipleChoiceField)
    widget: Any = (
        UnitSelectMultiple(attrs=field.widget.attrs)
        if multiple
        else UnitSelect(attrs=field.widget.attrs)
    )
    choices: list[Any] = [] if multiple or blank is None else [("", blank)]
    search: dict[str, str] = {}
    for label, units in units_grouped():
        options = [(u.pk, u.name) for u in units if u.pk in allowed]
        if options:
            choices.append((label, options))
        search.update({str(u.pk): unit_search_text(u) for u in units if u.pk in allowed})
    widget.choices = choices
    widget.search = search
    widget.is_required = field.required
    field.widget = widget
