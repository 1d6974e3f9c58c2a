"""Reading a file that a user or a configuration names, safely: only a
regular file is opened for reading (a FIFO would block forever, a device
such as ``/dev/zero`` never ends), and never more than a limit.

The type is checked with ``os.stat`` before the file is opened, and again
with ``os.fstat`` on what was opened (opened with ``O_NONBLOCK``, so that a
FIFO put in the file's place in between does not block the open either).
The size is checked before reading, and the read itself stops one byte past
the limit, so a file that grows while it is read is refused too."""

from __future__ import annotations

import os
import stat
from typing import NamedTuple, Optional

#: ``open`` flags: ``O_NONBLOCK`` so that opening a FIFO never waits for a
#: writer; ``O_NOCTTY`` so that a terminal never becomes ours.
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def lies_in(real: str, top: str) -> bool:
    """Whether the resolved path ``real`` is the resolved directory ``top``
    or below it (string work only: both are ``os.path.realpath`` already)."""
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def inside(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or below it, symbolic links
    resolved on both sides."""
    return lies_in(os.path.realpath(path), os.path.realpath(directory))


class Refused(Exception):
    """A file that is not read; ``reason`` says why (without the path)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotRegular(Refused):
    """Not a regular file: a directory, FIFO, device or socket."""


class TooLarge(Refused):
    """A regular file larger than the limit."""

    def __init__(self, size: Optional[int], limit: int) -> None:
        told = f"{size:,} bytes" if size is not None else "it grew while it was read"
        super().__init__(f"{told}, more than the limit of {limit:,} bytes")
        #: The file's size (``None``: it grew past the limit while it was read).
        self.size = size
        self.limit = limit


def kind(mode: int) -> str:
    """What a file of ``mode`` is, as a message says it."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"  # pragma: no cover - doors, event ports


def _checked(mode: int, size: int, limit: Optional[int]) -> None:
    if not stat.S_ISREG(mode):
        raise NotRegular(f"{kind(mode)}, not a regular file; only regular files are read")
    if limit is not None and size > limit:
        raise TooLarge(size, limit)


class Read(NamedTuple):
    """A file's bytes and what ``os.fstat`` said of it when they were read:
    the identity that ``files.write_fixed`` checks again before it writes."""

    data: bytes
    device: int
    inode: int
    size: int
    mtime_ns: int


def read_regular(path: str, limit: Optional[int] = None) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them
    (``None``: no limit). ``NotRegular`` or ``TooLarge`` when it is refused;
    ``OSError`` when it cannot be read."""
    return read_identified(path, limit).data


def read_identified(path: str, limit: Optional[int] = None) -> Read:
    """``read_regular``, with the identity of what was read."""
    info = os.stat(path)
    _checked(info.st_mode, info.st_size, limit)
    descriptor = os.open(path, _FLAGS)
    try:
        info = os.fstat(descriptor)
        _checked(info.st_mode, info.st_size, limit)
        flags = getattr(os, "O_NONBLOCK", 0)
        if flags and hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)  # a regular file: reads never wait anyway
        with os.fdopen(descriptor, "rb", closefd=True) as handle:
            descriptor = -1  # the handle closes it
            data = handle.read() if limit is None else handle.read(limit + 1)
    finally:
        if descriptor >= 0:
            os.close(descriptor)
    if limit is not None and len(data) > limit:
        raise TooLarge(None, limit)  # it grew while it was read
    return Read(data, info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
