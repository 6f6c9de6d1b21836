"""The formatIds the emulator serves: extension and content type (no audio libraries here)."""

FORMATS = {
    "WAV": ("wav", "audio/wav"),
    "WAV_ULAW": ("wav", "audio/wav"),
    "WEBM": ("webm", "audio/webm"),
    "OGG_VORBIS": ("ogg", "audio/ogg"),
    "OGG_OPUS": ("opus", "audio/opus"),
    "MP3": ("mp3", "audio/mpeg"),
}
