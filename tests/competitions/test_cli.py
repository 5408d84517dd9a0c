"""``examserver competition list|show|export`` through the CLI runner."""
from __future__ import annotations

from examserver.db import db
from examserver.competitions import issuing
from tests.competitions.conftest import actor, candidate, make_competition, past_appeal_window


def test_list_show_export(cworld, app, tmp_path):
    with app.app_context():
        comp = make_competition(cworld)
        candidate(cworld, "21505199012341", 7, "Алиев")
        candidate(cworld, "21505199012342", 5, "Бекова")
        past_appeal_window()
        issuing.issue(comp, actor(cworld))
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["competition", "list"])
    assert result.exit_code == 0 and "EDU-1\teducation" in result.output and "winner" in result.output
    result = runner.invoke(args=["competition", "show", "EDU-1"])
    assert result.exit_code == 0, result.output
    assert "1. Алиев Бакыт: 7/7 [basic 4/4, subject 3/3] reached" in result.output
    assert "reserve: Бекова Бакыт" in result.output
    out = tmp_path / "p.json"
    result = runner.invoke(args=["competition", "export", "EDU-1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert runner.invoke(args=["verify", str(out)]).exit_code == 0
    result = runner.invoke(args=["competition", "export", "EDU-1", "--what", "letters", "-o", str(tmp_path / "l.csv")])
    assert result.exit_code == 0 and "winner" in (tmp_path / "l.csv").read_text(encoding="utf-8")
    result = runner.invoke(args=["competition", "show", "NOPE"])
    assert result.exit_code == 1 and "error" in result.output
