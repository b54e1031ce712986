"""The frames the crawler sends its WARC writer process: a frame cut short is never recorded."""

from __future__ import annotations

import io
import pickle
import struct

from webtext.crawl.spiders.writer import read_frames

FRAME = struct.Struct(">I")


def frame(message: object) -> bytes:
    data = pickle.dumps(message)
    return FRAME.pack(len(data)) + data


def test_frames_end_at_close_and_the_rest_is_ignored() -> None:
    stream = io.BytesIO(frame(("drop", "a", "failed", "timeout", 1, None)) + FRAME.pack(0) + frame(("late",)))
    assert list(read_frames(stream)) == [("drop", "a", "failed", "timeout", 1, None)]


def test_a_frame_cut_short_by_a_kill_is_dropped() -> None:
    whole = frame(("drop", "a", "failed", "timeout", 1, None))
    cut = frame(("drop", "b", "failed", "timeout", 1, None))
    for end in (len(cut) - 1, FRAME.size + 1, FRAME.size - 1):  # inside the body, or the length
        assert list(read_frames(io.BytesIO(whole + cut[:end]))) == [("drop", "a", "failed", "timeout", 1, None)]
    assert list(read_frames(io.BytesIO(whole + cut))) == [("drop", "a", "failed", "timeout", 1, None),
                                                          ("drop", "b", "failed", "timeout", 1, None)]
