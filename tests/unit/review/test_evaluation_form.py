"""Reading a published form whatever JSON arrives, and answering it by text: wrong types are
skipped, numbers that are not numbers count 0, a form with nothing to ask is refused."""

from __future__ import annotations

import json

import pytest

from genesys_tui.flows.review.evaluation import (
    NA,
    Draft,
    EvaluationError,
    choose,
    read_form,
    score,
)


def form_doc(**over):
    q = {
        "id": "q1",
        "text": "Greeted?",
        "type": "multipleChoiceQuestion",
        "isKill": True,
        "answerOptions": [
            {"id": "a1", "text": "Yes", "value": 1},
            {"id": "a2", "text": "No", "value": 0},
        ],
    }
    doc = {
        "id": "f1",
        "name": "Form",
        "weightMode": "SCALED",
        "questionGroups": [{"id": "g1", "name": "G", "weight": 10, "questions": [q]}],
    }
    return doc | over


def test_hostile_forms_are_read_or_refused_never_a_crash():
    weird = json.loads(
        '{"id": "f", "questionGroups": [5, {"id": "g", "weight": Infinity, "questions": ['
        '"x", {"id": "q", "type": "multipleChoiceQuestion", "text": 7, "answerOptions": ['
        '{"id": "a", "value": NaN}, {"id": "b", "value": 1e400}, {"value": 2}, "y"]}]}]}'
    )
    form = read_form(weird)
    (g,) = form.groups
    assert g.weight == 0.0 and [o.value for o in g.questions[0].options] == [0, 0]
    assert g.questions[0].text == "(no text)"
    for bad in (None, [], {"id": 5}, {"id": "f", "questionGroups": "x"}, {"id": "f" * 101}):
        with pytest.raises(EvaluationError):
            read_form(bad)


def test_answers_by_text_and_a_fatal_no():
    form = read_form(form_doc())
    draft = Draft("c", form.id)
    choose(form, draft, "greeted?", "yes")
    assert score(form, draft).total == 100
    choose(form, draft, "q1", "a2")
    s = score(form, draft)
    assert s.fatal and s.total == 0 and s.answered == 1
    with pytest.raises(EvaluationError, match="cannot be marked N/A"):
        choose(form, draft, "Greeted?", NA)
    with pytest.raises(EvaluationError, match="no question"):
        choose(form, draft, "Anything else?", "Yes")


def test_drafts_are_kept_per_call_and_form_and_a_damaged_file_is_said(tmp_path):
    from genesys_tui.flows.review.evaluation import DraftStore

    store = DraftStore(tmp_path / "evaluations.json")
    draft = store.get("c-1", "f1")
    draft.answers["q1"] = "a1"
    draft.overall = "fine"
    store.put(draft)
    again = store.get("c-1", "f1")
    assert again.answers == {"q1": "a1"} and again.overall == "fine"
    assert again.idempotency_key == draft.idempotency_key  # a resubmit reuses it
    assert store.get("c-2", "f1").answers == {} and store.get("c-1", "f2").answers == {}
    (tmp_path / "evaluations.json").write_text("[" * 100_000)
    with pytest.raises(EvaluationError, match="cannot be read"):
        store.get("c-1", "f1")


def test_an_evaluation_from_genesys_is_read_whatever_arrives():
    from genesys_tui.flows.review.evaluation import read_evaluation

    ev = read_evaluation(
        {
            "id": "e1",
            "status": "FINISHED",
            "evaluationForm": "not an object",
            "evaluator": {"name": "Sam"},
            "answers": {
                "totalScore": float("nan"),
                "anyFailedKillQuestions": "yes",
                "questionGroupScores": [
                    7,
                    {"questionScores": [{"questionId": "q1", "answerId": 3, "markedNA": True}]},
                ],
            },
        }
    )
    assert (ev.id, ev.status, ev.total, ev.fatal, ev.form_name) == (
        "e1",
        "FINISHED",
        None,
        False,
        "",
    )
    assert ev.answers == {"q1": (None, True, "")} and ev.line() == "      -  FINISHED    Sam"
    for hostile in (None, [], "x", {"answers": [1]}):
        assert read_evaluation(hostile).total is None
