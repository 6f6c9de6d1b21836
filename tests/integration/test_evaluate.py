"""Evaluations against the emulator over real HTTP: the published forms, the running score agreeing
with Genesys's scoring call on every kind of answer, `genesys-tui evaluate` submitting a form once
(the draft's Idempotency-Key), the call's evaluations read back, and the refusals."""

from __future__ import annotations

import asyncio
import json
import random
import uuid

import httpx
import pytest

from genesys_tui.cli.main import main
from genesys_tui.flows.review.evaluation import NA, Draft, choose, create_body, read_form, score
from tests.integration.test_client import client_for


def a_call_with_an_agent(org) -> tuple[str, str]:
    for i in range(len(org.ids)):
        if org.live[i]:
            continue
        d = org.detail(i)
        agents = [p.user_id for p in d.parties if p.purpose == "agent" and p.user_id]
        if agents:
            return d.id, agents[-1]
    raise LookupError("no call with an agent")


def test_the_running_score_is_what_genesys_scores(emulator):
    async def go():
        async with client_for(emulator) as c:
            forms = await c.quality.forms()
            assert {f["name"] for f in forms} == {"Inbound voice QA", "Outbound collections"}
            (named,) = await c.quality.forms("inbound voice qa")  # the name, any case
            assert named["name"] == "Inbound voice QA"
            rng = random.Random(3)
            for doc in forms:
                assert await c.quality.form(doc["id"]) == doc
                form = read_form(doc)
                for _ in range(25):
                    draft = Draft("c", form.id)
                    for g, q in form.questions():
                        if not q.scored or rng.random() < 0.1:
                            continue
                        if (q.na or g.na) and rng.random() < 0.2:
                            draft.answers[q.id] = NA
                        else:
                            draft.answers[q.id] = rng.choice(q.options).id
                    mine = score(form, draft)
                    body = create_body(form, draft, "e", "a", "INPROGRESS")
                    theirs = await c.quality.score(doc, body["answers"])
                    assert theirs["totalScore"] == pytest.approx(mine.total, abs=0.01)
                    assert theirs["anyFailedKillQuestions"] == mine.fatal
                    if mine.critical is not None:
                        assert theirs["totalCriticalScore"] == pytest.approx(
                            mine.critical, abs=0.01
                        )

    asyncio.run(go())


def test_a_fatal_no_scores_zero_and_weights_count(emulator):
    async def go():
        async with client_for(emulator) as c:
            form = read_form((await c.quality.forms("Inbound voice QA"))[0])
            draft = Draft("c", form.id)
            for _, q in form.questions():
                if q.scored:
                    choose(form, draft, q.text, q.options[0].text)  # the best answer each
            assert score(form, draft).total == 100
            choose(form, draft, "Was the recording disclosure given?", "no")  # critical, 40
            s = score(form, draft)
            assert s.total == pytest.approx(
                100 * (20 * 2 + 40 * 1 + 40 * 3) / (20 * 2 + 40 * 2 + 40 * 3), abs=0.01
            )
            assert s.critical == pytest.approx(100 * 20 / (20 + 40), abs=0.01)
            choose(form, draft, "Was the caller's identity verified before account details?", "No")
            assert score(form, draft).fatal and score(form, draft).total == 0
            body = create_body(form, draft, "e", "a", "INPROGRESS")
            assert (await c.quality.score(form.raw, body["answers"]))["totalScore"] == 0

    asyncio.run(go())


