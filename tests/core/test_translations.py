"""Every text a person reads is translated into Kyrgyz and Russian."""
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("examserver", "kiosk", "admin")
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def _source_msgids() -> dict[str, str]:
    found = {}
    for pkg in PACKAGES:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            ROOT / pkg, METHODS, keywords=KEYWORDS, options_map={"**/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, f"{pkg}/{filename}:{lineno}")
    return found


def _catalogue(lang: str) -> dict[str, str]:
    merged = {}
    for pkg in PACKAGES:
        for po in (ROOT / pkg / "translations").glob(f"*/{lang}/LC_MESSAGES/messages.po"):
            with po.open("rb") as handle:
                for message in read_po(handle):
                    if message.id and message.string:
                        key = message.id[0] if isinstance(message.id, tuple) else message.id
                        value = message.string[0] if isinstance(message.string, tuple) else message.string
                        if value:
                            merged[key] = value
    return merged


@pytest.mark.parametrize("lang", ["ky", "ru"])
def test_every_message_is_translated(lang):
    catalogue = _catalogue(lang)
    missing = {msgid: where for msgid, where in _source_msgids().items() if msgid not in catalogue}
    assert not missing, f"{len(missing)} untranslated in {lang}:\n" + "\n".join(
        f"  {where}: {msgid!r}" for msgid, where in sorted(missing.items(), key=lambda kv: kv[1])
    )
