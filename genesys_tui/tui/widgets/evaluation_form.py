"""The evaluation form beside Review's transcript: the form's questions, the chosen answers, the
running score as the form computes it; keys pick answers. It only draws and posts messages: the
screen keeps the draft and talks to Genesys."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget

from genesys_tui.flows.review.evaluation import NA, Draft, Form, score


class EvaluationForm(Widget, can_focus=True):
    BINDINGS = [
        Binding("down,j", "move(1)", "Next question", show=False, id="evaluation.next"),
        Binding("up,k", "move(-1)", "Previous question", show=False, id="evaluation.previous"),
        Binding("x", "na", "N/A", id="evaluation.na"),
        Binding("c", "comment", "Comment", id="evaluation.comment"),
        Binding("C", "overall", "Overall comment", show=False, id="evaluation.overall"),
        Binding("f", "next_form", "Next form", show=False, id="evaluation.next-form"),
        Binding("ctrl+s", "submit", "Submit", id="evaluation.submit"),
    ]

    class Changed(Message):
        """The draft changed (an answer, a comment): keep it."""

    class Wanted(Message):
        """The screen is asked for something: a comment, the next form, submitting."""

        def __init__(self, what: str, question_id: str | None = None) -> None:
            super().__init__()
            self.what, self.question_id = what, question_id

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.form: Form | None = None
        self.draft: Draft | None = None
        self.at = 0
        self.existing: list[str] = []  # lines about the call's evaluations in Genesys

    def show(self, form: Form, draft: Draft, existing: list[str]) -> None:
        self.form, self.draft, self.existing = form, draft, existing
        self.at = min(self.at, len(form.questions()) - 1)
        self.refresh()

    def question(self):
        return self.form.questions()[self.at] if self.form else None

    def on_key(self, event) -> None:
        if event.key.isdigit() and event.key != "0" and self.form and self.draft:
            event.stop()
            g, q = self.question()
            n = int(event.key) - 1
            if q.scored and n < len(q.options):
                self.draft.answers[q.id] = q.options[n].id
                self.post_message(self.Changed())
                self.action_move(1)

    def action_move(self, step: int) -> None:
        if self.form:
            self.at = max(0, min(len(self.form.questions()) - 1, self.at + step))
            self.refresh()

    def action_na(self) -> None:
        if not (self.form and self.draft):
            return
        g, q = self.question()
        if q.scored and (q.na or g.na):
            self.draft.answers[q.id] = NA
            self.post_message(self.Changed())
            self.action_move(1)
        else:
            self.notify("This question cannot be marked N/A.", severity="warning")

    def action_comment(self) -> None:
        if self.form:
            self.post_message(self.Wanted("comment", self.question()[1].id))

    def action_overall(self) -> None:
        self.post_message(self.Wanted("overall"))

    def action_next_form(self) -> None:
        self.post_message(self.Wanted("next-form"))

    def action_submit(self) -> None:
        self.post_message(self.Wanted("submit"))

    def render(self) -> Text:
        form, draft = self.form, self.draft
        if form is None or draft is None:
            return Text("Loading the evaluation forms…")
        s = score(form, draft)
        head = f"[b]{escape(form.name)}[/]\n"
        head += f"[b]{s.total:g}%[/]" + ("  [red]fatal question failed[/]" if s.fatal else "")
        if s.critical is not None:
            head += f"  critical {s.critical:g}%"
        head += f"  · {s.answered}/{s.scored} answered"
        if draft.submitted:
            head += "  · [green]submitted[/]"
        lines = [head, ""]
        current = 0  # the line of the question under the cursor
        group = None
        for n, (g, q) in enumerate(form.questions()):
            if g is not group:
                group = g
                weight = f" ×{g.weight:g}" if form.weighted else ""
                lines.append(f"[b]{escape(g.name)}[/][dim]{weight}[/]")
            mark = "▶" if n == self.at else " "
            if n == self.at:
                current = len(lines)
            tags = " [red]fatal[/]" if q.fatal else (" [yellow]critical[/]" if q.critical else "")
            lines.append(f"{mark} {escape(q.text)}{tags}")
            choice = draft.answers.get(q.id)
            if q.scored:
                opts = []
                for k, o in enumerate(q.options, 1):
                    label = f"{k} {escape(o.text)}"
                    opts.append(f"[reverse]{label}[/]" if choice == o.id else label)
                if q.na or g.na:
                    opts.append("[reverse]x N/A[/]" if choice == NA else "x N/A")
                lines.append("    " + "  ".join(opts))
            comment = draft.comments.get(q.id)
            if comment:
                lines.append(f"    [i]“{escape(comment[:200])}”[/]")
        if draft.overall:
            lines += ["", f"[b]Overall[/] [i]{escape(draft.overall[:500])}[/]"]
        lines += ["", "[dim]1-9 answer · x N/A · c comment · C overall · f form · ctrl+s submit[/]"]
        if self.existing:
            lines += ["", "[b]Evaluations in Genesys[/]", *self.existing]
        # A window of the body that keeps the current question in sight (the header stays).
        room = max(3, self.size.height - 2)
        body = lines[2:]
        top = max(0, min(current - 2 - room // 3, len(body) - room))
        return Text.from_markup("\n".join(lines[:2] + body[top : top + room]))
