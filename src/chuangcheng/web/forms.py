"""Page forms: the workflow's action forms, dressed for the page (widgets, initial values),
and the small forms only the pages need (the citizen's appeal)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms

from chuangcheng.cases.handover import initial_for as handover_initial
from chuangcheng.cases.models import Case
from chuangcheng.cases.workflow import Action, narrow_form, workflow_for
from chuangcheng.core.errors import DomainError
from chuangcheng.hotline.forms import IntakeForm
from chuangcheng.hotline.selectors import category_choices, suggest_unit
from chuangcheng.org.access import Actor
from chuangcheng.org.models import Unit
from chuangcheng.web.widgets import unit_picker

TEXTAREA_FIELDS = {"note", "reason", "result", "comment", "content"}


@dataclass
class ActionForm:
    """One allowed action on one case, ready to render: a button, maybe a dialog with a form."""

    action: Action
    case_id: int
    form: forms.Form | None
    open: bool = False  # re-rendered after an error: open its dialog at once

    @property
    def name(self) -> str:
        return self.action.name

    @property
    def dialog_id(self) -> str:
        return f"dlg-{self.action.name}-{self.case_id}"

    @property
    def multipart(self) -> bool:
        return self.action.accepts_files

    @property
    def visible_fields(self) -> list[Any]:
        return list(self.form.visible_fields()) if self.form is not None else []


def dress(form: forms.Form, *, category_blank: str = "请选择…") -> forms.Form:
    """Widgets that suit a page: text areas, radio buttons, date pickers, stars."""
    for name, field in form.fields.items():
        if isinstance(field, forms.DateField):
            field.widget = forms.DateInput(attrs={"type": "date"})
        elif name == "rating":
            field.widget = forms.RadioSelect(choices=[(i, "★" * i) for i in range(5, 0, -1)])
        elif isinstance(field, forms.ModelMultipleChoiceField):
            field.widget.attrs.update({"size": 6, "data-unit-select": "1"})
            if field.queryset is not None and field.queryset.model is Unit:
                unit_picker(field)
        elif isinstance(field, forms.ModelChoiceField):
            field.empty_label = "请选择…"
            field.widget.attrs.update({"data-unit-select": "1"})
            if field.queryset is not None and field.queryset.model is Unit:
                unit_picker(field)
        elif isinstance(field, forms.ChoiceField) and name != "category":
            choices = list(field.choices)  # type: ignore[arg-type]
            if len(choices) <= 4:
                field.widget = forms.RadioSelect(choices=choices)
            elif not field.required and name not in ("appeal_type", "urgency"):
                field.choices = [("", "—"), *choices]
        elif isinstance(field, forms.CharField) and name in TEXTAREA_FIELDS:
            field.widget = forms.Textarea(attrs={"rows": 3, "maxlength": field.max_length or ""})
        if name == "category":
            field.widget = forms.Select(choices=[("", category_blank), *category_choices()])
    return form


def action_form(
    action: Action, case: Case, *, data: Any = None, actor: Actor | None = None
) -> ActionForm:
    """The action's dialog for the case (its choices narrowed for `actor`, when given, as the
    engine narrows them when it validates: cases.workflow.narrow_form)."""
    if action.form is None:
        return ActionForm(action=action, case_id=case.pk, form=None)
    initial: dict[str, Any] = {}
    unit = None
    if action.name == "review":
        own = workflow_for(case.kind).detail_of(case)  # the loop's own row
        initial = {
            "appeal_type": getattr(own, "appeal_type", ""),
            "urgency": getattr(own, "urgency", ""),
            "category": case.category.code if case.category_id and case.category else "",
        }
    elif action.name == "dispatch":
        unit = suggest_unit(case)
        if unit is not None:
            initial = {"lead_unit": unit.pk}
    elif action.hands_over is not None:  # the receiving loop's suggestions (cases.handover)
        initial = handover_initial(action, case)
    form = action.form(data=data, initial=initial, auto_id=f"id_{action.name}_{case.pk}_%s")
    if actor is not None:
        narrow_form(action, form, case, actor)
    if unit is not None:
        form.fields["lead_unit"].help_text = f"已按派单目录预选：{unit.name}"
    blank = "（不修改）" if action.name == "review" else "请选择…"
    return ActionForm(action=action, case_id=case.pk, form=dress(form, category_blank=blank))


def failed_action_form(
    action: Action, case: Case, data: Any, error: DomainError, actor: Actor | None = None
) -> ActionForm:
    """The same form, bound to what the person sent, with the service's errors on its fields."""
    af = action_form(action, case, data=data, actor=actor)
    af.open = True
    if af.form is not None:
        af.form.is_valid()
        if not af.form.errors:
            for field, messages in error.fields.items():
                target = field if field in af.form.fields else None
                for message in messages:
                    af.form.add_error(target, message)
    return af


class PhoneInput(forms.TextInput):
    """A phone number: the phone's numeric keypad (type=tel, inputmode=numeric)."""

    input_type = "tel"


def intake_form(
    data: Any = None, *, citizen: bool = False, initial: dict[str, Any] | None = None
) -> IntakeForm:
    form = IntakeForm(data=data, initial=initial or {})
    form.fields["category"].widget = forms.Select(
        choices=[("", "（复核时再分类）"), *category_choices()]
    )
    form.fields["content"].widget.attrs.update({"rows": 5})
    form.fields["citizen_phone"].widget = PhoneInput(
        attrs={"inputmode": "numeric", "autocomplete": "off" if not citizen else "tel"}
    )
    for name in ("lat", "lng"):
        form.fields[name].widget = forms.NumberInput(attrs={"step": "any", "readonly": "readonly"})
    if citizen:
        form.fields["channel"].required = False
    return form


def attach_errors(form: forms.Form, error: DomainError) -> dict[str, list[str]]:
    """Put a service's field errors on a bound form that itself found nothing wrong; return
    the errors about inputs the form does not have (e.g. uploaded files), to show beside them."""
    form.is_valid()
    extra = {k: v for k, v in error.fields.items() if k not in form.fields}
    if not form.errors:
        for field, messages in error.fields.items():
            if field in form.fields:
                for message in messages:
                    form.add_error(field, message)
    return extra
