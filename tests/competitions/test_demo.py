"""The demo holds one competition of each rule set, showing a tie and a reserve."""
from examserver.db import db
from examserver.competitions import announce, ranking


def test_demo_competitions(runner, app):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "DEMO-EDU (education)" in result.output and "DEMO-MUN (municipal)" in result.output
    with app.app_context():
        people, out = ranking.outcome(announce.by_code("DEMO-EDU"))
        names = {a.participant.id: a.participant.surname for a in people}
        assert out.status == "tie_break_needed"
        assert sorted(names[p] for p in out.tied) == ["Абдыраева", "Бакиев", "Волкова"]
        # Леонов has more points than Курманова but misses the subject minimum: not at or above the threshold.
        assert [names[p] for p in out.reached][3:] == ["Жумалиев", "Курманова"]
        people, out = ranking.outcome(announce.by_code("DEMO-MUN"))
        names = {a.participant.id: a.participant.surname for a in people}
        assert out.status == "interview" and [names[p] for p in out.reached] == ["Назарова", "Орозов", "Петрова"]
        assert [names[p] for p in out.reserve] == ["Назарова", "Орозов"]
        db.session.rollback()
    assert runner.invoke(args=["demo"]).exit_code == 0   # re-running keeps the competitions
