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
