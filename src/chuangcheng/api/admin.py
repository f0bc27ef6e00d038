"""接口令牌 in the admin: who holds which token, when it was last used; revoke with one action.
Tokens are issued only by the token endpoint (the plain token is shown once there)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from chuangcheng.api.auth import token_revoke
from chuangcheng.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = (
        "user",
        "short_digest",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("revoked_at", "expires_at")
    search_fields = ("user__username", "user__first_name", "user__last_name")
    readonly_fields = (
        "user",
        "short_digest",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    fields = readonly_fields
    ordering = ("-created_at",)
    actions = ["revoke"]
    list_select_related = ("user",)

    @admin.display(description="令牌摘要")
    def short_digest(self, obj: ApiToken) -> str:
        return f"{obj.digest[:8]}…"

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        n = token_revoke(actor=request.user, tokens=queryset)
        self.message_user(request, f"已吊销 {n} 个令牌。", messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