def cli(capsys, srv, *args) -> tuple[int, str, str]:
    code = main(["evaluate", *args, "--base-url", srv.base_url])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_evaluate_submits_once_and_reads_it_back(fresh_emulator, tmp_path, capsys, monkeypatch):
    srv = fresh_emulator
    monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
    org = srv.emulator.org
    cid, agent = a_call_with_an_agent(org)
    evaluator = next(u.id for u in org.users if u.id != agent)
    answers = tmp_path / "answers.json"
    doc = {
        "answers": {
            "Did the agent greet the caller and give their name?": "Yes",
            "did the agent confirm the reason for the call?": "no",
            "Was the caller's identity verified before account details?": "Yes",
            "Was the recording disclosure given?": "Yes",
            "How well was the issue resolved?": "Partly",
            "Did the agent offer further help?": "N/A",
            "Notes for the agent": "Confirm the reason before solving.",
        },
        "comments": "Good call overall",
    }
    answers.write_text(json.dumps(doc))
    args = (cid, "--form", "inbound", "--answers", str(answers), "--evaluator", evaluator)
    code, out, err = cli(capsys, srv, *args, "--dry-run")
    assert code == 0 and "not submitted" in err and not srv.emulator.evaluations
    expected = 100 * (20 * 1 + 40 * 2 + 40 * 1) / (20 * 2 + 40 * 2 + 40 * 2)
    assert f"{round(expected, 2):g}%" in err
    code, out, err = cli(capsys, srv, *args)
    assert code == 0, err
    (ev,) = srv.emulator.evaluations.values()
    assert ev["status"] == "FINISHED" and ev["agent"]["id"] == agent
    assert ev["evaluator"]["id"] == evaluator and ev["conversation"]["id"] == cid
    assert ev["answers"]["totalScore"] == pytest.approx(expected, abs=0.01)
    assert ev["answers"]["comments"] == "Good call overall"
    notes = [
        s.get("comments")
        for g in ev["answers"]["questionGroupScores"]
        for s in g["questionScores"]
        if s.get("comments")
    ]
    assert notes == ["Confirm the reason before solving."]
    assert ev["id"] in out
    # the same draft submitted again (an answer lost on the way): its key, the same evaluation
    code, out, _ = cli(capsys, srv, *args)
    assert code == 0 and len(srv.emulator.evaluations) == 1 and ev["id"] in out
    code, out, err = cli(capsys, srv, cid)
    assert code == 0 and ev["id"] in out and "FINISHED" in out and "1 evaluation(s)" in err
    # the call's report page carries it, each answer by its text
    assert main(["transcript", cid, "--format", "html", "--base-url", srv.base_url]) == 0
    page = capsys.readouterr().out
    report = page[page.index("<h2>Evaluations</h2>") : page.index("<h2>Transcript</h2>")]
    assert "Inbound voice QA" in report and "FINISHED" in report
    assert f"{round(expected, 2):g}%" in report
    assert "<th>How well was the issue resolved?</th><td>Partly</td>" in report
    assert "Confirm the reason before solving." in report and "Good call overall" in report


def test_what_is_refused(fresh_emulator, tmp_path, capsys, monkeypatch):
    srv = fresh_emulator
    monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
    cid, agent = a_call_with_an_agent(srv.emulator.org)
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"Was the recording disclosure given?": "Yes"}))
    # client credentials have no user, and no evaluator is configured
    code, _, err = cli(capsys, srv, cid, "--form", "Inbound voice QA", "--answers", str(answers))
    assert code == 2 and "review.evaluator" in err
    # FINISHED with questions left: said before anything is sent
    code, _, err = cli(
        capsys, srv, cid, "--form", "Inbound", "--answers", str(answers), "--evaluator", agent
    )
    assert code == 2 and "not answered" in err and not srv.emulator.evaluations
    answers.write_text(json.dumps({"Was the recording disclosure given?": "Maybe"}))
    code, _, err = cli(
        capsys, srv, cid, "--form", "Inbound", "--answers", str(answers), "--dry-run"
    )
    assert code == 2 and "no answer 'Maybe'" in err
    answers.write_text("[" * 200_000)
    code, _, err = cli(
        capsys, srv, cid, "--form", "Inbound", "--answers", str(answers), "--dry-run"
    )
    assert code == 2 and "cannot be read" in err
    # and the emulator refuses what Genesys would
    token = httpx.post(
        f"{srv.base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(srv.emulator.s.client_id, srv.emulator.s.client_secret),
    ).json()["access_token"]
    h = {"Authorization": f"Bearer {token}"}
    url = f"{srv.base_url}/api/v2/quality/conversations/{cid}/evaluations"
    forms = httpx.get(f"{srv.base_url}/api/v2/quality/publishedforms/evaluations", headers=h).json()
    form = forms["entities"][0]
    body = {
        "evaluationForm": {"id": form["id"]},
        "evaluator": {"id": agent},
        "agent": {"id": agent},
    }
    assert httpx.post(url, json={**body, "status": "FINISHED"}, headers=h).status_code == 400
    assert httpx.post(url, json={**body, "neverRelease": "no"}, headers=h).status_code == 400
    q1 = form["questionGroups"][0]["questions"][0]["id"]
    g1 = form["questionGroups"][0]["id"]
    for bad in ({"markedNA": "false"}, {"answerId": 5}, {"comments": {"x": 1}}):
        wrong = {
            "questionGroupScores": [
                {"questionGroupId": g1, "questionScores": [{"questionId": q1, **bad}]}
            ]
        }
        assert httpx.post(url, json={**body, "answers": wrong}, headers=h).status_code == 400, bad
    assert httpx.post(url, json={**body, "answers": {"comments": 5}}, headers=h).status_code == 400
    assert (
        httpx.post(url, json={k: v for k, v in body.items() if k != "agent"}, headers=h).status_code
        == 400
    )
    assert (
        httpx.post(url, json=body, headers={**h, "Idempotency-Key": "not-a-uuid"}).status_code
        == 400
    )
    key = str(uuid.uuid4())
    first = httpx.post(url, json=body, headers={**h, "Idempotency-Key": key})
    assert first.status_code == 200 and first.json()["status"] == "PENDING"
    again = httpx.post(
        url, json={**body, "neverRelease": True}, headers={**h, "Idempotency-Key": key}
    )
    assert again.status_code == 409
    q = f"{srv.base_url}/api/v2/quality/evaluations/query"
    assert httpx.get(q, headers=h).status_code == 400
    listed = httpx.get(q, params={"conversationId": cid}, headers=h).json()["entities"]
    assert listed and "answers" not in listed[0]
    full = httpx.get(
        q, params={"conversationId": cid, "expandAnswerTotalScores": "true"}, headers=h
    )
    assert "answers" in full.json()["entities"][0]
    eid = first.json()["id"]
    assert httpx.get(f"{url}/{eid}", headers=h).json()["id"] == eid
    other = a_call_with_an_agent.__name__  # any other id: not found
    assert httpx.get(f"{url}/{uuid.uuid4()}", headers=h).status_code == 404 and other
    scoring = f"{srv.base_url}/api/v2/quality/evaluations/scoring"
    hostile = {"evaluationForm": {"questionGroups": [{"id": 1, "questions": "x"}]}, "answers": []}
    assert httpx.post(scoring, json=hostile, headers=h).status_code == 400


