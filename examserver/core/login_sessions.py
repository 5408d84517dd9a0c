"""Console login sessions kept on the server (so logging out really ends them).

The browser keeps a random token in its (signed) Flask session cookie; the
database keeps the token's SHA-256 in ``login_session``. Every console request
resolves the token with one indexed lookup. A session ends at logout, when the
account is deactivated, after ``SESSION_IDLE_MINUTES`` without a request, and
``SESSION_LIFETIME_HOURS`` after the login, whichever comes first.
``last_seen_at`` is written at most once a minute, not on every request.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, g

from examserver import clock
from examserver.db import db
from examserver.models import User
from examserver.models.org import LoginSession

TOUCH_EVERY = timedelta(minutes=1)
KEEP_FOR = timedelta(days=30)
# Tokens are 43 URL-safe characters; anything longer is not one of ours.
_MAX_TOKEN = 64


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start(user: User, remote_addr: str) -> str:
    """Open a login session for ``user``; return the token the browser keeps."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    # Keep the table small: forget this account's logins unused for a month
    # (ended or abandoned; an abandoned one is dead by its lifetime anyway).
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id,
                                                     LoginSession.last_seen_at < now - KEEP_FOR)
                       .execution_options(synchronize_session=False))
    db.session.add(LoginSession(token_hash=_digest(token), user_id=user.id, created_at=now, last_seen_at=now,
                                remote_addr=(remote_addr or "")[:64]))
    db.session.flush()
    return token


def resolve(token: str | None) -> User | None:
    """The active account of a live session ``token``, or None.

    A session found idle or past its lifetime is ended here (and stays ended:
    the caller's request commits it). The account must still be active.
    """
    if not token or len(token) > _MAX_TOKEN:
        return None
    row = db.session.execute(
        sa.select(LoginSession, User).join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == _digest(token))
    ).first()
    if row is None:
        return None
    login, user = row
    if login.ended_at is not None:
        return None
    if not user.active:
        _end(login, "deactivated")
        return None
    now = clock.now()
    idle = timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])
    lifetime = timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])
    if now - login.created_at >= lifetime:
        _end(login, "expired")
        return None
    if now - login.last_seen_at >= idle:
        _end(login, "idle")
        return None
    if now - login.last_seen_at >= TOUCH_EVERY:
        _writable()
        login.last_seen_at = now
    return user


def end(token: str | None, reason: str = "logout") -> None:
    """End the session of ``token`` (logout); unknown or ended tokens are ignored."""
    if not token or len(token) > _MAX_TOKEN:
        return
    login = db.session.scalar(sa.select(LoginSession).where(LoginSession.token_hash == _digest(token)))
    if login is not None and login.ended_at is None:
        _end(login, reason)


def end_all(user: User, reason: str) -> int:
    """End every open session of ``user`` (deactivation); returns how many."""
    result = db.session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
        .values(ended_at=clock.now(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def open_sessions(user: User) -> int:
    """How many sessions of ``user`` have not ended (idle ones included until next seen)."""
    return db.session.scalar(
        sa.select(sa.func.count(LoginSession.id))
        .where(LoginSession.user_id == user.id, LoginSession.ended_at.is_(None))
    ) or 0


def _writable() -> None:
    # A read-only view (``db.read_only``) works on a snapshot that must not
    # write; leaving it once a minute per login is cheap.
    if g.get("db_read_only"):
        db.begin_write()


def _end(login: LoginSession, reason: str) -> None:
    _writable()
    login.ended_at = clock.now()
    login.end_reason = reason
    db.session.flush()
