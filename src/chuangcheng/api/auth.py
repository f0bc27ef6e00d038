"""Bearer token authentication for /api/v1."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework import authentication, exceptions

from chuangcheng.api.models import ApiToken
from chuangcheng.org.access import actor_prefetched

TOKEN_LIFETIME = dt.timedelta(days=7)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: Any) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        digest=digest(token), user=user, created_at=now, expires_at=now + TOKEN_LIFETIME
    )
    return token


@functools.cache
def _token_sql() -> tuple[str, list[str], list[str]]:
    """One statement for the token, its user, the user's memberships (role, unit, the unit's
    region path: what actor_for reads) and the units under the ones they handle for. Written
    once per process from the models' metadata; the ORM would spend more CPU composing it
    than PostgreSQL spends running it."""
    from chuangcheng.org.models import Membership, Region, Unit

    user_model = get_user_model()
    tok_fields, usr_fields = ApiToken._meta.concrete_fields, user_model._meta.concrete_fields
    tok = [f.attname for f in tok_fields]
    usr = [f.attname for f in usr_fields]
    q = connection.ops.quote_name
    cols = [f"t.{q(str(f.column))}" for f in tok_fields] + [
        f"u.{q(str(f.column))}" for f in usr_fields
    ]
    m, un, r = Membership._meta, Unit._meta, Region._meta
    sql = (
        f"SELECT {', '.join(cols)}, "
        "(SELECT coalesce(json_agg(json_build_array(m.role, m.unit_id, r.path)), '[]'::json) "
        f"FROM {q(m.db_table)} m LEFT JOIN {q(un.db_table)} un ON un.id = m.unit_id "
        f"LEFT JOIN {q(r.db_table)} r ON r.id = un.region_id WHERE m.user_id = t.user_id), "
        "(SELECT coalesce(json_agg(json_build_array(s.parent_id, s.id)), '[]'::json) "
        f"FROM {q(un.db_table)} s WHERE s.parent_id IN (SELECT h.unit_id "
        f"FROM {q(m.db_table)} h WHERE h.user_id = t.user_id)) "
        f"FROM {q(ApiToken._meta.db_table)} t "
        f"JOIN {q(user_model._meta.db_table)} u ON u.id = t.user_id WHERE t.digest = %s"
    )
    return sql, tok, usr


def _token_lookup(
    token_digest: str,
) -> tuple[ApiToken, list[Any], list[tuple[int, int]]] | None:
    sql, tok, usr = _token_sql()
    with connection.cursor() as cur:
        cur.execute(sql, [token_digest])
        values = cur.fetchone()
    if values is None:
        return None
    n = len(tok)
    row = ApiToken.from_db(connection.alias, tok, values[:n])
    row.user = get_user_model().from_db(connection.alias, usr, values[n : n + len(usr)])
    memberships = [{"role": a, "unit": b, "path": c} for a, b, c in values[-2]]
    return row, memberships, [(int(p), int(u)) for p, u in values[-1]]


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "令牌格式错误，应为 Authorization: Bearer <token>"
            )
        token = header[1].decode(errors="replace")
        found = _token_lookup(digest(token))
        if found is None:
            raise exceptions.AuthenticationFailed("令牌无效或已过期，请重新登录")
        row, memberships, sub_units = found
        if row.expires_at < timezone.now() or not row.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效或已过期，请重新登录")
        actor_prefetched(row.user, memberships, sub_units)
        return row.user, row

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
