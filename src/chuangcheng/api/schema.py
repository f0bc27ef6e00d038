"""OpenAPI description of our Bearer token authentication (so the schema shows how to log in
and `manage.py check --deploy` has no drf-spectacular warnings)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "chuangcheng.api.auth.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "POST /api/v1/auth/token 换取令牌，然后 Authorization: Bearer <token>",
        }
