"""Pull: the download/convert queue (a persistent job store, async workers, batches)."""
