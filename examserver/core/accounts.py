"""Staff accounts: creation, password hashing (argon2id), authentication."""
from __future__ import annotations

import re
import secrets

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Centre, Role, User
from examserver.core import audit
from examserver.core import login_sessions
from examserver.core import passwords
from examserver.core import ratelimit
from examserver.core.errors import Conflict, ServiceError

_PRODUCTION_HASHER = PasswordHasher()  # argon2id with the library's recommended parameters
# The test suite creates hundreds of accounts; the recommended parameters cost
# ~0.5 s each on a loaded 2-core machine. Testing mode uses cheap parameters
# (the hash records its parameters, so verification works either way).
_TESTING_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def _hasher() -> PasswordHasher:
    return _TESTING_HASHER if current_app.config.get("MODE") == "testing" else _PRODUCTION_HASHER

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{3,64}$")
MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
_DUMMY_HASHES: dict[int, str] = {}


def _dummy_hash() -> str:
    """A hash of nothing anyone knows, made with the current parameters.

    Unknown usernames are checked against it so that a failed login costs the
    same time whether the name exists or not (no username probing by timing).
    """
    hasher = _hasher()
    key = id(hasher)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASHES[key]


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_password(user: User, password: str) -> bool:
    """True if ``password`` is the user's; rehashes if parameters changed."""
    try:
        _hasher().verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
    return True


def create_user(
    username: str,
    password: str,
    role: Role | str,
    full_name: str,
    centre: Centre | None = None,
    actor: audit.Actor | None = None,
) -> User:
    """Create a staff account. Administrators may have no centre; every other
    role belongs to one centre."""
    role = Role(role)
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise ServiceError(_("Username must be 3-64 characters: latin letters, digits, . _ -"), "username")
    refusal = passwords.problem(password or "", username)
    if refusal:
        raise ServiceError(refusal, "password")
    if role != Role.ADMIN and centre is None:
        raise ServiceError(_("Every account except an administrator belongs to a testing centre."), "centre")
    if db.session.scalar(sa.select(User.id).where(User.username == username)):
        raise Conflict(_("Username %(name)s is already taken.", name=username), "username_taken")
    user = User(
        username=username,
        full_name=full_name.strip() or username,
        role=role,
        centre_id=centre.id if centre else None,
        password_hash=hash_password(password),
        created_at=clock.now(),
    )
    db.session.add(user)
    db.session.flush()
    if role in (Role.CHAIR, Role.MEMBER):
        from examserver.appeals.member_keys import provision_member_key

        provision_member_key(user, password)
    audit.record("user.create", user, actor=actor, role=role.value, username=username)
    return user


def _verify_dummy(password: str) -> None:
    try:
        _hasher().verify(_dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        pass


def authenticate(username: str, password: str, remote_addr: str) -> User | None:
    """Check a login; failures are counted per account and per address in the
    database, and too many within the window refuse even a correct password."""
    username = (username or "").strip().lower()
    limit = current_app.config["LOGIN_FAILURES_LIMIT"]
    window = current_app.config["LOGIN_FAILURES_WINDOW_SECONDS"]
    if (
        ratelimit.count("login-user", username, window) >= limit
        or ratelimit.count("login-addr", remote_addr, window) >= limit * 3
    ):
        raise ServiceError(_("Too many failed logins. Try again later."), "rate_limited", status=429)
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        # Same work as for a real account: the answer time must not reveal the name.
        _verify_dummy(password)
        matches = False
    else:
        matches = check_password(user, password)
    if user is None or not user.active or not matches:
        ratelimit.hit("login-user", username)
        ratelimit.hit("login-addr", remote_addr)
        audit.record("user.login_failed", ("user_account", user.id if user else ""), actor=audit.Actor("anonymous", None, username))
        return None
    ratelimit.reset("login-user", username)
    audit.record("user.login", user, actor=audit.Actor.for_user(user))
    return user


def set_active(user: User, active: bool, actor: audit.Actor, reason: str) -> None:
    """Activate or deactivate an account; deactivation ends all its sessions."""
    user.active = active
    user.session_version += 1
    if not active:
        login_sessions.end_all(user, "deactivated")
    audit.record("user.activate" if active else "user.deactivate", user, actor=actor, reason=reason)
