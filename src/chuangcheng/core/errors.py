"""Domain errors. The API maps them to HTTP codes; pages show their Chinese message."""

from __future__ import annotations


class DomainError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class ValidationFailed(DomainError):
    """Bad input (HTTP 400)."""


class PermissionDenied(DomainError):
    """The actor may not do this (HTTP 403)."""

    status_code = 403
    code = "forbidden"


class Conflict(DomainError):
    """Not allowed in the current state, or someone else was first (HTTP 409)."""

    status_code = 409
    code = "conflict"


class NotFound(DomainError):
    """Missing or not visible to this actor (HTTP 404): the two are indistinguishable on purpose."""

    status_code = 404
    code = "not_found"
