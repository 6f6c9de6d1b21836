"""The JSON written beside each recording: the conversation, its participants, queue, agent, times,
the recording's annotations, and the hashes of what was downloaded and written."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from genesys_tui import __version__


def sidecar(
    job_meta: dict[str, Any],
    recording: dict[str, Any],
    source: dict[str, Any],
    outputs: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "schema": "genesys-tui/recording-sidecar/1",
        "conversation": {
            k: job_meta.get(k)
            for k in (
                "conversationId",
                "conversationStart",
                "conversationEnd",
                "direction",
                "ani",
                "dnis",
                "queues",
                "agents",
                "wrapUpCodes",
                "participants",
                "divisionIds",
            )
        },
        "recording": recording,
        "source": source,
        "outputs": outputs,
        "fetchedAt": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "tool": f"genesys-tui {__version__}",
    }
