"""Finding the files to lint, and writing fixed files back safely."""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
from typing import Iterator, List, Sequence, Tuple

from perf_lint.config import Resolver

SOURCE_SUFFIXES = (".py", ".pyi")


def discover(paths: Sequence[str], resolver: Resolver) -> Tuple[List[str], List[Tuple[str, str]]]:
    """The files under ``paths`` (sorted, each once) and the paths that could
    not be read, with the reason. Files named explicitly are always linted;
    files found in directories must be Python and not excluded."""
    found: List[str] = []
    problems: List[Tuple[str, str]] = []
    seen = set()
    for path in paths:
        if path == "-":
            found.append(path)
            continue
        if os.path.isdir(path):
            for file in _walk(path, resolver, problems):
                if file not in seen:
                    seen.add(file)
                    found.append(file)
        elif os.path.exists(path):
            normal = os.path.normpath(path)
            if normal not in seen:
                seen.add(normal)
                found.append(normal)
        else:
            problems.append((path, _missing_reason(path)))
    return found, problems


def _walk(root: str, resolver: Resolver, problems: List[Tuple[str, str]]) -> Iterator[str]:
    def on_error(error: OSError) -> None:
        problems.append((os.path.normpath(error.filename or root), error.strerror or str(error)))

    for directory, subdirs, files in os.walk(root, onerror=on_error):
        config = resolver.for_path(directory)
        subdirs[:] = sorted(
            name
            for name in subdirs
            if not config.is_excluded(os.path.join(directory, name), below=root)
        )
        for name in sorted(files):
            if name.endswith(SOURCE_SUFFIXES):
                path = os.path.normpath(os.path.join(directory, name))
                if config.is_excluded(path, below=root):
                    continue
                if os.path.isfile(path):
                    yield path
                elif os.path.islink(path) and not os.path.exists(path):
                    problems.append((path, _missing_reason(path)))
                # Anything else (a FIFO, a socket, a device) is not source
                # text, and reading a FIFO would block the run forever.


def _missing_reason(path: str) -> str:
    """Why ``path``, which does not resolve to anything, cannot be read."""
    if not os.path.islink(path):
        return "no such file or directory"
    try:
        os.stat(path)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "symbolic link loop"
    return "broken symbolic link"


class ChangedOnDisk(Exception):
    """The file changed between reading and writing; it was not written."""


def write_atomically(path: str, data: bytes, expected: bytes) -> None:
    """Replace ``path`` with ``data`` through a temporary file in the same
    directory and a rename, keeping the mode bits. Refuses (``ChangedOnDisk``)
    when the file no longer holds ``expected``."""
    real = os.path.realpath(path)
    with open(real, "rb") as handle:
        if handle.read() != expected:
            raise ChangedOnDisk(path)
    mode = stat.S_IMODE(os.stat(real).st_mode)
    directory = os.path.dirname(real) or "."
    fd, temporary = tempfile.mkstemp(prefix=".perf-lint-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, real)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
