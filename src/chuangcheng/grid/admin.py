"""The admin of the 网格 ledgers and registers. ID numbers and phones appear masked only: the
admin is not a way around the logged full-number view (grid/ledgers.reveal_id)."""

from django.contrib import admin
from django.http import HttpRequest

from chuangcheng.grid.models import (
    Building,
    CareEntry,
    ControlEntry,
    GridPost,
    Home,
    HomeCheck,
    IssueEntry,
    MustReport,
    Person,
    PersonRead,
    Pregnancy,
    RefusedRead,
    RentalRecord,
    Residence,
    Visit,
)


@admin.register(GridPost)
class GridPostAdmin(admin.ModelAdmin):
    list_display = ["grid", "user", "kind"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "grid", "floors"]
    search_fields = ["name", "number"]


@admin.register(Home)
class HomeAdmin(admin.ModelAdmin):
    list_display = ["__str__", "use", "rented", "hazard"]
    list_filter = ["use", "rented", "hazard"]
    raw_id_fields = ["building"]


class ResidenceInline(admin.TabularInline):
    model = Residence
    extra = 0
    raw_id_fields = ["home"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "sex", "id_masked", "person_type", "community"]
    list_filter = ["person_type", "sex"]
    search_fields = ["name"]
    exclude = ["id_number", "phone"]
    readonly_fields = ["id_masked", "phone_masked", "birth"]
    inlines = [ResidenceInline]


@admin.register(CareEntry)
class CareEntryAdmin(admin.ModelAdmin):
    list_display = ["person", "category", "tier", "since", "until", "changed_at"]
    list_filter = ["category", "tier"]
    raw_id_fields = ["person"]


@admin.register(ControlEntry)
class ControlEntryAdmin(admin.ModelAdmin):
    list_display = ["person", "type", "attention", "source", "since", "until"]
    list_filter = ["type", "attention"]
    raw_id_fields = ["person"]


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["person", "at", "method", "visitor"]
    list_filter = ["method"]
    raw_id_fields = ["person", "visitor"]


@admin.register(PersonRead)
class PersonReadAdmin(admin.ModelAdmin):
    """Read-only: the log of looks cannot be edited or deleted here."""

    list_display = ["at", "user", "person", "what"]
    list_filter = ["what"]
    search_fields = ["user__username", "person__name"]
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(RefusedRead)
class RefusedReadAdmin(PersonReadAdmin):
    """Read-only: refused looks at a register or a person's record."""

    list_display = ["at", "user", "what", "path", "person_ref"]
    search_fields = ["user__username", "path"]


# 必报事项 and their ledgers (read in the admin; filed on the phone). Phones masked only.
@admin.register(MustReport)
class MustReportAdmin(admin.ModelAdmin):
    list_display = ["kind", "grid", "summary", "learned_at", "reported_at", "on_time", "status"]
    list_filter = ["kind", "status", "on_time"]
    readonly_fields = [f.name for f in MustReport._meta.fields]


@admin.register(RentalRecord)
class RentalRecordAdmin(admin.ModelAdmin):
    list_display = ["home", "landlord", "landlord_phone_masked", "tenant", "start", "end"]
    exclude = ["landlord_phone"]
    raw_id_fields = ["home", "tenant_person"]


@admin.register(Pregnancy)
class PregnancyAdmin(admin.ModelAdmin):
    list_display = ["person", "expected", "filed"]
    list_filter = ["filed"]
    raw_id_fields = ["person"]


@admin.register(IssueEntry)
class IssueEntryAdmin(admin.ModelAdmin):
    list_display = ["type", "grid", "place", "found_at", "case"]
    list_filter = ["type"]
    raw_id_fields = ["case"]


@admin.register(HomeCheck)
class HomeCheckAdmin(admin.ModelAdmin):
    list_display = ["home", "quarter", "confirmed_by", "confirmed_at", "changed"]
    list_filter = ["quarter", "changed"]
    raw_id_fields = ["home", "confirmed_by"]
