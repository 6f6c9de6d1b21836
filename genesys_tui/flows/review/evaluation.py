"""Evaluating a call on a published form: the form read into checked models (whatever JSON
arrives), a draft kept per org until it is submitted, the running score as the form computes it,
and the body Genesys takes (`EvaluationCreateBody`, addendum 4.3).

The score is RC-WEIGHT (addendum 4.2): Σ(group points × weight) / Σ(group possible × weight) in
percent (weights ignored when the form's weightMode is OFF); N/A counts 0 of 0; the critical score
over critical questions only; a fatal (`isKill`) question answered with its lowest option makes the
evaluation 0. Free-text questions are answered with a comment and not scored."""

from __future__ import annotations

import json
import math
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from genesys_tui.core.errors import UserError
from genesys_tui.core.files import locked, read_capped, write_bytes
from genesys_tui.core.ids import safe_id
from genesys_tui.genesys import states as S

# A question's type (EvaluationQuestion.type) that the form handles differently.
MULTIPLE_CHOICE, FREE_TEXT = "multipleChoiceQuestion", "freeTextQuestion"

NA = "N/A"
STATUSES = ("INPROGRESS", "FINISHED")  # what a reviewer submits: still open, or done
MAX_COMMENT = 10_000  # characters kept of a comment (no documented limit)
MAX_TEXT = 4 * MAX_COMMENT  # a kept answer or comment longer than this is not one of ours
MAX_DRAFTS_BYTES = 8 << 20  # evaluations.json: far above any real set of drafts


class EvaluationError(UserError):
    pass


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    value: int


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    kind: str
    options: tuple[Option, ...]
    na: bool
    fatal: bool
    critical: bool

    @property
    def scored(self) -> bool:
        return self.kind == MULTIPLE_CHOICE and bool(self.options)


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    weight: float
    na: bool
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class Form:
    id: str
    name: str
    weighted: bool
    groups: tuple[Group, ...]
    raw: dict[str, Any] = field(compare=False, repr=False)

    def questions(self) -> list[tuple[Group, Question]]:
        return [(g, q) for g in self.groups for q in g.questions]


def _s(v: Any, limit: int = 500) -> str:
    return v[:limit] if isinstance(v, str) else ""


def _list(v: Any) -> list[dict[str, Any]]:
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _num(v: Any) -> float:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    return float(v) if ok and abs(v) < 1e9 else 0.0


def read_form(doc: Any) -> Form:
    """A form from the API's JSON; EvaluationError when it has no id or nothing to ask."""
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str) or len(doc["id"]) > 100:
        raise EvaluationError("the evaluation form is not a form (no id)")
    groups = []
    for g in _list(doc.get("questionGroups")):
        qs = tuple(
            Question(
                _s(q.get("id"), 100),
                _s(q.get("text")) or "(no text)",
                _s(q.get("type"), 50),
                tuple(
                    Option(_s(o.get("id"), 100), _s(o.get("text"), 200), int(_num(o.get("value"))))
                    for o in _list(q.get("answerOptions"))
                    if isinstance(o.get("id"), str)
                ),
                q.get("naEnabled") is True,
                q.get("isKill") is True,
                q.get("isCritical") is True,
            )
            for q in _list(g.get("questions"))
            if isinstance(q.get("id"), str)
        )
        if isinstance(g.get("id"), str):
            groups.append(
                Group(
                    g["id"],
                    _s(g.get("name")),
                    _num(g.get("weight")),
                    g.get("naEnabled") is True,
                    qs,
                )
            )
    if not any(g.questions for g in groups):
        raise EvaluationError(f"the form {_s(doc.get('name')) or doc['id']} has no questions")
    return Form(
        doc["id"],
        _s(doc.get("name")) or doc["id"],
        doc.get("weightMode") != "OFF",
        tuple(groups),
        doc,
    )


