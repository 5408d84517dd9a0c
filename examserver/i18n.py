"""Locale selection. Kyrgyz and Russian are complete; English is the third locale."""
from __future__ import annotations

from flask import current_app, g, request, session

LANGUAGES = ("ky", "ru", "en")
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}


def select_locale() -> str:
    """Explicit choice for this request (g.locale, set e.g. from an attempt's
    language) > the ``lang`` query parameter or session choice > the browser >
    the configured default."""
    forced = g.get("locale")
    if forced in LANGUAGES:
        return forced
    chosen = request.args.get("lang") if request else None
    if chosen in LANGUAGES:
        session["lang"] = chosen
        return chosen
    if request and session.get("lang") in LANGUAGES:  # no session outside a request (CLI)
        return session["lang"]
    best = request.accept_languages.best_match(LANGUAGES) if request else None
    return best or current_app.config["DEFAULT_LOCALE"]
