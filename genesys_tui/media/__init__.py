"""Media engine: decode, downmix, transcode, peaks, hashing, playback. No network, no UI."""