@dataclass
class Draft:
    conversation_id: str
    form_id: str
    answers: dict[str, str] = field(default_factory=dict)  # question id -> answer id, or NA
    comments: dict[str, str] = field(default_factory=dict)  # question id -> comment
    overall: str = ""
    idempotency_key: str = field(default_factory=lambda: str(uuid.uuid4()))
    submitted: str | None = None  # the evaluation's id once Genesys has it


@dataclass(frozen=True)
class Score:
    total: float  # percent
    critical: float | None  # percent, None without critical questions
    fatal: bool
    answered: int
    scored: int  # questions that take an answer


def score(form: Form, draft: Draft) -> Score:
    got = possible = crit_got = crit_possible = 0.0
    fatal = False
    answered = scored = 0
    for g in form.groups:
        weight = g.weight if form.weighted else 1.0
        for q in g.questions:
            if not q.scored:
                continue
            scored += 1
            choice = draft.answers.get(q.id)
            if choice is None:
                continue
            answered += 1
            if choice == NA:
                continue
            values = {o.id: o.value for o in q.options}
            if choice not in values:
                continue
            high, low = max(values.values()), min(values.values())
            fatal = fatal or (q.fatal and values[choice] == low and low < high)
            got, possible = got + values[choice] * weight, possible + high * weight
            if q.critical:
                crit_got, crit_possible = (
                    crit_got + values[choice] * weight,
                    crit_possible + high * weight,
                )
    total = 0.0 if fatal or not possible else round(100 * got / possible, 2)
    critical = round(100 * crit_got / crit_possible, 2) if crit_possible else None
    return Score(total, critical, fatal, answered, scored)


@dataclass(frozen=True)
class Evaluated:
    """An evaluation as Genesys returned it, checked: what is shown and reported of it."""

    id: str
    status: str
    total: float | None  # percent, as Genesys scored it
    fatal: bool
    form_id: str
    form_name: str
    evaluator: str
    comments: str
    answers: dict[str, tuple[str | None, bool, str]]  # question id -> (answer id, N/A, comment)
    raw: dict[str, Any] = field(compare=False, repr=False)

    def line(self) -> str:
        shown = f"{self.total:g}%" if self.total is not None else "-"
        parts = (f"{shown:>7}", f"{self.status:<10}", self.form_name, self.evaluator)
        return "  ".join(p for p in parts if p.strip()).rstrip()


