"""The names media work is asked for by (output formats, mono modes, WAV sample formats), in a
module light enough for the command line's parser to import without numpy."""

OUTPUT_FORMATS = ("mono", "wav", "webm", "ogg", "split")
AVERAGE, LEFT, RIGHT = "average", "left", "right"
MODES = (AVERAGE, LEFT, RIGHT)  # mono: average the channels, or keep one
SAMPLE_FORMATS = ("u8", "s16", "s24", "s32", "f32", "f64")
