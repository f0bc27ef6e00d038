"""The admin of the 新时代文明实践 loop: stations, teams and each 站's menu are kept here for now.
Volunteers' ID numbers and phones appear masked only; registration goes through the page
(volunteer.services.volunteer_register), which checks and encrypts them."""

from django.contrib import admin
from django.http import HttpRequest

from chuangcheng.volunteer.models import MenuItem, Station, Team, TeamMember, Volunteer


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "code", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    raw_id_fields = ["unit", "parent"]


class MenuInline(admin.TabularInline):
    model = MenuItem
    extra = 0


class MemberInline(admin.TabularInline):
    model = TeamMember
    extra = 0
    raw_id_fields = ["volunteer"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "field", "station", "leader", "active"]
    list_filter = ["field", "active"]
    search_fields = ["name"]
    raw_id_fields = ["unit", "station", "leader"]
    inlines = [MemberInline]


@admin.register(MenuItem)
class MenuItemAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "field", "active", "position"]
    list_filter = ["field", "active"]
    search_fields = ["name", "station__name"]
    raw_id_fields = ["station"]


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = ["number", "name", "id_masked", "phone_masked", "station", "registered_at"]
    search_fields = ["number", "name"]
    fields = ["number", "name", "sex", "birth", "id_masked", "phone_masked", "skills", "station"]
    readonly_fields = ["number", "sex", "birth", "id_masked", "phone_masked"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


# ---------------------------------------------------------------- 文明积分 and 文明团结超市
# The ledger, adjustments and redemptions are read here only: every change goes through the
# pages (volunteer.points / volunteer.shop), which lock, check and append.
from chuangcheng.volunteer.models import (  # noqa: E402
    Goods,
    PointAccount,
    PointAdjustment,
    PointEntry,
    Redemption,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(PointAccount)
class PointAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "station", "balance", "created_at"]
    search_fields = ["name", "volunteer__number", "user__username"]


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "account",
        "kind",
        "points",
        "balance_after",
        "shortfall",
        "reason",
        "created_at",
    ]
    list_filter = ["kind"]
    search_fields = ["account__name", "ref"]


@admin.register(PointAdjustment)
class PointAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["account", "station", "points", "status", "proposed_at", "decided_at"]
    list_filter = ["status"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["number", "account", "station", "points", "created_at"]
    search_fields = ["number"]


@admin.register(Goods)
class GoodsAdmin(admin.ModelAdmin):
    list_display = ["name", "station", "price", "stock", "active"]
    list_filter = ["active"]
    search_fields = ["name", "station__name"]
    fields = ["station", "name", "price", "active", "stock"]
    readonly_fields = ["stock"]  # stock changes go through the page's stock log
    raw_id_fields = ["station"]
