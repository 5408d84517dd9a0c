"""Errors services raise for refusals a person can understand."""
from __future__ import annotations


from flask import g, has_request_context


class ServiceError(Exception):
    """A refused operation. ``message`` is a translatable, user-facing text
    (already passed through gettext by the service); ``code`` is stable for
    API clients and tests; ``status`` is the HTTP status a view should use.

    A refusal raised during a request makes the request roll back, even when
    the view catches it and answers with a redirect: nothing a refused
    operation flushed is ever half-committed. ``keep=True`` marks a refusal
    whose own record must survive (a wrong password's audit entry and rate
    count, a late answer that finished the attempt).
    """

    status = 400

    def __init__(self, message: str, code: str = "refused", status: int | None = None, *, keep: bool = False,
                 **details):
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status
        self.keep = keep
        self.details = details
        if has_request_context() and not keep:
            g.refused = True


class NotFound(ServiceError):
    status = 404


class Conflict(ServiceError):
    status = 409


class Forbidden(ServiceError):
    status = 403
