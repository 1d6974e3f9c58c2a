"""The results cache: what a file's analysis produced, kept on disk so that an
unchanged file is never analysed twice.

An entry's key is a hash of the file's bytes, its displayed path, the
resolved configuration that applies to it, and the code that produced the
result (perf-lint's version, a fingerprint of its own source files, and the
Python version). The value is the file's diagnostics as JSON. Only lint
runs use the cache; ``--fix`` and ``--diff`` always analyse.

- One file per entry (``<dir>/v3/ab/cdef...``: a bucket of two hex digits,
  a name of 62), starting with ``MAGIC``, written to a temporary file and
  renamed into place, so that readers see an entry whole or not at all and
  two runs sharing the directory cannot corrupt each other.
- The directory is perf-lint's only when it holds its ``CACHEDIR.TAG``
  (written when perf-lint creates the directory, or finds it empty) and
  nothing else at its top but its own files. Any other directory is refused
  (``Cache.refusal``): nothing is read, written or deleted there.
- A hit touches the entry's modification time; when a run has written
  entries and the directory holds more than ``max_entries`` entries or
  ``max_bytes`` bytes, the least recently used ones are deleted: only files
  with an entry's name, in a bucket, that start with ``MAGIC``.
- An entry that cannot be read or decoded, whatever it holds, is a miss
  (and is rewritten).

This module, like everything a warm run needs, does not import libcst.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import stat
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from perf_lint import __version__
from perf_lint.config import Config, Selection
from perf_lint.diagnostic import Diagnostic, Edit, FixRecord, Location
from perf_lint.reading import inside
from perf_lint.trust import Applicability

DEFAULT_DIR = ".perf-lint-cache"
#: Bumped when the layout or the entry format changes (2: file problems
#: carry the code ``E902``; 3: every entry starts with ``MAGIC``).
FORMAT = 3
#: The first bytes of every entry: a file without them is not an entry (a
#: miss when read, never deleted by the clean-up).
MAGIC = b"perf-lint cache v%d\n" % FORMAT
MAX_ENTRIES = 100_000
MAX_BYTES = 256 * 1024 * 1024
#: Temporary files older than this are left over from a killed run.
STALE_SECONDS = 3600

_README = "Created by perf-lint: its results cache. Safe to delete.\n"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by perf-lint.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
_GITIGNORE = "# Created by perf-lint\n*\n"
#: What perf-lint writes at the top of its directory, the tag first (its
#: presence is what makes the directory perf-lint's).
_MARKERS = (("CACHEDIR.TAG", _TAG), (".gitignore", _GITIGNORE), ("README", _README))
#: The prefix of every temporary file perf-lint writes in its directory.
TEMP_PREFIX = ".tmp-perf-lint-"
_HEX = frozenset("0123456789abcdef")

_FINGERPRINT: Optional[str] = None


def code_fingerprint() -> str:
    """What identifies the code that produces results: the version, the
    Python version, and the size and modification time of every source file
    of the package (so an edited checkout never reuses stale results)."""
    global _FINGERPRINT
    if _FINGERPRINT is None:
        import hashlib  # OpenSSL's module takes milliseconds to load: only with a cache

        digest = hashlib.sha256(f"{__version__}|{sys.version}|{FORMAT}".encode())
        package = Path(__file__).resolve().parent
        for directory, subdirs, files in os.walk(package):
            subdirs[:] = sorted(name for name in subdirs if name != "__pycache__")
            for name in sorted(files):
                if name.endswith(".py"):
                    path = os.path.join(directory, name)
                    with contextlib.suppress(OSError):
                        info = os.stat(path)
                        relative = os.path.relpath(path, package)
                        digest.update(f"|{relative}:{info.st_size}:{info.st_mtime_ns}".encode())
        _FINGERPRINT = digest.hexdigest()
    return _FINGERPRINT


# -- configuration as data ------------------------------------------------------
def _selection_data(selection: Selection) -> Dict[str, Any]:
    return {
        "select": None if selection.select is None else list(selection.select),
        "extend_select": list(selection.extend_select),
        "ignore": list(selection.ignore),
    }


def config_data(config: Config) -> Dict[str, Any]:
    """``config`` as JSON-ready data (the inverse of ``config_from_data``)."""
    return {
        "select": None if config.select is None else list(config.select),
        "ignore": list(config.ignore),
        "extend_select": list(config.extend_select),
        "per_file_ignores": [[pattern, list(codes)] for pattern, codes in config.per_file_ignores],
        "exclude": list(config.exclude),
        "extend_exclude": list(config.extend_exclude),
        "options": {
            key: list(value) if isinstance(value, tuple) else value
            for key, value in sorted(config.options.items())
        },
        "root": str(config.root),
        "source": None if config.source is None else str(config.source),
        "overrides": [_selection_data(selection) for selection in config.overrides],
        "cache_dir": config.cache_dir,
        "max_file_size": config.max_file_size,
        "noqa": config.noqa,
    }


class _Corrupt(ValueError):
    """What is read is not what perf-lint writes."""


#: What a failed decoding of an entry may raise: a corrupt entry is a miss,
#: whatever it holds (deep nesting makes ``json`` raise ``RecursionError``).
_DECODING_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError)


def _strings(value: Any) -> Tuple[str, ...]:
    if type(value) is not list or not all(type(item) is str for item in value):
        raise _Corrupt("not a list of strings")
    return tuple(value)


def _option(value: Any) -> Any:
    if type(value) is list:
        return _strings(value)
    if type(value) not in (str, int, float, bool):
        raise _Corrupt("not an option value")
    return value


def _optional_string(value: Any) -> Optional[str]:
    if value is not None and type(value) is not str:
        raise _Corrupt("not a string")
    return value


def _size(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise _Corrupt("not a size")
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise _Corrupt("not a flag")
    return value


def config_from_data(data: Any) -> Config:
    """The inverse of ``config_data``; ``ValueError`` when ``data`` is not
    what it writes (a value of a wrong type included)."""

    def selection(item: Any) -> Selection:
        select = item["select"]
        return Selection(
            select=None if select is None else _strings(select),
            extend_select=_strings(item["extend_select"]),
            ignore=_strings(item["ignore"]),
        )

    try:
        if type(data) is not dict or type(data["options"]) is not dict:
            raise _Corrupt("not a table")
        pairs = data["per_file_ignores"]
        if type(pairs) is not list or not all(type(p) is list and len(p) == 2 for p in pairs):
            raise _Corrupt("not a list of pairs")
        root, source = data["root"], _optional_string(data["source"])
        if type(root) is not str or type(data["overrides"]) is not list:
            raise _Corrupt("not a path")
        return Config(
            select=None if data["select"] is None else _strings(data["select"]),
            ignore=_strings(data["ignore"]),
            extend_select=_strings(data["extend_select"]),
            per_file_ignores=tuple(
                (_strings([pattern])[0], _strings(codes)) for pattern, codes in pairs
            ),
            exclude=_strings(data["exclude"]),
            extend_exclude=_strings(data["extend_exclude"]),
            options={key: _option(value) for key, value in data["options"].items()},
            root=Path(root),
            source=None if source is None else Path(source),
            overrides=tuple(selection(item) for item in data["overrides"]),
            cache_dir=_optional_string(data["cache_dir"]),
            max_file_size=_size(data["max_file_size"]),
            noqa=_flag(data["noqa"]),
        )
    except _DECODING_ERRORS as error:
        raise ValueError(f"not a configuration: {error!r}") from None


def config_identity(config: Config) -> str:
    """A string that differs whenever ``config`` could change a result."""
    return json.dumps(config_data(config), sort_keys=True, separators=(",", ":"))


# -- diagnostics as data --------------------------------------------------------
def _location(location: Location) -> List[int]:
    return [location.row, location.column]


def diagnostics_to_bytes(diagnostics: Sequence[Diagnostic]) -> bytes:
    """The diagnostics of one file (the path is left out: it is in the key)."""
    items = []
    for d in diagnostics:
        fix = None
        if d.fix is not None:
            fix = [
                d.fix.applicability.value,
                d.fix.message,
                [
                    [e.content, _location(e.location), _location(e.end_location)]
                    for e in d.fix.edits
                ],
            ]
        start, end = _location(d.location), _location(d.end_location)
        items.append([d.code, d.name, d.message, start, end, fix, d.data])
    return json.dumps({"format": FORMAT, "diagnostics": items}, separators=(",", ":")).encode()


def _location_from(value: Any) -> Location:
    if type(value) is not list or len(value) != 2:
        raise _Corrupt("not a position")
    row, column = value
    if type(row) is not int or type(column) is not int:
        raise _Corrupt("not a position")
    return Location(row, column)


def _shallow(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` is JSON data nested at most 16 deep (deeper data
    could fail to print)."""
    if depth > 16:
        return False
    if type(value) is dict:
        return all(_shallow(item, depth + 1) for item in value.values())
    if type(value) is list:
        return all(_shallow(item, depth + 1) for item in value)
    return True


