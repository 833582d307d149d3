"""Frames: a 4-byte big-endian length, then that many bytes. Kept free of torch, so the
command line can start the worker before it imports torch itself (the two imports then
overlap); what a frame holds is wire.py's business."""

import os
import struct

HEADER = struct.Struct(">I")
# The zygote (or the portable worker) tags each frame it sends: its own events, a frame its
# child sent, or what its child printed.
ZYGOTE_TAG, CHILD_TAG, OUTPUT_TAG = b"Z", b"C", b"O"
# The biggest legitimate frame is a job: two sources of at most 1 MiB each
# (load.MAX_SOURCE_BYTES), which JSON's \u escapes can grow to 12 MiB at the very worst,
# plus the checks' inputs (tens of KB). An observation is at most a few hundred KB. So
# 16 MiB passes every real frame and caps what one hostile frame makes the grader hold.
MAX_FRAME = 16 * 2**20


def frame(payload: bytes) -> bytes:
    return HEADER.pack(len(payload)) + payload


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_exactly(fd: int, count: int) -> bytes | None:
    """`count` bytes, never more: what follows in the pipe is not the reader's to take. None
    if the pipe ends first. (A bytearray: a job of megabytes arrives in many chunks.)"""
    data = bytearray()
    while len(data) < count:
        chunk = os.read(fd, min(count - len(data), 1 << 20))
        if not chunk:
            return None
        data += chunk
    return bytes(data)


def read_frame(fd: int) -> bytes | None:
    """The next frame's payload from a blocking pipe; None if the pipe ends first."""
    header = read_exactly(fd, HEADER.size)
    return None if header is None else read_exactly(fd, HEADER.unpack(header)[0])


class FrameReader:
    """Cuts a byte stream into frames; `oversized` turns true on a frame over MAX_FRAME.

    The bytes go into one bytearray read from an offset (not `bytes +=` and re-slicing),
    so a big frame arriving in many small chunks costs time linear in its size."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.start = 0  # where the next frame's header begins in `buffer`
        self.oversized = False

    def feed(self, data: bytes) -> list[bytes]:
        if self.oversized:
            return []  # the stream is abandoned: hold nothing more of it
        self.buffer += data
        frames = []
        while (payload := self.next_frame()) is not None:
            frames.append(payload)
        # What is left began in `data` (a frame that ended earlier would have been cut
        # earlier), so dropping what was read moves at most len(data) bytes.
        del self.buffer[: self.start]
        self.start = 0
        return frames

    def next_frame(self) -> bytes | None:
        if len(self.buffer) - self.start < HEADER.size:
            return None
        (size,) = HEADER.unpack_from(self.buffer, self.start)
        if size > MAX_FRAME:
            self.oversized = True
            self.buffer, self.start = bytearray(), 0
            return None
        end = self.start + HEADER.size + size
        if len(self.buffer) < end:
            return None
        payload = copy_out(self.buffer, self.start + HEADER.size, end)
        self.start = end
        return payload


def copy_out(buffer: bytearray, start: int, end: int) -> bytes:
    """buffer[start:end] as bytes in one copy; the views are released so `buffer` can shrink."""
    with memoryview(buffer) as whole, whole[start:end] as part:
        return bytes(part)
