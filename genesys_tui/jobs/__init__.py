"""The download/convert queue: a persistent job store, async workers, local and S3 sinks."""
