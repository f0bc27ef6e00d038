"""Bearer token authentication for /api/v1."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions

from chuangcheng.api.models import ApiToken

TOKEN_LIFETIME = dt.timedelta(days=7)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: Any) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(digest=digest(token), user=user, created_at=now,
                            expires_at=now + TOKEN_LIFETIME)
    return token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("令牌格式错误，应为 Authorization: Bearer <token>")
        token = header[1].decode(errors="replace")
        row = ApiToken.objects.select_related("user").filter(digest=digest(token)).first()
        if row is None or row.expires_at < timezone.now() or not row.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效或已过期，请重新登录")
        return row.user, row

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
