"""Bearer token authentication for /api/v1: issue, look up, revoke.

A token is refused when it is unknown, expired, revoked (退出 or the admin), its user is
inactive, or the user's password changed after it was issued (the token carries the user's
session auth hash from that moment, as Django's sessions do).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from rest_framework import authentication, exceptions

from chuangcheng.api.models import ApiToken
from chuangcheng.org.access import actor_for, actor_prefetched

TOKEN_LIFETIME = dt.timedelta(days=7)
# last_used_at is written at most once per this interval per token: a script calling the API
# ten times a second does not turn every read into a write.
LAST_USED_RESOLUTION = dt.timedelta(seconds=60)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user: Any) -> str:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.create(
        digest=digest(token),
        user=user,
        auth_hash=user.get_session_auth_hash(),
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    return token


def token_revoke(*, actor: Any, tokens: QuerySet[ApiToken]) -> int:
    """吊销: revoke tokens (退出 revokes the caller's own; the admin any). Returns how many
    were still live. `actor` is the user revoking, kept for the signature all writes share."""
    del actor
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())


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
    if connection.vendor != "postgresql":
        return _token_lookup_portable(token_digest)
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


def _token_lookup_portable(
    token_digest: str,
) -> tuple[ApiToken, list[Any], list[tuple[int, int]]] | None:
    """The same answer with the ORM, for databases without json_agg/ARRAY (the SQLite demo):
    the token with its user, then the actor as actor_for reads it (cached on the user, so
    authenticate() does not build it again)."""
    row = ApiToken.objects.select_related("user").filter(digest=token_digest).first()
    if row is None:
        return None
    actor_for(row.user)
    return row, [], []


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
        now = timezone.now()
        if (
            row.expires_at < now
            or row.revoked_at is not None
            or not row.user.is_active
            or not constant_time_compare(row.auth_hash, row.user.get_session_auth_hash())
        ):
            raise exceptions.AuthenticationFailed("令牌无效或已过期，请重新登录")
        if getattr(row.user, "_cc_actor", None) is None:
            actor_prefetched(row.user, memberships, sub_units)
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=row.pk).update(last_used_at=now)
            row.last_used_at = now
        return row.user, row

    def authenticate_header(self, request: Any) -> str:
        return self.keyword
