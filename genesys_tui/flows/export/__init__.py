"""The Export flow: Genesys's own bulk EXPORT of recordings into the org's S3 bucket, driven
safely (split into jobs, at most two active, resumable) and, later, reconciled against the bucket."""