def _obj(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def read_evaluation(doc: Any) -> Evaluated:
    """Whatever JSON arrives: wrong types are left out, never a crash."""
    doc = _obj(doc)
    ans, form = _obj(doc.get("answers")), _obj(doc.get("evaluationForm"))
    total = ans.get("totalScore")
    ok = isinstance(total, int | float) and not isinstance(total, bool) and math.isfinite(total)
    answers = {
        s["questionId"]: (
            s["answerId"] if isinstance(s.get("answerId"), str) else None,
            s.get("markedNA") is True,
            _s(s.get("comments"), MAX_COMMENT),
        )
        for g in _list(ans.get("questionGroupScores"))
        for s in _list(g.get("questionScores"))
        if isinstance(s.get("questionId"), str)
    }
    return Evaluated(
        _s(doc.get("id"), 100),
        _s(doc.get("status"), 20),
        float(total) if ok else None,
        ans.get("anyFailedKillQuestions") is True,
        _s(form.get("id"), 100),
        _s(form.get("name")),
        _s(_obj(doc.get("evaluator")).get("name")),
        _s(ans.get("comments"), MAX_COMMENT),
        answers,
        doc,
    )


def missing(form: Form, draft: Draft) -> list[Question]:
    """Scored questions neither answered nor N/A: what stops a FINISHED evaluation."""
    return [q for _, q in form.questions() if q.scored and q.id not in draft.answers]


def create_body(form: Form, draft: Draft, evaluator_id: str, agent_id: str, status: str) -> dict:
    """The EvaluationCreateBody: Genesys computes the scores; only the choices are sent."""
    if status not in STATUSES:
        raise EvaluationError(f"status must be one of {', '.join(STATUSES)}")
    left = missing(form, draft) if status == S.FINISHED else []
    if left:
        q = left[0]
        raise EvaluationError(f"not answered: {q.text} (answer it, or mark it {NA} where allowed)")
    groups = []
    for g in form.groups:
        scores = []
        for q in g.questions:
            choice = draft.answers.get(q.id)
            entry: dict[str, Any] = {"questionId": q.id, "markedNA": choice == NA}
            if choice and choice != NA:
                entry["answerId"] = choice
            if draft.comments.get(q.id):
                entry["comments"] = draft.comments[q.id][:MAX_COMMENT]
            scores.append(entry)
        groups.append({"questionGroupId": g.id, "markedNA": False, "questionScores": scores})
    answers: dict[str, Any] = {"questionGroupScores": groups}
    if draft.overall:
        answers["comments"] = draft.overall[:MAX_COMMENT]
    return {
        "evaluationForm": {"id": form.id},
        "evaluator": {"id": evaluator_id},
        "agent": {"id": agent_id},
        "conversation": {"id": draft.conversation_id},
        "status": status,
        "answers": answers,
    }


def choose(form: Form, draft: Draft, question: str, answer: str) -> None:
    """Answer a question named by id or text (case-insensitive) with an option named by id or
    text, or N/A where the form allows it. EvaluationError for anything else."""
    want = question.strip().lower()
    found = [(g, q) for g, q in form.questions() if q.id == question or q.text.lower() == want]
    if not found:
        raise EvaluationError(f"the form {form.name} has no question {question!r}")
    g, q = found[0]
    if q.kind == FREE_TEXT:
        draft.comments[q.id] = str(answer)[:MAX_COMMENT]
        return
    if str(answer).strip().upper() == NA:
        if not (q.na or g.na):
            raise EvaluationError(f"{q.text!r} cannot be marked {NA}")
        draft.answers[q.id] = NA
        return
    opt = [o for o in q.options if o.id == answer or o.text.lower() == str(answer).strip().lower()]
    if not opt:
        choices = ", ".join(o.text for o in q.options)
        raise EvaluationError(f"{q.text!r} has no answer {answer!r} (one of: {choices})")
    draft.answers[q.id] = opt[0].id


class DraftStore:
    """Drafts kept per org until submitted (`evaluations.json`): a half-filled form survives."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _all(self) -> dict[str, dict]:
        try:
            data = json.loads(read_capped(self.path, MAX_DRAFTS_BYTES))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, RecursionError) as e:
            raise EvaluationError(
                f"{self.path} cannot be read ({type(e).__name__}): move it aside"
            ) from None
        return data if isinstance(data, dict) else {}

    def get(self, conversation_id: str, form_id: str) -> Draft:
        doc = self._all().get(f"{safe_id(conversation_id)}/{form_id}")
        if isinstance(doc, dict):
            try:
                draft = Draft(**doc)
            except TypeError:
                draft = None
            if draft is not None and _well_formed(draft):
                return draft
        return Draft(conversation_id, form_id)  # none kept, or not a draft: a fresh one

    def put(self, draft: Draft) -> None:
        with locked(self.path):  # the TUI and `genesys-tui evaluate` at once keep both
            data = self._all()
            data[f"{safe_id(draft.conversation_id)}/{draft.form_id}"] = asdict(draft)
            write_bytes(self.path, json.dumps(data, indent=1).encode())


def _strings(d: object) -> bool:
    return isinstance(d, dict) and all(
        isinstance(k, str) and isinstance(v, str) and len(v) <= MAX_TEXT for k, v in d.items()
    )


def _well_formed(d: Draft) -> bool:
    """Every field of the type the form expects (a hand-edited or hostile file gets a fresh one)."""
    return (
        isinstance(d.conversation_id, str)
        and isinstance(d.form_id, str)
        and _strings(d.answers)
        and _strings(d.comments)
        and isinstance(d.overall, str)
        and len(d.overall) <= MAX_TEXT
        and isinstance(d.idempotency_key, str)
        and (d.submitted is None or isinstance(d.submitted, str))
    )
