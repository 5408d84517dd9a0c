"""The console's blueprint editor: a new version of a blueprint from the current one.

A blueprint version is immutable once stored (attempts refer to it), so the
editor never changes one: it reads the form (sections, topic quotas, time,
threshold and section/quota minimums, languages), checks every field with a
message naming it, shows the live feasibility check (``check_fill`` against
the approved items), and saves **version n + 1**, unapproved, with the
administrator recorded as its author (``blueprint_author``): another
administrator approves it and its thresholds (four eyes, ``blueprints.approve``).
Nothing is written while any field, or the feasibility, is wrong.

Form fields: ``title_<lang>``, ``duration``, ``lang_<lang>``, ``shuffle``,
``threshold_kind``, ``threshold_value``; section ``i`` (0-based) has
``s<i>_code``, ``s<i>_title_<lang>``, ``s<i>_min`` and quota ``j`` of it
``s<i>_q<j>_topic``, ``s<i>_q<j>_count``, ``s<i>_q<j>_min``. Blank section or
quota rows are ignored, so the page offers spare rows to fill in; errors are
keyed by the position among the filled rows, the order the page shows them in.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from question_bank.blueprint import THRESHOLD_KINDS, Blueprint, Quota, Section, Threshold
from question_bank.blueprint_files import SECTION_CODE_RE
from question_bank.items import LANGUAGES, MAX_CODE

from examserver import clock
from examserver.bank.blueprints import TopicFill, feasibility_of, record_author
from examserver.core import audit
from examserver.core.errors import Conflict, ServiceError
from examserver.db import db
from examserver.models import ExamBlueprint, Topic

LANGS = ("ky", "ru")          # the state and the official language: every item has both
MAX_SECTIONS = 10
MAX_QUOTAS = 30
MAX_TITLE = 500
MAX_COUNT = 1000
MAX_MINUTES = 24 * 60
NUMBER = re.compile(r"^[0-9]{1,6}$")


@dataclass
class Draft:
    """A proposed version as read from the form: the values to show again and the problems by field."""

    values: dict[str, Any]
    errors: dict[str, str] = field(default_factory=dict)
    blueprint: Blueprint | None = None
    fill: list[TopicFill] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return self.blueprint is not None and all(t.have >= t.need for t in self.fill)


def values_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The form values of a stored blueprint payload."""
    ((kind, value),) = payload["threshold"].items()
    return {
        "title": {lang: payload.get("title", {}).get(lang, "") for lang in LANGS},
        "duration": str(payload["duration_minutes"]), "languages": list(payload["languages"]),
        "shuffle": bool(payload.get("shuffle_options", True)),
        "threshold_kind": kind, "threshold_value": str(value),
        "sections": [{"code": s["code"], "title": {lang: s.get("title", {}).get(lang, "") for lang in LANGS},
                      "min": "" if s.get("min_correct") is None else str(s["min_correct"]),
                      "quotas": [{"topic": q["topic"], "count": str(q["count"]),
                                  "min": "" if q.get("min_correct") is None else str(q["min_correct"])}
                                 for q in s["quotas"]]}
                     for s in payload["sections"]],
    }


