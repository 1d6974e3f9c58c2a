"""Finding the files to lint, and writing fixed files back safely."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from perf_lint.config import Config, Resolver
from perf_lint.reading import Read, inside

SOURCE_SUFFIXES = (".py", ".pyi")


def discover(
    paths: Sequence[str], resolver: Resolver, force_exclude: bool = False
) -> Tuple[List[str], List[Tuple[str, str]]]:
    """The files under ``paths`` (sorted, each once) and the paths that could
    not be read, with the reason. Files named explicitly are linted unless
    ``force_exclude`` (ruff's ``--force-exclude``) and the configuration
    excludes them; files found in directories must be Python and not
    excluded. A symbolic link to a file is followed in a directory only when
    the file lies inside that directory (and is not found there under its
    own name too)."""
    found: List[str] = []
    problems: List[Tuple[str, str]] = []
    seen = set()
    for path in paths:
        if path == "-":
            found.append(path)
            continue
        if force_exclude and forced_out(path, resolver):
            continue
        if os.path.isdir(path):
            inodes: Dict[int, str] = {}
            links: List[str] = []
            for file, inode in _walk(path, resolver, problems):
                if file in seen:
                    continue
                seen.add(file)
                found.append(file)
                if inode is None:
                    links.append(file)
                else:
                    inodes[inode] = file
            for link in links:
                if _found_as_itself(link, inodes):
                    found.remove(link)
        elif os.path.exists(path):
            normal = os.path.normpath(path)
            if normal not in seen:
                seen.add(normal)
                found.append(normal)
        else:
            problems.append((path, _missing_reason(path)))
    return found, problems


def forced_out(path: str, resolver: Resolver) -> bool:
    """Whether ``exclude`` or ``extend-exclude`` of the configuration that
    applies to ``path`` names it or a directory it lies in (below the
    project root): ``--force-exclude`` then skips it even when it is named
    on the command line, as pre-commit names every staged file."""
    from perf_lint.config import ConfigError

    try:
        config = resolver.for_path(path)
    except (ConfigError, OSError):
        return False  # the run reports the problem with the configuration
    return config.is_excluded(path, below=_below_root(path, config))


def _below_root(path: str, config: Config) -> str:
    """Where name patterns start to match: the project root when ``path``
    lies inside it (the names of the directories above the root, as in
    ``/home/build/project``, exclude nothing), else ``path``'s directory."""
    root = os.path.abspath(config.root)
    absolute = os.path.abspath(path)
    return root if inside(absolute, root) else os.path.dirname(absolute)


def _found_as_itself(link: str, inodes: Dict[int, str]) -> bool:
    """Whether the file behind ``link`` was found under its own name."""
    try:
        candidate = inodes.get(os.stat(link).st_ino)
        return candidate is not None and os.path.samefile(candidate, link)
    except OSError:
        return False


def _walk(
    root: str, resolver: Resolver, problems: List[Tuple[str, str]]
) -> Iterator[Tuple[str, Optional[int]]]:
    """The source files below ``root`` in ``os.walk``'s order (top-down,
    names sorted, symbolic links to directories not followed, links to files
    only into ``root``), each with its inode (``None`` for a link), from
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
                    if not entry.is_symlink():
                        yield path, entry.inode()
                    elif inside(path, root):
                        yield path, None
                    # A link out of the tree is not followed: --fix would
                    # write to a file nobody asked to check.
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


class Refused(Exception):
    """The file is not written, for the reason in the message."""


def write_fixed(path: str, data: bytes, read: Read) -> None:
    """Write ``data`` as the new content of ``path``, whose content and
    identity ``read`` recorded, so that no one's edit is lost or broken:

    - the file must still be what was read (same inode, size, modification
      time and bytes), checked immediately before the write, else nothing is
      written (``ChangedOnDisk``);
    - a file that cannot be written (mode bits, permissions) is refused;
    - owner, group and mode are kept; a file with other hard links keeps its
      inode (it is written in place, so every name sees the fix), as does a
      file whose owner this process could not give to a new file;
    - otherwise the new content goes to a temporary file in the same
      directory, renamed over the original: an interrupt leaves the file old
      or new. ``SIGINT`` and ``SIGTERM`` wait until the file is done, and
      the temporary file's name is given to a ``Sweeper`` first, which
      removes it if this process is killed (``SIGKILL``) before the rename.

    A symbolic link is written through: its target gets the new content.
    """
    real = os.path.realpath(path)
    info = os.stat(real)
    if not os.access(real, os.W_OK):
        raise OSError(errno.EACCES, "the file is not writable", path)
    if info.st_nlink > 1:
        _write_in_place(real, data, read)
        return
    directory = os.path.dirname(real) or "."
    sweeper = Sweeper.get()
    with held_signals():
        name: Optional[str] = os.path.join(directory, f".perf-lint-{os.getpid()}-{_token()}.tmp")
        sweeper.expect(name)
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o600)
            try:
                _write_all(fd, data)
                os.fsync(fd)
                if _kept_owner(fd, info):
                    os.fchmod(fd, stat.S_IMODE(info.st_mode))
                else:
                    # A new file would change the owner: write in place instead.
                    os.unlink(name)
                    name = None
                    _write_in_place(real, data, read)
                    return
            finally:
                os.close(fd)
            _unchanged(real, read)
            os.replace(name, real)
            name = None
        finally:
            if name is not None:
                with contextlib.suppress(OSError):
                    os.unlink(name)
            sweeper.done()  # nothing of this write is left to remove


_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def _token() -> str:
    return os.urandom(6).hex()


def _kept_owner(fd: int, info: os.stat_result) -> bool:
    """Give the new file ``fd`` the owner and group of ``info``; whether it
    has them."""
    with contextlib.suppress(OSError):
        os.fchown(fd, info.st_uid, info.st_gid)
    now = os.fstat(fd)
    return (now.st_uid, now.st_gid) == (info.st_uid, info.st_gid)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _write_in_place(real: str, data: bytes, read: Read) -> None:
    with held_signals():
        fd = os.open(real, os.O_RDWR | _CLOEXEC)
        try:
            _unchanged(real, read, fd)
            os.lseek(fd, 0, os.SEEK_SET)
            _write_all(fd, data)
            os.ftruncate(fd, len(data))
            os.fsync(fd)
        finally:
            os.close(fd)


def _unchanged(real: str, read: Read, fd: Optional[int] = None) -> None:
    """Raise ``ChangedOnDisk`` unless ``real`` still is what ``read`` saw."""
    try:
        info = os.fstat(fd) if fd is not None else os.stat(real)
        same = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns) == (
            read.device,
            read.inode,
            read.size,
            read.mtime_ns,
        )
        if same:
            if fd is None:
                with open(real, "rb") as handle:
                    same = handle.read(read.size + 1) == read.data
            else:
                os.lseek(fd, 0, os.SEEK_SET)
                same = _read_all(fd, read.size + 1) == read.data
    except OSError:
        same = False
    if not same:
        raise ChangedOnDisk(real)


def _read_all(fd: int, limit: int) -> bytes:
    chunks = []
    while limit > 0:
        chunk = os.read(fd, min(limit, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        limit -= len(chunk)
    return b"".join(chunks)


class Sweeper:
    """A small process that removes the temporary file of a write in
    progress if this process dies before the write ends (a ``SIGKILL``
    cannot be caught). It reads names from a pipe (``+name`` before the file
    is made, ``-`` once it is renamed or removed) and, when the pipe closes,
    removes the name still pending; then it exits. Started at the first
    write of a run."""

    _running: Optional[Sweeper] = None
    _CODE = (
        "import os,signal,sys\n"
        "signal.signal(signal.SIGINT,signal.SIG_IGN)\n"
        "signal.signal(signal.SIGTERM,signal.SIG_IGN)\n"
        "pending=None\n"
        "for line in sys.stdin.buffer:\n"
        "    pending=os.fsdecode(line[1:-1]) if line[:1]==b'+' else None\n"
        "if pending:\n"
        "    try: os.unlink(pending)\n"
        "    except OSError: pass\n"
    )

    def __init__(self) -> None:
        import subprocess

        self.process = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", self._CODE],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C to the terminal's group spares it
        )
        self.pipe = self.process.stdin

    @classmethod
    def get(cls) -> Sweeper:
        if cls._running is None:
            cls._running = cls()
        return cls._running

    def expect(self, name: str) -> None:
        self._say(b"+" + os.fsencode(name) + b"\n")

    def done(self) -> None:
        self._say(b"-\n")

    def _say(self, line: bytes) -> None:
        assert self.pipe is not None
        with contextlib.suppress(OSError):
            self.pipe.write(line)
            self.pipe.flush()


@contextlib.contextmanager
def held_signals() -> Iterator[None]:
    """Hold back ``SIGINT`` and ``SIGTERM`` (delivered when the block ends),
    in the main thread, where Python handles signals."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "pthread_sigmask"
    ):
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
