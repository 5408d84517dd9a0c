"""Errors services raise for refusals a person can understand."""
from __future__ import annotations


class ServiceError(Exception):
    """A refused operation. ``message`` is a translatable, user-facing text
    (already passed through gettext by the service); ``code`` is stable for
    API clients and tests; ``status`` is the HTTP status a view should use."""

    status = 400

    def __init__(self, message: str, code: str = "refused", status: int | None = None, **details):
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status
        self.details = details


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403
