"""The password rule for staff accounts.

At least 12 characters; not one of the common passwords shipped in
``data/common_passwords.txt`` (also not one with digits or signs stuck on,
``password2026!``); not containing the username; not made of repeated or
sequential characters (``111111111111``, ``abcdefghijkl``, ``ЖЖЖЖЖЖЖЖЖЖЖЖ``,
``qwertyuiop12``). :data:`RULE` is the text the forms show.
"""
from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 200
MIN_DISTINCT = 5
RULE = _l("At least 12 characters; not a common password, not the username, and not repeated or sequential "
          "characters (such as 111111, abcdef, qwerty).")

_LIST = Path(__file__).resolve().parent / "data" / "common_passwords.txt"
# Keyboard rows (Latin and Russian/Kyrgyz layouts): walking along a row is as
# guessable as counting.
_ROWS = ("1234567890-=", "qwertyuiop[]", "asdfghjkl;'", "zxcvbnm,./",
         "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю.", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercase)."""
    lines = _LIST.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _step_is_sequential(a: str, b: str) -> bool:
    if abs(ord(a) - ord(b)) <= 1:
        return True
    for row in _ROWS:
        i, j = row.find(a), row.find(b)
        if i >= 0 and j >= 0 and abs(i - j) == 1:
            return True
    return False


def _runs(text: str) -> int:
    """How many runs of repeated or sequential characters make up ``text``."""
    runs = 1
    for a, b in zip(text, text[1:]):
        if not _step_is_sequential(a, b):
            runs += 1
    return runs


def problem(password: str, username: str = "") -> str | None:
    """Why ``password`` breaks the rule (a translated sentence), or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return _("The password must be at least %(n)s characters long.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("The password must be at most %(n)s characters long.", n=MAX_LENGTH)
    lowered = password.lower()
    name = (username or "").strip().lower()
    if len(name) >= 3 and (name in lowered or name in lowered[::-1]):
        return _("The password must not contain the username.")
    common = common_passwords()
    core = _EDGES.sub("", lowered)
    if lowered in common or core in common or lowered.replace(" ", "") in common:
        return _("This password is too common. Choose another one.")
    if len(set(lowered)) < MIN_DISTINCT or _runs(lowered) <= 3:
        return _("The password must not be made of repeated or sequential characters.")
    return None
