"""Admin pages (Chinese) for the catalogue, the unit grids and the component registry, with an
Excel import page and an export action. Saves go through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from chuangcheng.citymgmt import excel
from chuangcheng.citymgmt.models import (
    CatalogueClass,
    Component,
    HandlingLimit,
    ImportRecord,
    Responsibility,
    Standard,
    Subclass,
    TransferCategory,
    UnitGrid,
)
from chuangcheng.citymgmt.services import (
    apply_boundary,
    component_save,
    grid_delete,
    grid_region_problems,
    grid_save,
    object_id_problems,
)
from chuangcheng.core.errors import DomainError
from chuangcheng.org.access import actor_for

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx(name: str, sheets: tuple[str, ...]) -> HttpResponse:
    response = HttpResponse(excel.workbook_export(sheets=sheets), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{name}.xlsx"
    return response


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")


class ExcelMixin:
    """An 导入 Excel page and an 导出全部 Excel action on a changelist."""

    excel_sheets: tuple[str, ...] = ()
    excel_name = "数字城管"

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()  # type: ignore[misc]
        info = self.model._meta.app_label, self.model._meta.model_name  # type: ignore[attr-defined]
        extra = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),  # type: ignore[attr-defined]
                name="{}_{}_import".format(*info),
            ),
            path(
                "export/",
                self.admin_site.admin_view(self.export_view),  # type: ignore[attr-defined]
                name="{}_{}_export".format(*info),
            ),
        ]
        return extra + urls

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise DjangoPermissionDenied
        return _xlsx(self.excel_name, self.excel_sheets)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.is_superuser:
            raise DjangoPermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        errors: list[str] = []
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                result = excel.workbook_import(
                    actor=actor_for(request.user), file=upload, filename=upload.name
                )
            except DomainError as exc:
                errors = exc.fields.get("rows") or [exc.message]
            else:
                messages.success(request, f"导入成功：{result.summary()}。")
                return redirect("..")
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "title": f"从 Excel 导入{self.model._meta.verbose_name}",  # type: ignore[attr-defined]
            "form": form,
            "errors": errors,
            "sheets": self.excel_sheets,
            "opts": self.model._meta,  # type: ignore[attr-defined]
        }
        return TemplateResponse(request, "citymgmt/admin_import.html", context)

    @admin.action(description="导出全部为 Excel")
    def export_all(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse:
        return _xlsx(self.excel_name, self.excel_sheets)


class AdministratorEdits:
    """The registry's services accept edits from administrators only (services.py): other
    staff with admin access may look, not change (no 500 from a refused save)."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return bool(request.user.is_superuser)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return bool(request.user.is_superuser)


class SubclassInline(admin.TabularInline):
    model = Subclass
    extra = 0
    fields = ["code", "name", "active"]


@admin.register(CatalogueClass)
class CatalogueClassAdmin(ExcelMixin, admin.ModelAdmin):
    list_display = ["family", "code", "name", "active"]
    list_filter = ["family", "active"]
    search_fields = ["code", "name"]
    inlines = [SubclassInline]
    actions = ["export_all"]
    excel_sheets = (excel.SHEET_CATALOGUE, excel.SHEET_STANDARDS)
    excel_name = "部件事件目录"
    change_list_template = "citymgmt/admin_change_list.html"


class StandardInline(admin.StackedInline):
    model = Standard
    extra = 0
    fields = ["seq", "filing_condition", "closing_condition", "note"]


@admin.register(Subclass)
class SubclassAdmin(admin.ModelAdmin):
    list_display = ["full_code", "name", "klass", "active"]
    list_filter = ["klass__family", "klass", "active"]
    search_fields = ["code", "name"]
    inlines = [StandardInline]

    @admin.display(description="目录代码")
    def full_code(self, obj: Subclass) -> str:
        return obj.full_code

    def get_queryset(self, request: HttpRequest) -> QuerySet[Subclass]:
        return super().get_queryset(request).select_related("klass")


class HandlingLimitInline(admin.TabularInline):
    model = HandlingLimit
    extra = 0
    max_num = 3


