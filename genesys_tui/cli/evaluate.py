"""genesys-tui evaluate ID: the call's evaluations and the published forms; with --form and
--answers, fill the form from a JSON file and submit it to Genesys (flows/review/evaluate.py).

The answers file: {"answers": {"QUESTION": "ANSWER", ...}, "comments": "overall"}, each question
and answer by its text (any case) or id, "N/A" where the form allows it, free-text questions
answered with their text."""

from __future__ import annotations

import json

from genesys_tui.cli.common import CommandError, Context, run
from genesys_tui.core.ids import safe_id
from genesys_tui.core.terminal import clean
from genesys_tui.flows.review.evaluation import EvaluationError, choose, score

LISTED, QUESTIONS, DRY_RUN, SUBMITTED = "listed", "questions", "dry run", "submitted"

MAX_FILE = 1 << 20


def read_answers(path: str) -> tuple[dict[str, str], str]:
    try:
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE + 1)  # never more than that in memory, whatever the file is
        if len(raw) > MAX_FILE:
            raise EvaluationError(f"{path} is over {MAX_FILE >> 10} KB: not an answers file")
        doc = json.loads(raw)
    except (OSError, ValueError, RecursionError) as e:
        raise EvaluationError(f"{path} cannot be read as JSON ({type(e).__name__})") from None
    if not isinstance(doc, dict):
        raise EvaluationError(f"{path}: expected an object of question: answer")
    answers = doc.get("answers", doc)
    comments = doc.get("comments", "") if "answers" in doc else ""
    if not isinstance(answers, dict) or not isinstance(comments, str):
        raise EvaluationError(f"{path}: answers is an object of question: answer, comments text")
    bad = [k for k, v in answers.items() if not isinstance(v, str)]
    if bad:
        raise EvaluationError(f"{path}: the answer to {bad[0]!r} is not text")
    return answers, comments


def cmd_evaluate(ctx: Context) -> int:
    a = ctx.args
    try:
        cid = safe_id(a.conversation, "conversation id")
    except ValueError as e:
        raise CommandError(str(e), code=2) from None

    async def go():
        async with ctx.services() as services:
            client, evs = services.client, services.review.evaluations
            if not a.form:
                return LISTED, (await evs.existing(cid), await evs.forms())
            form = await evs.form_named(a.form)
            if a.questions:
                return QUESTIONS, form
            if not a.answers:
                raise EvaluationError(
                    "--answers FILE.json is needed with --form (--questions lists the form's)"
                )
            answers, comments = read_answers(a.answers)
            draft = evs.draft(cid, form.id)
            draft.answers, draft.comments, draft.overall = {}, {}, comments
            for q, ans in answers.items():
                choose(form, draft, q, ans)
            evs.save_draft(draft)
            if a.dry_run:
                return DRY_RUN, (form, draft)
            evaluator = await user_id(client, a.evaluator, "--evaluator") if a.evaluator else None
            agent = await user_id(client, a.agent, "--agent") if a.agent else None
            conv = await client.conversations.get(cid)
            done = await evs.submit(conv, form, draft, a.status, evaluator=evaluator, agent=agent)
            return SUBMITTED, (form, draft, done)

    try:
        kind, result = run(go())
    except EvaluationError as e:
        raise CommandError(str(e), code=2) from None
    if kind == LISTED:
        existing, forms = result
        if a.json:
            evaluations = [ev.raw for ev in existing]
            print(json.dumps({"evaluations": evaluations, "forms": [f.raw for f in forms]}))
            return 0
        for ev in existing:
            print(clean(f"{ev.id}  {ev.line()}"))
        ctx.err.print(f"{len(existing)} evaluation(s) of {cid}", highlight=False)
        names = ", ".join(f.name for f in forms)
        ctx.err.print("Published forms: " + clean(names), highlight=False, markup=False)
        return 0
    if kind == QUESTIONS:
        return list_questions(ctx, result, a.json)
    form, draft = result[0], result[1]
    s = score(form, draft)
    line = f"{form.name}: {s.total:g}% ({s.answered} of {s.scored} answered"
    line += ", a fatal question failed)" if s.fatal else ")"
    if kind == DRY_RUN:
        said = clean(line + "; not submitted (--dry-run), kept as a draft")
        ctx.err.print(said, highlight=False, markup=False)
        return 0
    done = result[2]
    if a.json:
        print(json.dumps(done.raw))
    print(clean(f"{done.id}  {done.status}  Genesys scored it {done.total}"))
    ctx.err.print(clean(line), highlight=False, markup=False)
    return 0


async def user_id(client, value: str, flag: str) -> str:
    """A user by name, email or id (the users API), or a refusal that says how to find one."""
    from genesys_tui.genesys.directory import LookupError_

    try:
        return await client.directory.resolve("user", value)
    except LookupError_ as e:
        raise EvaluationError(
            f"{flag}: {e}. Give a user's full name, the email they sign in with, or their id "
            "(`genesys-tui supervise agents` lists the agents)"
        ) from None


def list_questions(ctx: Context, form, as_json: bool) -> int:
    """Each question of the form: id, group weight, answers with their values, N/A allowed."""
    if as_json:
        for g, q in form.questions():
            doc = {"group": g.name, "weight": g.weight, "id": q.id, "text": q.text}
            doc |= {"type": q.kind, "naAllowed": q.na or g.na, "fatal": q.fatal}
            doc |= {"critical": q.critical, "answers": [{"id": o.id, "text": o.text,
                    "value": o.value} for o in q.options]}  # fmt: skip
            print(json.dumps(doc))
        return 0
    for g in form.groups:
        weight = f" (weight {g.weight:g})" if form.weighted else ""
        print(clean(f"{g.name}{weight}"))
        for q in g.questions:
            marks = [m for m, on in (("N/A allowed", q.na or g.na), ("fatal", q.fatal),
                     ("critical", q.critical)) if on]  # fmt: skip
            answers = " / ".join(f"{o.text} ({o.value})" for o in q.options) or "free text"
            tail = f"  [{', '.join(marks)}]" if marks else ""
            print(clean(f"  {q.text}\n    id {q.id}  answers: {answers}{tail}"))
    scored = sum(1 for _, q in form.questions() if q.scored)
    ctx.err.print(
        clean(f"{form.name}: {scored} scored question(s); answer them by text or id"),
        highlight=False,
        markup=False,
    )
    return 0
