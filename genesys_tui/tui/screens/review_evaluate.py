"""Review's evaluation: `v` opens the published form beside the transcript (the draft kept per org
as it is filled in, so nothing is lost), `f` switches form, ctrl+s submits it to Genesys after a
confirmation (FINISHED when every scored question is answered, else in progress); the call's
evaluations in Genesys are listed under the form."""

from __future__ import annotations

from rich.markup import escape
from textual import work

from genesys_tui.core.errors import UserError, user_message
from genesys_tui.flows.review.evaluation import Draft, EvaluationError, Form, missing, score
from genesys_tui.tui.screens.dialogs import ConfirmDialog, PromptDialog
from genesys_tui.tui.screens.review_layout import form_beside
from genesys_tui.tui.widgets.evaluation_form import EvaluationForm

# Refusals, the network, a damaged file: said here. Anything else is a bug, and goes to the app's
# worker handler, which logs it.
SAID = (UserError, OSError)


def _said(e: BaseException) -> str:
    return user_message(e) or str(e)


class ReviewEvaluate:
    """Mixed into ReviewScreen (review, gapp, query_one, notify)."""

    _forms: list[Form] | None = None
    _form_at: int = 0

    form_open: bool = False

    def action_evaluate(self) -> None:
        """v: the form beside the transcript (v again puts it away); on a narrow screen the form
        and the transcript take turns, and v switches between them (the form stays open)."""
        panel = self.query_one(EvaluationForm)
        if self.form_open and panel.has_focus:
            self.form_open = not form_beside(self.size.width)  # narrow: it stays open
            self.query_one("#transcript-box").display = True
            self.query_one("#transcript").focus()
            self.fit_layout()
            return
        if self.review is None or self.gapp.services is None:
            self.notify("Open a conversation first.", severity="warning")
            return
        first = not self.form_open
        self.form_open = True
        panel.display = True
        panel.focus()
        self.fit_layout()
        if first or panel.form is None:
            self.load_evaluation()

    def evaluation_follows(self) -> None:
        panel = self.query_one(EvaluationForm)
        if self.form_open:
            panel.form = panel.draft = None  # never the last call's draft under this one
            panel.refresh()
            self.load_evaluation()

    @work(exclusive=True, group="evaluation", exit_on_error=False)
    async def load_evaluation(self) -> None:
        evs = self.gapp.services.review.evaluations
        review = self.review
        if review is None:
            return
        try:
            if self._forms is None:
                self._forms = await evs.forms()
        except SAID as e:  # refused, or the network: said, Review stays
            self.notify(f"Evaluation forms: {_said(e)}", severity="error")
            return
        try:
            existing = [escape(ev.line()) for ev in await evs.existing(review.id)]
        except SAID as e:  # the form can still be filled without seeing the others
            existing = [f"[dim]not read: {escape(_said(e))}[/]"]
        if not self._forms:
            self.notify("The org has no published evaluation form.", severity="warning")
            return
        form = self._forms[self._form_at % len(self._forms)]
        try:
            draft = evs.draft(review.id, form.id)
        except EvaluationError as e:
            self.notify(str(e), severity="error")
            draft = Draft(review.id, form.id)
        self.query_one(EvaluationForm).show(form, draft, existing)

    # Handlers by name: an @on in a mixin that is not a MessagePump is never registered.
    def on_evaluation_form_changed(self, event: EvaluationForm.Changed | None = None) -> None:
        panel = self.query_one(EvaluationForm)
        try:
            self.gapp.services.review.evaluations.save_draft(panel.draft)
        except SAID as e:
            self.notify(f"The draft could not be kept: {user_message(e)}", severity="error")

    def on_evaluation_form_wanted(self, event: EvaluationForm.Wanted) -> None:
        panel = self.query_one(EvaluationForm)
        draft, form = panel.draft, panel.form
        if draft is None or form is None:
            return
        if event.what == "next-form":
            self._form_at += 1
            self.load_evaluation()
        elif event.what in ("comment", "overall"):
            qid = event.question_id

            def chosen(text: str | None) -> None:
                if text is None:
                    return
                if qid is None:
                    draft.overall = text
                else:
                    draft.comments[qid] = text
                self.on_evaluation_form_changed()
                panel.refresh()

            current = draft.overall if qid is None else draft.comments.get(qid, "")
            title = "Overall comment" if qid is None else "Comment on this question"
            self.gapp.push_screen(PromptDialog(title, "a comment", value=current), chosen)
        elif event.what == "submit":
            self.confirm_submit(form, draft)

    def confirm_submit(self, form: Form, draft: Draft) -> None:
        s = score(form, draft)
        left = missing(form, draft)
        status = "INPROGRESS" if left else "FINISHED"
        body = (
            f"{form.name}: {s.total:g}% ({s.answered} of {s.scored} answered)"
            + (", a fatal question failed" if s.fatal else "")
            + f".\nIt will be submitted to Genesys as {status}"
            + (f": {len(left)} question(s) unanswered." if left else ": every question answered.")
        )
        if draft.submitted:
            body += "\nThis draft was submitted before: Genesys returns that evaluation."

        def answered(ok: bool | None) -> None:
            if ok:
                self.submit_evaluation(form, draft, status)

        self.gapp.push_screen(ConfirmDialog("Submit evaluation", body, "Submit"), answered)

    @work(exclusive=True, group="evaluation-submit", exit_on_error=False)
    async def submit_evaluation(self, form: Form, draft: Draft, status: str) -> None:
        evs = self.gapp.services.review.evaluations
        conv = self.review.conversation
        try:
            done = await evs.submit(conv, form, draft, status)
        except SAID as e:  # a refusal, a missing evaluator, the network: said
            self.notify(f"Not submitted: {_said(e)}", severity="error")
            return
        scored = f"{done.total:g}%" if done.total is not None else "no score yet"
        self.notify(f"Evaluation submitted: Genesys scored it {scored}.", timeout=6)
        self.load_evaluation()
