"""Configuration in the admin: catalogue, 派单目录, time limits. Cases and events are read-only
here: every change of a case goes through the workflow."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chuangcheng.cases.models import (
    Case,
    CaseClock,
    CaseEvent,
    CaseLink,
    Category,
    ContactReveal,
    RoutingRule,
    TimeLimit,
)
from chuangcheng.org.people import person_name


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "region", "unit", "priority"]
    list_filter = ["unit__kind"]
    search_fields = ["category__name", "category__code", "unit__name", "region__name"]
    raw_id_fields = ["category", "region", "unit"]


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ["kind", "clock", "urgency", "appeal_type", "amount", "unit"]
    list_filter = ["kind", "clock"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    list_display = ["number", "kind", "status", "title", "lead_unit", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["number", "title"]
    show_full_result_count = False
    exclude = ["match_text"]


@admin.register(CaseClock)
class CaseClockAdmin(ReadOnlyAdmin):
    list_display = ["case", "name", "started_at", "due_at", "stopped_at", "paused_at", "extended"]
    list_filter = ["name", "limit_unit"]
    search_fields = ["case__number"]
    raw_id_fields = ["case"]
    show_full_result_count = False


@admin.register(CaseLink)
class CaseLinkAdmin(ReadOnlyAdmin):
    list_display = ["from_case", "to_case", "kind", "receiver", "created_at"]
    list_filter = ["kind", "receiver"]
    search_fields = ["from_case__number", "to_case__number"]
    raw_id_fields = ["from_case", "to_case"]
    show_full_result_count = False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "seq", "action", "from_status", "to_status", "person", "created_at"]
    list_filter = ["action"]
    list_select_related = ["case", "actor"]
    search_fields = ["case__number"]
    show_full_result_count = False

    @admin.display(description="操作人")
    def person(self, obj: CaseEvent) -> str:
        return person_name(obj.actor) if obj.actor_id else obj.actor_name


@admin.register(ContactReveal)
class ContactRevealAdmin(ReadOnlyAdmin):
    list_display = ["case", "person", "reason", "at"]
    list_select_related = ["case", "user"]
    search_fields = ["case__number", "user__username", "user__first_name", "user__last_name"]

    @admin.display(description="查看人")
    def person(self, obj: ContactReveal) -> str:
        return person_name(obj.user)
