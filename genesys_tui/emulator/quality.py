"""The emulated org's published evaluation forms and the server's scoring (addendum 4).

Scoring follows RC-WEIGHT as the addendum gives it: score = Σ(group points × weight) /
Σ(group possible points × weight), in percent; N/A questions and groups count 0 of 0; the critical
score over critical questions only; a fatal (`isKill`) question answered with its lowest option
makes the whole evaluation 0 and sets `anyFailedKillQuestions`. UNCONFIRMED (addendum 4.2, 4.3):
Genesys's exact arithmetic inside a group, a group's own scores (here: its raw points of its raw
possible points, weighted variants equal), and an evaluation with nothing scorable (here: 0)."""

from __future__ import annotations

import uuid
from typing import Any

from genesys_tui.emulator.errors import bad_request

_NS = uuid.UUID("5b0c6a1e-9f3e-4c1a-8d6e-2b7f4a9c0e11")
SCORED = ("multipleChoiceQuestion",)  # yes/no and graded questions; free text is not scored


def _id(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _options(form: str, q: str, *opts: tuple[str, int]) -> list[dict[str, Any]]:
    return [
        {"id": _id(form, q, text), "contextId": _id(form, q, text, "c"), "text": text, "value": v}
        for text, v in opts
    ]


YES_NO = (("Yes", 1), ("No", 0))


def _question(form: str, text: str, *opts, kill=False, critical=False, na=False, kind=None):
    return {
        "id": _id(form, text),
        "contextId": _id(form, text, "c"),
        "text": text,
        "helpText": "",
        "type": kind or "multipleChoiceQuestion",
        "naEnabled": na,
        "commentsRequired": False,
        "isKill": kill,
        "isCritical": critical,
        "answerOptions": _options(form, text, *opts) if opts else [],
    }


def _group(form: str, name: str, weight: float, questions: list, na: bool = False):
    return {
        "id": _id(form, name),
        "contextId": _id(form, name, "c"),
        "name": name,
        "type": "questionGroup",
        "defaultAnswersToHighest": False,
        "defaultAnswersToNA": False,
        "naEnabled": na,
        "weight": weight,
        "manualWeight": True,
        "questions": questions,
    }


def published_forms(division: tuple[str, str], modified: str) -> list[dict[str, Any]]:
    """Two published forms: inbound QA (weighted groups, a fatal and critical questions, an N/A
    group, a free-text note) and outbound collections (unweighted)."""
    f1, f2 = "Inbound voice QA", "Outbound collections"
    forms = [
        (
            f1,
            "SCALED",
            [
                _group(
                    f1,
                    "Greeting",
                    20.0,
                    [
                        _question(
                            f1,
                            "Did the agent greet the caller and give their name?",
                            *YES_NO,
                            critical=True,
                        ),
                        _question(f1, "Did the agent confirm the reason for the call?", *YES_NO),
                    ],
                ),
                _group(
                    f1,
                    "Compliance",
                    40.0,
                    [
                        _question(
                            f1,
                            "Was the caller's identity verified before account details?",
                            *YES_NO,
                            kill=True,
                        ),
                        _question(
                            f1, "Was the recording disclosure given?", *YES_NO, critical=True
                        ),
                    ],
                ),
                _group(
                    f1,
                    "Resolution",
                    40.0,
                    [
                        _question(
                            f1,
                            "How well was the issue resolved?",
                            ("Fully", 2),
                            ("Partly", 1),
                            ("Not at all", 0),
                        ),
                        _question(f1, "Did the agent offer further help?", *YES_NO, na=True),
                        _question(f1, "Notes for the agent", kind="freeTextQuestion"),
                    ],
                    na=True,
                ),
            ],
        ),
        (
            f2,
            "OFF",
            [
                _group(
                    f2,
                    "Call",
                    1.0,
                    [
                        _question(f2, "Was the required disclosure given?", *YES_NO, kill=True),
                        _question(f2, "Was a payment arrangement offered?", *YES_NO),
                        _question(f2, "Tone", ("Good", 2), ("Fair", 1), ("Poor", 0)),
                    ],
                )
            ],
        ),
    ]
    return [
        {
            "id": _id(name, "form"),
            "name": name,
            "division": {"id": division[0], "name": division[1]},
            "modifiedDate": modified,
            "published": True,
            "contextId": _id(name, "context"),
            "weightMode": mode,
            "questionGroups": groups,
            "selfUri": f"/api/v2/quality/publishedforms/evaluations/{_id(name, 'form')}",
        }
        for name, mode, groups in forms
    ]


def _obj_list(value: Any, what: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, dict) for x in value):
        raise bad_request(f"{what} must be a list of objects")
    return value


def _keyed(items: Any, key: str, known: dict, where: str) -> dict[str, dict[str, Any]]:
    """Answers by the id they name; 400 for an id the form does not have there."""
    out = {}
    for x in _obj_list(items, key):
        if x.get(key) not in known:
            raise bad_request(f"{key} {x.get(key)!r} is not in {where}")
        out[x[key]] = x
    return out


