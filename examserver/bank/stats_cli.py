"""``examserver stats``: item and form statistics of finished attempts, as text, CSV or JSON."""
from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date

import click
from flask.cli import with_appcontext

from examserver.core.commands import progress_printer

ITEM_COLUMNS = ("blueprint", "id", "version", "topic", "responses", "answered", "omission_rate", "p",
                "point_biserial", "corrected_r", "upper_lower", "mean_seconds", "flags")


def _since(ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.command("stats")
@click.option("--blueprint", help="Only this blueprint code (all its versions).")
@click.option("--since", callback=_since, help="Only attempts finished on or after this date (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json"]), default="text", show_default=True)
@click.option("--min-responses", type=click.IntRange(1, 100000), default=20, show_default=True,
              help="Response-based flags need at least this many responses.")
@with_appcontext
def stats_command(blueprint: str | None, since: date | None, fmt: str, min_responses: int):
    """Item statistics (difficulty, discrimination, distractors, omissions, time) and form
    reliability (KR-20 / alpha, SEM) of finished attempts, with the flags of items that need attention.

    Read-only. The same figures as the console's Statistics page.
    """
    from examserver.bank.statistics import collect

    try:
        stats = collect(blueprint, since, progress=progress_printer("attempts"), min_responses=min_responses)
    finally:
        from examserver.db import db
        db.session.rollback()
    if fmt == "json":
        click.echo(json.dumps({"attempts": stats.attempts, "blueprints": [
            {"code": bp.code, "threshold_points": bp.threshold_points, "max_points": bp.max_points,
             "form": bp.form.to_dict(), "items": [a.to_dict() for _ref, a in sorted(bp.items.items())]}
            for bp in stats.blueprints]}, ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(ITEM_COLUMNS)
        for bp in stats.blueprints:
            for _ref, a in sorted(bp.items.items()):
                d = a.to_dict()
                writer.writerow([bp.code] + [d[c] if d[c] is not None else "" for c in ITEM_COLUMNS[1:-1]]
                                + [" ".join(f["code"] for f in d["flags"])])
        sys.stdout.write(out.getvalue())
        return
    click.echo(f"{stats.attempts} finished attempt(s)")
    for bp in stats.blueprints:
        f = bp.form.to_dict()
        click.echo(f"\n{bp.code}: {f['candidates']} candidates, mean {f['mean']}, sd {f['sd']}, "
                   f"alpha {f['alpha']}, KR-20 {f['kr20']}, SEM {f['sem']}")
        for _ref, a in sorted(bp.items.items()):
            d = a.to_dict()
            flags = ", ".join(f"{x['code']} ({x['detail']})" for x in d["flags"])
            click.echo(f"  {d['id']} v{d['version']}: n={d['responses']} p={d['p']} r={d['corrected_r']} "
                       f"D={d['upper_lower']} omit={d['omission_rate']} t={d['mean_seconds']}s"
                       + (f"  FLAGS: {flags}" if flags else ""))


COMMANDS = [stats_command]
