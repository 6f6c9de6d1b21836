"""Review: transcripts with speaker roles, aligned to the recording, QA metrics, exports. No UI."""
