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


def test_a_value_the_database_refuses_at_commit_is_a_400_and_nothing_is_stored(app, client):
    """The commit in after_request fails (an id beyond the column's range): the
    answer is a 400 with a message, never an acknowledgement or a 500."""
    from examserver import clock

    def too_big():
        ratelimit.hit("test", "before")
        # Added after the last flush: only the request's own commit meets it.
        db.session.add(RateEvent(id=2**70, scope="test", key="overflow", at=clock.now()))
        return "stored"

    app.add_url_rule("/t/too-big", "too_big", too_big)
    response = client.get("/t/too-big")
    assert response.status_code == 400 and "stored" not in response.get_data(as_text=True)
    assert _rows(app) == []


def test_a_database_error_inside_a_view_is_a_400(app, client):
    def overflow():
        db.session.get(RateEvent, 2**70)
        return "found"

    app.add_url_rule("/t/overflow", "overflow", overflow)
    response = client.get("/t/overflow?lang=ru")
    assert response.status_code == 400 and "Значение в запросе недопустимо" in response.get_data(as_text=True)