def test_the_readmes_example_works_as_written(fresh_emulator, tmp_path, capsys, monkeypatch):
    """The README's evaluate snippet, run as it is written (the call's ID put in), against the
    demo org: --questions lists the form, the answers file is accepted, the evaluator by email."""
    import re
    import shlex
    from pathlib import Path

    srv = fresh_emulator
    monkeypatch.setenv("GENESYS_CLIENT_ID", srv.emulator.s.client_id)
    monkeypatch.setenv("GENESYS_CLIENT_SECRET", srv.emulator.s.client_secret)
    monkeypatch.chdir(tmp_path)
    cid, _ = a_call_with_an_agent(srv.emulator.org)
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    block = readme[readme.index('--form "Inbound voice QA" --questions') - 60 :]
    block = block[block.index("genesys-tui evaluate") :]
    block = block[: block.index("```")]
    answers = re.search(r"<<'JSON'\n(.*?)\nJSON\n", block, re.S)[1]
    (tmp_path / "answers.json").write_text(answers)
    commands = [
        shlex.split(line.replace("4f33ce67-...", cid), comments=True)
        for line in block.replace("\\\n", " ").splitlines()
        if line.startswith("genesys-tui evaluate")
    ]
    assert len(commands) == 3
    listed, submitted, shown = commands
    assert main([*listed[1:], "--base-url", srv.base_url]) == 0
    out = capsys.readouterr()
    assert out.out.count("    id ") == 7 and "N/A allowed" in out.out and "fatal" in out.out
    assert "6 scored question(s)" in out.err
    assert main([*submitted[1:], "--base-url", srv.base_url]) == 0, capsys.readouterr().err
    (ev,) = srv.emulator.evaluations.values()
    sam = next(u for u in srv.emulator.org.users if u.email == "sam.supervisor@acme.example")
    assert ev["status"] == "FINISHED" and ev["evaluator"]["id"] == sam.id
    capsys.readouterr()
    assert main([*shown[1:], "--base-url", srv.base_url]) == 0
    assert ev["id"] in capsys.readouterr().out
    # a user who is not there: said, with how to name one
    nobody = [*submitted[1:7], "--evaluator", "Nobody Here", "--base-url", srv.base_url]
    assert main(nobody) == 2
    assert "the email they sign in with" in capsys.readouterr().err
