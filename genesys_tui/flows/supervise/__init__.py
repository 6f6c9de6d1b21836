"""Supervise: live calls, consent checks, dispatch, the audit trail and the QA webhook."""