def _text(form: Mapping[str, str], name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _number(raw: str, lo: int, hi: int) -> int | None:
    if not NUMBER.match(raw):
        return None
    n = int(raw)
    return n if lo <= n <= hi else None


def _read_values(form: Mapping[str, str]) -> dict[str, Any]:
    sections = []
    for i in range(MAX_SECTIONS):
        p = f"s{i}_"
        quotas = [{"topic": _text(form, f"{p}q{j}_topic"), "count": _text(form, f"{p}q{j}_count"),
                   "min": _text(form, f"{p}q{j}_min")} for j in range(MAX_QUOTAS)]
        section = {"code": _text(form, p + "code"), "title": {lang: _text(form, f"{p}title_{lang}") for lang in LANGS},
                   "min": _text(form, p + "min"), "quotas": [q for q in quotas if any(q.values())]}
        if section["code"] or section["min"] or section["quotas"] or any(section["title"].values()):
            sections.append(section)
    return {"title": {lang: _text(form, f"title_{lang}") for lang in LANGS}, "duration": _text(form, "duration"),
            "languages": [lang for lang in LANGUAGES if form.get(f"lang_{lang}")], "shuffle": bool(form.get("shuffle")),
            "threshold_kind": _text(form, "threshold_kind"), "threshold_value": _text(form, "threshold_value"),
            "sections": sections}


def _titles(errors: dict[str, str], prefix: str, titles: dict[str, str]) -> dict[str, str]:
    for lang, text in titles.items():
        if len(text) > MAX_TITLE:
            errors[f"{prefix}title_{lang}"] = _("At most %(n)s characters.", n=MAX_TITLE)
    return {lang: text for lang, text in titles.items() if text}


def _section(errors: dict[str, str], k: int, s: dict[str, Any], topics: set[str], seen: set[str]) -> Section | None:
    # Errors name the k-th filled section and its m-th filled quota: the page shows them again in that order.
    p = f"s{k}_"
    before = len(errors)
    if not SECTION_CODE_RE.match(s["code"]) or len(s["code"]) > MAX_CODE:
        errors[p + "code"] = _("Enter the section's code: up to %(n)s latin letters, digits, _ or -.", n=MAX_CODE)
    elif s["code"] in seen:
        errors[p + "code"] = _("Section code %(code)s is used twice.", code=s["code"])
    seen.add(s["code"])
    title = _titles(errors, p, s["title"])
    if not s["quotas"]:
        errors[p + "quotas"] = _("A section needs at least one topic quota.")
    quotas = []
    for j, q in enumerate(s["quotas"]):
        qp = f"{p}q{j}_"
        count = _number(q["count"], 1, MAX_COUNT)
        if not q["topic"]:
            errors[qp + "topic"] = _("Choose a topic.")
        elif q["topic"] not in topics:
            errors[qp + "topic"] = _("Unknown topic %(topic)s.", topic=q["topic"][:40])
        if count is None:
            errors[qp + "count"] = _("Enter the number of questions: a whole number from 1 to %(n)s.", n=MAX_COUNT)
        minimum = None
        if q["min"]:
            minimum = _number(q["min"], 0, count or MAX_COUNT)
            if minimum is None:
                errors[qp + "min"] = _("Enter a whole number from 0 to %(n)s (the quota's questions).",
                                       n=count or MAX_COUNT)
        quotas.append(Quota(q["topic"], count or 0, minimum))
    questions = sum(q.count for q in quotas)
    minimum = None
    if s["min"]:
        minimum = _number(s["min"], 0, questions)
        if minimum is None:
            errors[p + "min"] = _("Enter a whole number from 0 to %(n)s (the section's questions).", n=questions)
    if len(errors) > before:
        return None
    return Section(s["code"], title, tuple(quotas), minimum)


def read_form(form: Mapping[str, str], base: ExamBlueprint, version: int) -> Draft:
    """Read and check the editor's form as version ``version`` of ``base``'s code; the feasibility
    of a blueprint without field errors is computed too."""
    values = _read_values(form)
    errors: dict[str, str] = {}
    title = _titles(errors, "", values["title"])
    duration = _number(values["duration"], 1, MAX_MINUTES)
    if duration is None:
        errors["duration"] = _("Enter the time in whole minutes, from 1 to %(n)s.", n=MAX_MINUTES)
    if not values["languages"]:
        errors["languages"] = _("Choose at least one language of the test.")
    topics = set(db.session.scalars(sa.select(Topic.code)))
    seen: set[str] = set()
    sections = [_section(errors, k, s, topics, seen) for k, s in enumerate(values["sections"])]
    if not values["sections"]:
        errors["sections"] = _("The blueprint needs at least one section.")
    questions = sum(s.question_count for s in sections if s is not None)
    kind = values["threshold_kind"]
    threshold = None
    if kind not in THRESHOLD_KINDS:
        errors["threshold_kind"] = _("Choose how the threshold is counted.")
    elif kind == "percent":
        value = _number(values["threshold_value"], 1, 100)
        if value is None:
            errors["threshold_value"] = _("Enter a percentage of the attainable score, from 1 to 100.")
        threshold = Threshold(kind, value or 0)
    else:
        value = _number(values["threshold_value"], 1, max(questions, 1))
        if value is None:
            errors["threshold_value"] = _("Enter a number of correct answers from 1 to %(n)s (the questions "
                                          "of the test).", n=questions)
        threshold = Threshold(kind, value or 0)
    draft = Draft(values, errors)
    if errors:
        return draft
    draft.blueprint = Blueprint(base.code, version, base.group_code, title, duration, tuple(values["languages"]),
                                values["shuffle"], threshold, tuple(sections))
    draft.fill = feasibility_of(draft.blueprint)
    return draft


def languages_for(base: ExamBlueprint) -> tuple[str, ...]:
    """The languages the form offers: Kyrgyz and Russian, and any other the base version has."""
    return LANGS + tuple(lang for lang in LANGUAGES if lang in base.payload.get("languages", ()) and lang not in LANGS)


def latest_version(code: str) -> int:
    """The newest stored version number of ``code`` (0 when there is none)."""
    return db.session.scalar(sa.select(sa.func.max(ExamBlueprint.version)).where(ExamBlueprint.code == code)) or 0


def save(base: ExamBlueprint, form: Mapping[str, str], expected_latest: int, actor: audit.Actor,
         comment: str = "") -> ExamBlueprint:
    """Store the form as a new, unapproved version of ``base``'s blueprint, with ``actor`` as its author.

    Refuses (ServiceError with ``errors`` by field, nothing written) a field
    problem, a blueprint the approved items cannot fill, a version identical
    to the latest, and a form started before someone else saved a newer version.
    """
    latest = latest_version(base.code)
    if latest != expected_latest:
        raise Conflict(_("Version %(v)s of %(code)s was saved in the meantime; start again from it.",
                         v=latest, code=base.code), "stale", errors={})
    if not isinstance(comment, str) or len(comment) > 2000:
        raise ServiceError(_("The comment must be text of at most %(n)s characters.", n=2000), "bad_comment",
                           status=422, errors={"comment": _("At most %(n)s characters.", n=2000)})
    draft = read_form(form, base, latest + 1)
    if draft.errors:
        raise ServiceError(_("Correct the marked fields; nothing was saved."), "bad_blueprint", status=422,
                           errors=draft.errors, draft=draft)
    if not draft.feasible:
        short = ", ".join(f"{t.topic} ({t.have}/{t.need})" for t in draft.fill if t.have < t.need)
        raise ServiceError(_("The approved questions cannot fill this blueprint: %(topics)s. Nothing was saved.",
                             topics=short), "not_feasible", status=422, errors={}, draft=draft)
    bp = draft.blueprint
    newest = db.session.scalar(sa.select(ExamBlueprint).where(ExamBlueprint.code == base.code,
                                                              ExamBlueprint.version == latest))
    if newest is not None and dict(bp.to_dict(), version=latest) == newest.payload:
        raise ServiceError(_("Nothing changed: this is version %(v)s as it is.", v=latest), "unchanged",
                           status=422, errors={}, draft=draft)
    row = ExamBlueprint(code=bp.code, version=bp.version, group_code=bp.group, payload=bp.to_dict(),
                        digest=bp.digest(), imported_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except sa.exc.IntegrityError:   # another administrator saved the same version number first
        raise Conflict(_("Version %(v)s of %(code)s was saved in the meantime; start again from it.",
                         v=bp.version, code=bp.code), "stale", errors={}) from None
    record_author(row, actor, comment.strip())
    audit.record("blueprint.create", ("exam_blueprint", f"{row.code} v{row.version}"), actor=actor,
                 reason=comment.strip(), code=row.code, version=row.version, based_on=base.version)
    return row