COMMENTS = ("comments", "privateComments", "agentComments")


def _text(d: dict[str, Any], key: str) -> str:
    """A comment: a string (EvaluationScoringSet and EvaluationQuestionScore say so), or 400."""
    v = d.get(key)
    if not isinstance(v, str):
        raise bad_request(f"{key} must be a string")
    return v


def _question_score(qid: str, given: dict[str, Any]) -> dict[str, Any]:
    """The fields of an EvaluationQuestionScore a client sets, type-checked; the rest is the
    server's to compute."""
    out: dict[str, Any] = {"questionId": qid}
    if "answerId" in given and given["answerId"] is not None:
        if not isinstance(given["answerId"], str):
            raise bad_request("answerId must be a string")
        out["answerId"] = given["answerId"]
    if "markedNA" in given:
        if not isinstance(given["markedNA"], bool):
            raise bad_request("markedNA must be a boolean")
        out["markedNA"] = given["markedNA"]
    if "comments" in given:
        out["comments"] = _text(given, "comments")
    return out


def _points(q: dict[str, Any], answer_id: Any) -> tuple[int, int, bool]:
    """(points, possible, failed-if-fatal) of an answer to a scored question."""
    values = {o.get("id"): int(o.get("value") or 0) for o in q.get("answerOptions") or []}
    if answer_id not in values:
        raise bad_request(f"answerId {answer_id!r} is not an answer of question {q.get('id')}")
    low, high = min(values.values()), max(values.values())
    return values[answer_id], high, values[answer_id] == low and low < high


def score(form: dict[str, Any], answers: Any, *, finished: bool = False) -> dict[str, Any]:
    """The EvaluationScoringSet for `answers` on `form`; 400 for an answer the form does not have,
    an N/A where the form allows none, or (when `finished`) a scored question left unanswered."""
    if not isinstance(answers, dict):
        raise bad_request("answers must be an EvaluationScoringSet")
    groups = {g.get("id"): g for g in _obj_list(form.get("questionGroups"), "questionGroups")}
    given = _keyed(answers.get("questionGroupScores"), "questionGroupId", groups, "the form")
    scaled = form.get("weightMode", "SCALED") != "OFF"
    sums = {"all": [0.0, 0.0], "critical": [0.0, 0.0], "other": [0.0, 0.0]}
    failed_kill = False
    out_groups = []
    for gid, g in groups.items():
        gs = given.get(gid, {})
        group_na = gs.get("markedNA", False)
        if not isinstance(group_na, bool):
            raise bad_request("markedNA must be a boolean")
        if group_na and not g.get("naEnabled"):
            raise bad_request(f"question group {gid} cannot be marked N/A")
        weight = float(g.get("weight") or 0) if scaled else 1.0
        qs = {q.get("id"): q for q in _obj_list(g.get("questions"), "questions")}
        by_q = _keyed(gs.get("questionScores"), "questionId", qs, f"group {gid}")
        got = possible = 0
        scores = []
        for qid, q in qs.items():
            s = _question_score(qid, by_q.get(qid, {}))
            if q.get("type") not in SCORED:
                scores.append(s)
                continue
            na = group_na or bool(s.get("markedNA"))
            if s.get("markedNA") and not (q.get("naEnabled") or g.get("naEnabled")):
                raise bad_request(f"question {qid} cannot be marked N/A")
            if na or s.get("answerId") is None:
                if finished and not na:
                    raise bad_request(
                        f"question {qid} is not answered: a FINISHED evaluation "
                        "answers every question or marks it N/A"
                    )
                s["score"] = 0
                scores.append(s)
                continue
            points, high, low = _points(q, s.get("answerId"))
            s["score"] = points
            if q.get("isKill") and low:
                s["failedKillQuestion"] = True
                failed_kill = True
            got, possible = got + points, possible + high
            kind = "critical" if q.get("isCritical") else "other"
            sums[kind][0] += points * weight
            sums[kind][1] += high * weight
            sums["all"][0] += points * weight
            sums["all"][1] += high * weight
            scores.append(s)
        out_groups.append(
            {
                "questionGroupId": gid,
                "markedNA": group_na,
                "totalScore": float(got),
                "maxTotalScore": float(possible),
                "totalScoreUnweighted": float(got),
                "maxTotalScoreUnweighted": float(possible),
                "questionScores": scores,
            }
        )

    def pct(kind: str) -> float:
        got, possible = sums[kind]
        return round(100.0 * got / possible, 2) if possible else 0.0

    out = {k: _text(answers, k) for k in COMMENTS if k in answers}
    return out | {
        "totalScore": 0.0 if failed_kill else pct("all"),
        "totalCriticalScore": pct("critical"),
        "totalNonCriticalScore": pct("other"),
        "maxTotalRawScore": sums["all"][1],
        "maxTotalRawCriticalScore": sums["critical"][1],
        "anyFailedKillQuestions": failed_kill,
        "questionGroupScores": out_groups,
    }
