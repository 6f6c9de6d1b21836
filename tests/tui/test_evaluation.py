"""Review's evaluation form (Pilot, against the emulator over HTTP): `v` shows the published form
beside the transcript, keys answer it, the running score follows the form's weights, the draft is
kept as it is filled, and ctrl+s submits it (after a confirmation) as the evaluator configured."""

from __future__ import annotations

from genesys_tui.core.config import Config
from genesys_tui.flows.review.evaluation import NA, score
from genesys_tui.tui.screens.dialogs import ConfirmDialog
from genesys_tui.tui.widgets.evaluation_form import EvaluationForm
from tests.conftest import ANCHOR
from tests.tui.conftest import idle, make_app, notes, settle, wait_for
from tests.tui.test_review import SIZE, listed_conversation, open_review


async def form_shown(pilot, app, org):
    """A listed call open in Review with its evaluation form shown: (id, screen, form)."""
    await settle(pilot, app)
    _, cid = listed_conversation(app, org)
    screen = await open_review(pilot, app, cid)
    await pilot.press("v")
    panel = screen.query_one(EvaluationForm)
    await wait_for(pilot, lambda: panel.form is not None)
    return cid, screen, panel


async def test_the_form_is_filled_scored_kept_and_submitted(fresh_emulator, tmp_path):
    srv = fresh_emulator
    org = srv.emulator.org
    config = Config()
    config.review.evaluator = org.users[0].id  # client credentials: no user of their own
    app = make_app(srv, tmp_path, config=config)
    async with app.run_test(size=SIZE) as pilot:
        cid, screen, panel = await form_shown(pilot, app, org)
        assert panel.display and panel.has_focus
        form = panel.form
        assert form.name == "Inbound voice QA"
        assert "0/6 answered" in str(panel.render())
        # answer every scored question with its first option ("Yes", "Fully"), one key each
        for _, q in form.questions():
            if q.scored:
                await pilot.press("1")
        await idle(pilot)
        assert score(form, panel.draft).total == 100 and "100%" in str(panel.render())
        # the disclosure (critical, weight 40): No
        (at,) = [n for n, (_, q) in enumerate(form.questions()) if "disclosure" in q.text]
        panel.at = at
        await pilot.press("2")
        offer = next(n for n, (_, q) in enumerate(form.questions()) if "further help" in q.text)
        panel.at = offer
        await pilot.press("x")  # N/A: allowed there
        await idle(pilot)
        s = score(form, panel.draft)
        assert s.total < 100 and f"{s.total:g}%" in str(panel.render())
        assert panel.draft.answers[form.questions()[offer][1].id] == NA
        kept = app.services.review.evaluations.drafts.get(cid, form.id)  # kept as it was filled
        assert kept.answers == panel.draft.answers, [n.message for n in notes(app)]
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        # what will be sent, said before it is (nothing is sent yet)
        assert "will be submitted to Genesys as FINISHED" in app.screen.body
        assert not srv.emulator.evaluations
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: any("submitted" in n.message for n in notes(app)))
        (ev,) = srv.emulator.evaluations.values()
        assert ev["conversation"]["id"] == cid and ev["status"] == "FINISHED"
        assert ev["evaluator"]["id"] == org.users[0].id
        assert ev["answers"]["totalScore"] == s.total  # Genesys's score is the one shown
        await wait_for(pilot, lambda: "Evaluations in Genesys" in str(panel.render()))
        assert "FINISHED" in str(panel.render())
        # another call opened while the form is shown: its own draft, never this one's
        model = app.area("browse").model
        other = next(
            model.summary(i).conversation_id
            for i in range(len(model))
            if model.summary(i).conversation_id != cid
            and model.summary(i).end
            and model.summary(i).has_recording
            and not org.archived[org.find(model.summary(i).conversation_id)]
        )
        app.open_review(other)
        await wait_for(
            pilot,
            lambda: panel.draft is not None and panel.draft.conversation_id == other,
        )
        assert "0/6 answered" in str(panel.render())
        await pilot.press("v", "v")  # to the form, then back to the transcript
        await idle(pilot)
        assert not panel.display and screen.query_one("#transcript").has_focus


async def test_the_demo_evaluates_as_its_supervisor(fresh_emulator, tmp_path):
    """`genesys-tui demo` signs in with client credentials (no user): its evaluations are
    submitted as the demo supervisor, out of the box."""
    from genesys_tui.context.app import demo_context
    from genesys_tui.core.paths import AppPaths
    from genesys_tui.tui.launch import make_app as build

    srv = fresh_emulator
    org = srv.emulator.org
    paths = AppPaths(tmp_path / "c.toml", tmp_path / "data", tmp_path / "cache", tmp_path / "log")
    ctx = demo_context(
        srv,
        Config(),
        paths,
        redirect_port=0,
        store_path=None,
        downloads=tmp_path / "out",
        now=ANCHOR,
    )
    assert ctx.config.review.evaluator == org.supervisors[0].id
    app = build(ctx)
    async with app.run_test(size=SIZE) as pilot:
        cid, screen, panel = await form_shown(pilot, app, org)
        await pilot.press(*["1"] * 6, "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.click("#confirm")
        await wait_for(pilot, lambda: any("submitted" in n.message for n in notes(app)))
        (ev,) = srv.emulator.evaluations.values()
        assert ev["evaluator"]["id"] == org.supervisors[0].id and ev["answers"]["totalScore"] == 100


async def test_without_permission_to_read_evaluations_the_form_is_still_filled(tmp_path):
    from genesys_tui.emulator import EmulatorServer
    from tests.conftest import small_org

    with EmulatorServer(small_org(deny_permissions=("quality:evaluation:view",))) as srv:
        app = make_app(srv, tmp_path)
        async with app.run_test(size=SIZE) as pilot:
            _, _, panel = await form_shown(pilot, app, srv.emulator.org)
            text = str(panel.render())
            assert "Evaluations in Genesys" in text and "not read" in text
            assert "quality:evaluation:view" in text
