"""API tokens (stored as a SHA-256 digest; the plain token is shown once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """接口令牌: a bearer token for integrators and scripts.

    `auth_hash` is the user's session auth hash (an HMAC of their password hash) when the token
    was issued: a password change, wherever it happens, makes every older token fail the check,
    exactly as Django logs out the sessions. `revoked_at` is set by 退出 (the logout endpoint)
    and by the admin action.
    """

    digest = models.CharField("令牌摘要", max_length=64, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name="用户",
    )
    auth_hash = models.CharField("签发时的密码摘要", max_length=128, default="", editable=False)
    created_at = models.DateTimeField("签发时间")
    expires_at = models.DateTimeField("过期时间")
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"令牌 {self.digest[:8]}… ({self.user_id})"
