from django.contrib import admin
from django.http import HttpRequest

from chuangcheng.evaluation.models import CheckItem, Content, Edition, Project, Site, SiteType


@admin.register(SiteType)
class SiteTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "minors", "order"]
    list_editable = ["order"]


class ProjectInline(admin.TabularInline):
    model = Project
    extra = 0


@admin.register(Edition)
class EditionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "status", "published_at"]
    readonly_fields = ["status", "published_at", "based_on"]
    inlines = [ProjectInline]


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "project"]
    list_filter = ["project__edition"]


@admin.register(CheckItem)
class CheckItemAdmin(admin.ModelAdmin):
    list_display = ["code", "rule", "content", "points"]
    list_filter = ["content__project__edition", "site_types"]
    search_fields = ["code", "rule"]
    filter_horizontal = ["site_types"]

    def has_change_permission(self, request: HttpRequest, obj: CheckItem | None = None) -> bool:
        # a published edition never changes (inspections keep the edition they used)
        if obj is not None and not obj.content.project.edition.editable:
            return False
        return super().has_change_permission(request, obj)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "site_type", "street", "unit", "active"]
    list_filter = ["site_type", "street", "active"]
    search_fields = ["code", "name", "address"]
    filter_horizontal = ["paired_units"]
    raw_id_fields = ["unit"]
