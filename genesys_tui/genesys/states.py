"""The values Genesys Cloud puts in state fields that this tool compares against, named once (the
SDK models' enums: Participant.state, Recording.fileState, RecordingJob.state, AsyncQueryStatus.state,
Evaluation.status)."""

from __future__ import annotations

# A participant's (and a call's media) state.
CONNECTED, DISCONNECTED = "connected", "disconnected"

# A recording's fileState.
ARCHIVED, RESTORING = "ARCHIVED", "RESTORING"

# A bulk recording job's state (RecordingJob) and an analytics details job's (AsyncQueryStatus).
PENDING, PROCESSING, READY, FULFILLED = "PENDING", "PROCESSING", "READY", "FULFILLED"
FAILED, CANCELLED, EXPIRED = "FAILED", "CANCELLED", "EXPIRED"

# A notice flow's state once started (the conversation's flow participant).
COMPLETED = "COMPLETED"

# A batch download request's status (BatchDownloadJobStatusResult: InProgress | Completed).
BATCH_COMPLETED = "Completed"

# An evaluation's status.
FINISHED = "FINISHED"
