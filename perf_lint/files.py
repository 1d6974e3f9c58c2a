"""Finding the files to lint, and writing fixed files back safely."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
from typing import Dict, Iterator, List, Sequence, Tuple

from perf_lint.config import Config, Resolver

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
    """The source files below ``root`` in ``os.walk``'s order (top-down,
    names sorted, symbolic links to directories not followed), from
    ``os.scandir`` entries, whose types need no further system calls."""
    # The configuration each directory's own parts (below ``root``) were
    # checked against: an entry of a directory with the same configuration
    # needs only its own name checked.
    passed: Dict[str, Config] = {}
    pending = [root]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as found:
                entries = sorted(found, key=lambda entry: entry.name)
        except OSError as error:
            problems.append(
                (os.path.normpath(error.filename or directory), error.strerror or str(error))
            )
            continue
        listed = any(entry.name == "pyproject.toml" for entry in entries)
        config = resolver.for_directory(directory, listed)
        checked = passed.pop(directory, None) is config
        excluded = functools.partial(_excluded, config, root, checked)
        below = []
        for entry in entries:
            name = entry.name
            if _is_dir(entry):
                if not entry.is_symlink() and not excluded(name, entry.path):
                    below.append(entry.path)
                    passed[entry.path] = config
            elif name.endswith(SOURCE_SUFFIXES):
                path = os.path.normpath(entry.path)
                if excluded(name, path):
                    continue
                if _is_file(entry):
                    yield path
                elif entry.is_symlink() and not os.path.exists(path):
                    problems.append((path, _missing_reason(path)))
                # Anything else (a FIFO, a socket, a device) is not source
                # text, and reading a FIFO would block the run forever.
        pending.extend(reversed(below))


def _excluded(config: Config, root: str, checked: bool, name: str, path: str) -> bool:
    """Whether discovery skips the entry ``name`` at ``path``; ``checked``:
    the parts of its directory below ``root`` passed ``config`` already."""
    if checked:
        return config.excludes_entry(name, path)
    return config.is_excluded(path, below=root)


def _is_dir(entry: os.DirEntry) -> bool:  # type: ignore[type-arg]
    try:
        return entry.is_dir()
    except OSError:
        return False


def _is_file(entry: os.DirEntry) -> bool:  # type: ignore[type-arg]
    try:
        return entry.is_file()
    except OSError:
        return False


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
    import tempfile  # only --fix writes files

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
