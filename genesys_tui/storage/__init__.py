"""Where outputs go: the sinks (local, S3), naming, and the one presigned download."""