def _fix_from(value: Any) -> FixRecord:
    if type(value) is not list or len(value) != 3:
        raise _Corrupt("not a fix")
    applicability, message, edits = value
    if type(message) is not str or type(edits) is not list:
        raise _Corrupt("not a fix")
    found = []
    for edit in edits:
        if type(edit) is not list or len(edit) != 3 or type(edit[0]) is not str:
            raise _Corrupt("not an edit")
        found.append(Edit(edit[0], _location_from(edit[1]), _location_from(edit[2])))
    return FixRecord(Applicability(applicability), message, tuple(found))


def diagnostics_from_bytes(data: bytes, path: str) -> List[Diagnostic]:
    """Decode an entry; ``ValueError`` when it is not one (garbage, another
    format, a value of a wrong type, JSON nested too deeply)."""
    try:
        decoded = json.loads(data)
        if type(decoded) is not dict or decoded["format"] != FORMAT:
            raise _Corrupt("another format")
        items = decoded["diagnostics"]
        if type(items) is not list:
            raise _Corrupt("not a list")
        found = []
        for item in items:
            if type(item) is not list or len(item) != 7:
                raise _Corrupt("not a diagnostic")
            code, name, message, start, end, fix, details = item
            if type(name) is not str or type(message) is not str:
                raise _Corrupt("not a diagnostic")
            if details is not None and (type(details) is not dict or not _shallow(details)):
                raise _Corrupt("not diagnostic data")
            found.append(
                Diagnostic(
                    _optional_string(code),
                    name,
                    message,
                    path,
                    _location_from(start),
                    _location_from(end),
                    None if fix is None else _fix_from(fix),
                    details,
                )
            )
        return found
    except _DECODING_ERRORS as error:
        raise ValueError(f"not a cache entry: {error!r}") from None


