"""One transaction per request: a refused operation never half-commits."""
import sqlalchemy as sa
from flask import flash, redirect

from examserver.db import db
from examserver.models import RateEvent
from examserver.core import ratelimit
from examserver.core.errors import ServiceError


def _rows(app) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(sa.select(RateEvent.key)))


def test_refusal_caught_by_a_redirecting_view_rolls_back(app, client):
    """A service that flushed a write and then refused: the view flashes and
    redirects (303), yet nothing of the refused operation is committed."""

    def half_done():
        try:
            ratelimit.hit("test", "written-before-refusal")
            raise ServiceError("refused", "refused")
        except ServiceError as exc:
            flash(exc.message, "error")
        return redirect("/elsewhere", 303)

    def kept():
        try:
            ratelimit.hit("test", "kept-by-refusal")
            raise ServiceError("wrong password", "wrong_password", keep=True)
        except ServiceError as exc:
            flash(exc.message, "error")
        return redirect("/elsewhere", 303)

    def done():
        ratelimit.hit("test", "committed")
        return redirect("/elsewhere", 303)

    app.add_url_rule("/t/half", "half", half_done)
    app.add_url_rule("/t/kept", "kept", kept)
    app.add_url_rule("/t/done", "done", done)
    for path in ("/t/half", "/t/kept", "/t/done"):
        assert client.get(path).status_code == 303
    assert _rows(app) == ["committed", "kept-by-refusal"]
