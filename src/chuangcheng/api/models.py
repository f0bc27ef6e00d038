"""API tokens (stored as a SHA-256 digest; the plain token is shown once)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    digest = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"令牌 {self.digest[:8]}… ({self.user_id})"
