"""Value lists of the Platform API that callers choose from (the command line's parser among
them), in a module that imports nothing, so listing them needs no HTTP stack."""

RECORDING_FORMATS = ("WAV", "WEBM", "WAV_ULAW", "OGG_VORBIS", "OGG_OPUS", "MP3", "NONE")
DIRECTIONS = ("inbound", "outbound")  # a conversation's originatingDirection
ORDERS = ("asc", "desc")  # analytics query order