@admin.register(Standard)
class StandardAdmin(admin.ModelAdmin):
    list_display = ["subclass", "seq", "filing_condition", "closing_condition", "limits_text"]
    list_filter = ["subclass__klass__family", "subclass__klass"]
    search_fields = ["subclass__name", "filing_condition"]
    raw_id_fields = ["subclass"]
    inlines = [HandlingLimitInline]

    @admin.display(description="处置时限")
    def limits_text(self, obj: Standard) -> str:
        return "；".join(str(lim) for lim in obj.limits.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Standard]:
        qs = super().get_queryset(request).select_related("subclass__klass")
        return qs.prefetch_related("limits")


class UnitGridForm(forms.ModelForm):
    class Meta:
        model = UnitGrid
        fields = ["code", "name", "community", "street", "zone_class", "boundary_wkt", "active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problem = grid_region_problems(data.get("community"), data.get("street"))
        if problem:
            self.add_error("community", problem)
        try:
            apply_boundary(self.instance, data.get("boundary_wkt") or "")
        except ValueError as exc:
            self.add_error("boundary_wkt", str(exc))
        return data


@admin.register(UnitGrid)
class UnitGridAdmin(AdministratorEdits, ExcelMixin, admin.ModelAdmin):
    form = UnitGridForm
    list_display = ["code", "name", "community", "street", "zone_class", "active"]
    list_filter = ["zone_class", "active", "street"]
    search_fields = ["code", "name", "community__name"]
    raw_id_fields = ["community", "street"]
    actions = ["export_all"]
    excel_sheets = (excel.SHEET_GRIDS,)
    excel_name = "单元网格"
    change_list_template = "citymgmt/admin_change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[UnitGrid]:
        return super().get_queryset(request).select_related("community", "street")

    def save_model(self, request: HttpRequest, obj: UnitGrid, form: Any, change: bool) -> None:
        grid_save(actor=actor_for(request.user), grid=obj)

    def delete_model(self, request: HttpRequest, obj: UnitGrid) -> None:
        grid_delete(actor=actor_for(request.user), grid=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[UnitGrid]) -> None:
        for grid in queryset:
            grid_delete(actor=actor_for(request.user), grid=grid)


class ComponentForm(forms.ModelForm):
    class Meta:
        model = Component
        exclude: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        problem = object_id_problems(
            data.get("object_id") or "", data.get("subclass"), data.get("grid")
        )
        if problem:
            self.add_error("object_id", problem)
        return data


@admin.register(Component)
class ComponentAdmin(AdministratorEdits, ExcelMixin, admin.ModelAdmin):
    form = ComponentForm
    list_display = ["object_id", "subclass", "grid", "state", "maintainer_dept", "change_date"]
    list_filter = ["state", "source", "subclass__klass", "grid__street"]
    search_fields = ["object_id", "name", "location"]
    raw_id_fields = ["subclass", "grid", "main_dept", "owner_dept", "maintainer_dept"]
    list_select_related = ["subclass__klass", "grid", "maintainer_dept"]
    actions = ["export_all"]
    excel_sheets = (excel.SHEET_COMPONENTS,)
    excel_name = "部件"
    change_list_template = "citymgmt/admin_change_list.html"

    def save_model(self, request: HttpRequest, obj: Component, form: Any, change: bool) -> None:
        component_save(actor=actor_for(request.user), component=obj)


@admin.register(ImportRecord)
class ImportRecordAdmin(admin.ModelAdmin):
    list_display = ["created_at", "actor", "filename", "counts"]
    readonly_fields = ["created_at", "actor", "filename", "counts"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Responsibility)
class ResponsibilityAdmin(AdministratorEdits, admin.ModelAdmin):
    """权责清单: which department an event subclass goes to, by region (派遣's suggestion)."""

    list_display = ["subclass", "region", "unit"]
    list_select_related = ["subclass__klass", "region", "unit"]
    autocomplete_fields = ["subclass"]


@admin.register(TransferCategory)
class TransferCategoryAdmin(AdministratorEdits, admin.ModelAdmin):
    """转数字城管分类对照: which 12345 categories may be transferred to 数字城管, and the 小类
    suggested for them (the dispatcher may change it when transferring)."""

    list_display = ["category", "subclass", "active"]
    list_select_related = ["category", "subclass__klass"]
    list_filter = ["active"]
    autocomplete_fields = ["subclass"]
    search_fields = ["category__code", "category__name", "subclass__name"]