# -- the directory ----------------------------------------------------------------
def _write_whole(directory: str, name: str, data: bytes) -> None:
    """Write ``directory/name`` through a temporary file of perf-lint's
    prefix renamed into place: readers see the old file or the new one."""
    import tempfile  # only a run that writes needs it

    fd, temporary = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, os.path.join(directory, name))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


#: Opening a file perf-lint may have written: never through a symbolic
#: link, never waiting (on a FIFO someone put there).
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


def _read_regular(path: str, size: int = -1) -> Optional[bytes]:
    """The first ``size`` bytes (all: -1) of a regular file; ``None`` when
    it cannot be read or is something else."""
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None
        # One read: an entry is replaced whole, never grown in place (a
        # short read leaves a truncated entry, which is a miss).
        return os.read(fd, info.st_size + 1 if size < 0 else size)
    except OSError:
        return None
    finally:
        os.close(fd)


def _is_version(name: str) -> bool:
    """A directory of entries of some format: ``v`` and a number."""
    return name[:1] == "v" and name[1:].isascii() and name[1:].isdigit()


_ABSENT, _OURS, _REFUSED = "absent", "ours", "refused"


def _claim(root: Path) -> str:
    """Whether ``root`` is perf-lint's cache directory: ``_OURS`` when it
    holds perf-lint's ``CACHEDIR.TAG`` and nothing else at its top but the
    other files perf-lint writes there (``.gitignore``, ``README``, entry
    directories ``v<N>``, temporary files), or when it is empty (it is
    then marked as perf-lint's); ``_ABSENT`` when it does not exist;
    ``_REFUSED`` otherwise."""
    try:
        names = os.listdir(root)
    except FileNotFoundError:
        return _ABSENT
    except OSError:
        return _REFUSED
    if "CACHEDIR.TAG" in names:
        tag = _read_regular(os.path.join(root, "CACHEDIR.TAG"), len(_TAG) + 64)
        if tag is None or tag.replace(b"\r\n", b"\n") != _TAG.encode():
            return _REFUSED  # another tool's cache, or a user's file
        for name in names:
            if not (
                name in ("CACHEDIR.TAG", ".gitignore", "README")
                or _is_version(name)
                or name.startswith(TEMP_PREFIX)
            ):
                return _REFUSED
        return _OURS
    if not all(name.startswith(TEMP_PREFIX) for name in names):
        return _REFUSED
    # Empty (or being marked by another run at this moment): perf-lint's
    # from now on. The tag goes first: its presence makes the directory ours.
    try:
        for name, text in _MARKERS:
            _write_whole(str(root), name, text.encode())
    except OSError:
        return _REFUSED
    return _OURS


