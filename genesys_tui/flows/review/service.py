"""The Review flow's one entry point for the CLI (`transcript`, `metrics`, `serve`) and the TUI
(the Review screen): open a conversation (transcript, recordings, alignment, metrics, through the
per-org cache), export it through a sink, play it here or in a browser. No Textual, no Rich."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable

from genesys_tui.core.config import Config
from genesys_tui.core.orgs import OrgScope
from genesys_tui.flows.review.evaluate import Evaluations
from genesys_tui.flows.review.evaluation import Evaluated, Form
from genesys_tui.flows.review.marks import Mark, MarkStore, merged, new_mark
from genesys_tui.flows.review.session import Audio, Review, ReviewCache, load_review
from genesys_tui.genesys.client import GenesysClient
from genesys_tui.genesys.errors import GenesysError
from genesys_tui.media import playback
from genesys_tui.storage.sinks import open_target


class ReviewService:
    def __init__(self, client: GenesysClient, scope: OrgScope, config: Config, profile) -> None:
        self.client, self.config, self.profile = client, config, profile
        self.cache = ReviewCache(scope.cache_dir, config.review.cache_max_mb << 20)
        self.marks = MarkStore(scope.data_dir / "bookmarks.json")
        self.evaluations = Evaluations(client, scope, config.review.evaluator)
        self._names: dict[str, str] | None = None

    async def open(
        self,
        conversation_id: str,
        *,
        audio: bool = True,
        refresh: bool = False,
        progress: Callable[[str], None] | None = None,
    ) -> Review:
        """Everything Review shows for one conversation. ReviewError when it cannot be had."""
        return await load_review(
            self.client,
            conversation_id,
            self.cache,
            audio=audio,
            refresh=refresh,
            progress=progress,
        )

    # --- bookmarks ------------------------------------------------------------------------------

    def bookmarks(self, review: Review) -> list[Mark]:
        """This call's bookmarks: made here, and those Genesys has on its recordings."""
        genesys = [
            Mark(
                a.id or "",
                review.id,
                audio.id,
                int(a.location or 0),
                a.description or a.name or "",
                "",
                annotation_id=a.id,
                source="genesys",
            )
            for audio in review.audio
            for a in audio.recording.annotations or []
            if (a.type or "").lower() == "bookmark" and a.id
        ]
        return merged(self.marks.of(review.id), genesys)

    def bookmark(self, review: Review, recording_id: str, ms: int, note: str) -> Mark:
        return self.marks.add(new_mark(review.id, recording_id, ms, note))

    async def write_bookmarks(self, review: Review) -> list[Mark]:
        """Every local bookmark of the call as a recording annotation in Genesys (an update for
        one written before); the ones written. GenesysError (a missing permission...) stops it."""
        written = []
        for m in self.marks.of(review.id):
            a = await self.client.annotations.bookmark(
                review.id,
                m.recording_id,
                m.ms,
                m.note[:60] or "Bookmark",
                m.note,
                annotation_id=m.annotation_id,
            )
            if a.id and a.id != m.annotation_id:
                m.annotation_id = a.id
                self.marks.update(m)
            written.append(m)
        return written

    async def names(self) -> dict[str, str]:
        if self._names is None:
            self._names = await self.client.directory.names()
        return self._names

    async def export(
        self,
        review: Review,
        target: str,
        formats: tuple[str, ...],
        roles: list[str] | None = None,
        names: dict[str, str] | None = None,
    ) -> list[str]:
        """The transcript (and its QA summary) into a directory or an S3 prefix, named like the
        recordings; where each file went. SinkError or NamingError for a bad target."""
        from genesys_tui.flows.review.archive import archive

        _, sink = open_target(target, self.profile)
        if review.transcript is None:
            return []
        names = names if names is not None else await self.names()
        marks = self.bookmarks(review)
        evaluated = await self.evaluated(review) if "html" in formats else []
        return await asyncio.to_thread(
            archive, review, sink, names, formats, roles, marks, evaluated
        )

    async def evaluated(self, review: Review) -> list[tuple[Evaluated, Form | None]]:
        """The call's evaluations in Genesys, each with its form (for a report); none where
        they cannot be read (no permission, not licensed)."""
        try:
            found = await self.evaluations.existing(review.id)
            forms = {f.id: f for f in await self.evaluations.forms()}
        except GenesysError:
            return []
        return [(ev, forms.get(ev.form_id)) for ev in found]

    def playback_server(self, review: Review, host: str | None = None, port: int | None = None):
        """A server that plays the review in a browser (not started)."""
        from genesys_tui.flows.review.serve import PlaybackServer

        settings = self.config.review
        return PlaybackServer(
            review,
            host=host or settings.serve_host,
            port=port if port is not None else settings.serve_port,
            bitrate=self.config.media.opus_bitrate,
            channels={
                "customer": self.config.media.customer_channel,
                "agent": self.config.media.agent_channel,
            },
        )


def open_in_browser(url: str) -> bool:
    """Open `url` where there is a desktop to open it on (never a terminal browser over SSH)."""
    if not (
        sys.platform in ("darwin", "win32")
        or os.environ.get("DISPLAY")
        or os.environ.get("WAYLAND_DISPLAY")
    ):
        return False
    import webbrowser

    return webbrowser.open(url)


def load_player(player: playback.Player, audio: Audio) -> None:
    """A recording into the player: memory-mapped when it is plain PCM (nothing read ahead),
    decoded first when it is not (µ-law and the like: small in practice)."""
    from genesys_tui.media.wavio import memmap

    mapped = memmap(audio.path)
    if mapped is None:
        from genesys_tui.media.peaks import samples

        player.load(samples(audio.path, 0, audio.frames), audio.rate)
    else:
        player.load(mapped[0], audio.rate, mapped[1])
