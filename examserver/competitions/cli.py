"""CLI: ``examserver competition list|show CODE|export CODE``."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from examserver.core.commands import transaction


@click.group("competition")
def competition_group():
    """Competitions for vacant posts: list, show the ranking and outcome, export."""


@competition_group.command("list")
@with_appcontext
def competition_list():
    """One line per competition: code, rules, test date, outcome, protocol."""
    from examserver.competitions import announce, issuing, ranking

    for comp in announce.all_competitions():
        _people, out = ranking.outcome(comp)
        protocol = issuing.current_protocol(comp)
        click.echo(f"{comp.code}\t{comp.rule_set.value}\t{comp.test_date.isoformat()}\t{out.status}"
                   f"{'/' + out.failure if out.failure else ''}\t{protocol.number if protocol else '-'}\t{comp.title}")


@competition_group.command("show")
@click.argument("code")
@with_appcontext
def competition_show(code: str):
    """The applicants, the ranking with section scores, the outcome and the deadlines."""
    from examserver.competitions import announce, deadlines, issuing, ranking

    with transaction():
        comp = announce.by_code(code)
        people, out = ranking.outcome(comp)
    click.echo(f"{comp.code}: {comp.title} ({comp.rule_set.value}), position {comp.position.code}")
    by_id = {a.participant.id: a for a in people}
    for a in people:
        click.echo(f"  applicant {a.participant.pin} {a.participant.full_name}: {a.candidate.status}"
                   + (f" ({a.reason})" if a.reason else ""))
    for c in out.ranking:
        a = by_id[c.participant_id]
        sections = ", ".join(f"{s['code']} {s['points']}/{s['max_points']}" for s in a.sections)
        extra = f" + {c.tiebreak}" if c.tiebreak is not None else ""
        mark = "reached" if c.participant_id in out.reached else "below"
        click.echo(f"  {out.places[c.participant_id]}. {a.participant.full_name}: {c.total}/{c.max_points}{extra}"
                   f" [{sections}] {mark}")
    winner = by_id[out.winner].participant.full_name if out.winner else "-"
    click.echo(f"outcome: {out.status}{' (' + out.failure + ')' if out.failure else ''}; winner: {winner}")
    click.echo(f"{out.reserve_kind}: " + (", ".join(by_id[p].participant.full_name for p in out.reserve) or "-"))
    protocol = issuing.current_protocol(comp)
    click.echo(f"protocol: {protocol.number if protocol else '-'}")
    for d in deadlines.deadlines(comp):
        state = "done" if d.done else "LATE" if d.late else "due"
        click.echo(f"deadline {d.what}: {d.due_on.isoformat()} {state}")


@competition_group.command("export")
@click.argument("code")
@click.option("--what", type=click.Choice(["protocol", "pdf", "letters"]), default="protocol",
              help="protocol: the signed JSON export; pdf: the signed protocol PDF; letters: the letters CSV.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@with_appcontext
def competition_export(code: str, what: str, output: str):
    """Write the signed protocol (JSON or PDF) or the results letters list (CSV)."""
    from examserver.core.errors import NotFound
    from examserver.competitions import announce, issuing, letters
    from examserver.protocols import issuing as protocols

    with transaction():
        comp = announce.by_code(code)
        protocol = issuing.current_protocol(comp)
        if what == "letters":
            data = letters.letters_csv(comp).encode("utf-8")
        elif protocol is None:
            raise NotFound("no signed protocol yet", "no_protocol")
        elif what == "pdf":
            data = protocols.pdf_for(protocol)
        else:
            data = protocols.export_json(protocol)
    Path(output).write_bytes(data)
    click.echo(f"wrote {output}")


COMMANDS = [competition_group]