# -- the store ------------------------------------------------------------------
class Cache:
    """One cache directory, used only if it is perf-lint's (``refusal``)."""

    def __init__(
        self,
        directory: os.PathLike,  # type: ignore[type-arg]
        max_entries: int = MAX_ENTRIES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.root = Path(directory)
        self.entries = self.root / f"v{FORMAT}"
        self._entries = str(self.entries)
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.written = 0
        self._salt = code_fingerprint().encode()
        self._unwritable = False
        #: ``_claim``'s answer, looked up once (``None``: not yet).
        self._state: Optional[str] = None

    def refusal(self) -> Optional[str]:
        """Why this directory cannot be the cache (``None``: it can be). A
        directory that does not exist yet can: perf-lint creates and marks
        it when it first writes an entry. A refused directory is never read,
        written or cleaned."""
        if self._state is None:
            self._state = _claim(self.root)
        if self._state == _REFUSED:
            return f"{self.root}: not a perf-lint cache directory; caching is off for this run"
        return None

    def key(self, *parts: bytes) -> str:
        import hashlib

        digest = hashlib.sha256(self._salt)
        for part in parts:
            digest.update(len(part).to_bytes(8, "little"))
            digest.update(part)
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return os.path.join(self._entries, key[:2], key[2:])

    def get(self, key: str) -> Optional[bytes]:
        """An entry's data, without its header (``None``: a miss)."""
        if self._state != _OURS:
            if self._state is None:
                self._state = _claim(self.root)
            if self._state != _OURS:
                return None
        path = self._path(key)
        data = _read_regular(path)
        if data is None or data[: len(MAGIC)] != MAGIC:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently *used*
        return data[len(MAGIC) :]

    def put(self, key: str, data: bytes) -> None:
        """Store an entry; a cache that cannot be written is silently skipped
        (it only costs speed)."""
        if self._unwritable:
            return
        if self._state is None:
            self._state = _claim(self.root)
        if self._state == _ABSENT:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
            except OSError:
                self._unwritable = True
                return
            self._state = _claim(self.root)
        if self._state != _OURS:
            self._unwritable = True
            return
        path = self._path(key)
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _write_whole(os.path.dirname(path), key[2:], MAGIC + data)
        except OSError:
            self._unwritable = True
            return
        self.written += 1

    # -- configuration memo -------------------------------------------------------
    def get_config(self, path: Path, text: bytes) -> Optional[Config]:
        data = self.get(self.key(b"config", os.path.abspath(path).encode(), text))
        if data is None:
            return None
        try:
            return config_from_data(json.loads(data))
        except _DECODING_ERRORS:
            return None

    def put_config(self, path: Path, text: bytes, config: Config) -> None:
        key = self.key(b"config", os.path.abspath(path).encode(), text)
        self.put(key, json.dumps(config_data(config)).encode())

    def known_selectors(self, selectors: Sequence[str]) -> bool:
        """Whether these rule selectors were checked before (same code)."""
        return self.get(self.key(b"selectors", json.dumps(list(selectors)).encode())) == b"ok"

    def remember_selectors(self, selectors: Sequence[str]) -> None:
        self.put(self.key(b"selectors", json.dumps(list(selectors)).encode()), b"ok")

    # -- size bound ---------------------------------------------------------------
    def prune(self) -> int:
        """Delete the least recently used entries while the directory is over
        its bounds (down to nine tenths of them), and stale temporary files.
        Returns how many files were deleted. Does nothing unless this run
        wrote entries.

        Only what perf-lint provably wrote is deleted: in its own directory
        (``_claim``), a regular file with an entry's name (62 hex digits) in
        a bucket (2 hex digits) of this format's directory that starts with
        ``MAGIC``, or a temporary file of perf-lint's prefix older than an
        hour whose bytes are the beginning of what perf-lint writes."""
        if not self.written or self._state != _OURS:
            return 0
        found = []
        total = 0
        deleted = 0
        now = time.time()
        deleted += _stale_temporaries(str(self.root), [m.encode() for _, m in _MARKERS], now)
        try:
            buckets = list(os.scandir(self.entries))
        except OSError:
            return deleted
        for bucket in buckets:
            name = bucket.name
            if len(name) != 2 or not _HEX.issuperset(name):
                continue
            if not bucket.is_dir(follow_symlinks=False):
                continue
            deleted += _stale_temporaries(bucket.path, [MAGIC], now)
            try:
                files = list(os.scandir(bucket.path))
            except OSError:
                continue
            for entry in files:
                name = entry.name
                if len(name) != 62 or not _HEX.issuperset(name):
                    continue
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if not stat.S_ISREG(info.st_mode):
                    continue
                found.append((info.st_mtime, info.st_size, entry.path))
                total += info.st_size
        if len(found) <= self.max_entries and total <= self.max_bytes:
            return deleted
        found.sort()
        count = len(found)
        keep_entries, keep_bytes = self.max_entries * 9 // 10, self.max_bytes * 9 // 10
        for _, size, path in found:
            if count <= keep_entries and total <= keep_bytes:
                break
            count -= 1
            total -= size
            if _read_regular(path, len(MAGIC)) != MAGIC:
                continue  # not an entry perf-lint wrote: neither deleted nor counted
            with contextlib.suppress(OSError):
                os.unlink(path)
                deleted += 1
        return deleted


def _stale_temporaries(directory: str, contents: Sequence[bytes], now: float) -> int:
    """Delete perf-lint's temporary files in ``directory`` left over from a
    killed run: older than ``STALE_SECONDS``, regular, and holding the
    beginning of one of ``contents`` (an entry: of ``MAGIC``, at least)."""
    deleted = 0
    try:
        found = [entry for entry in os.scandir(directory) if entry.name.startswith(TEMP_PREFIX)]
    except OSError:
        return 0
    longest = max(len(content) for content in contents)
    for entry in found:
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(info.st_mode) or now - info.st_mtime <= STALE_SECONDS:
            continue
        head = _read_regular(entry.path, longest)
        if head is None or not any(
            content.startswith(head) or head.startswith(content) for content in contents
        ):
            continue
        with contextlib.suppress(OSError):
            os.unlink(entry.path)
            deleted += 1
    return deleted


def directory_for(
    explicit: Optional[str], config_file: Optional[Path]
) -> Tuple[Path, Optional[str]]:
    """Where the cache lives, and a warning to print: ``--cache-dir`` (it
    may point anywhere), else ``cache-dir`` of the configuration that
    applies to the current directory (``--config`` or the nearest
    ``pyproject.toml``; relative to that file's directory, and ignored with
    a warning when it points outside that directory: a checked-out tree does
    not choose where perf-lint writes), else ``.perf-lint-cache`` next to
    that configuration file (the project's root, as ruff keeps its cache
    next to ``pyproject.toml``), else in the current directory. The table is
    validated later, when the run reads it; here only the one key is looked
    at."""
    from perf_lint.config import SECTION, find_pyproject, read_toml

    if explicit:
        return Path(explicit), None
    found = config_file if config_file is not None else find_pyproject(Path.cwd())
    if found is not None:
        data = read_toml(found)
        table: Any = data
        if found.name == "pyproject.toml":
            tool = data.get("tool")
            table = tool.get(SECTION) if isinstance(tool, dict) else None
        value = table.get("cache-dir") if isinstance(table, dict) else None
        if isinstance(value, str) and value:
            project = found.resolve().parent
            where = project / value
            if inside(str(where), str(project)):
                return where, None
            return project / DEFAULT_DIR, (
                f"{found}: cache-dir {value!r} points outside the project; ignored, "
                "pass --cache-dir to use it"
            )
        return found.resolve().parent / DEFAULT_DIR, None
    return Path(DEFAULT_DIR), None


def file_key(cache: Cache, display: str, data: bytes, identity: str, fixing: str) -> str:
    return cache.key(b"file", fixing.encode(), display.encode(), identity.encode(), data)


@dataclasses.dataclass
class CachedResult:
    """What a hit gives the command: the diagnostics (lint mode only)."""

    diagnostics: List[Diagnostic]
    messages: List[str] = dataclasses.field(default_factory=list)
