"""The results cache: what a file's analysis produced, kept on disk so that an
unchanged file is never analysed twice.

An entry's key is a hash of the file's bytes, its displayed path, the
resolved configuration that applies to it, and the code that produced the
result (perf-lint's version, a fingerprint of its own source files, and the
Python version). The value is the file's diagnostics as JSON. Only lint
runs use the cache; ``--fix`` and ``--diff`` always analyse.

- One file per entry (``<dir>/v1/ab/cdef...``), written to a temporary file
  and renamed into place, so that readers see an entry whole or not at all
  and two runs sharing the directory cannot corrupt each other.
- A hit touches the entry's modification time; when a run has written
  entries and the directory holds more than ``max_entries`` entries or
  ``max_bytes`` bytes, the least recently used ones are deleted.
- An entry that cannot be read or decoded is a miss (and is rewritten).

This module, like everything a warm run needs, does not import libcst.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from perf_lint import __version__
from perf_lint.config import Config, Selection
from perf_lint.diagnostic import Applicability, Diagnostic, Edit, FixRecord, Location

DEFAULT_DIR = ".perf-lint-cache"
#: Bumped when the layout or the entry format changes (2: file problems
#: carry the code ``E902``).
FORMAT = 2
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
    }


def config_from_data(data: Dict[str, Any]) -> Config:
    def selection(item: Dict[str, Any]) -> Selection:
        select = item["select"]
        return Selection(
            select=None if select is None else tuple(select),
            extend_select=tuple(item["extend_select"]),
            ignore=tuple(item["ignore"]),
        )

    return Config(
        select=None if data["select"] is None else tuple(data["select"]),
        ignore=tuple(data["ignore"]),
        extend_select=tuple(data["extend_select"]),
        per_file_ignores=tuple((p, tuple(codes)) for p, codes in data["per_file_ignores"]),
        exclude=tuple(data["exclude"]),
        extend_exclude=tuple(data["extend_exclude"]),
        options={
            key: tuple(value) if isinstance(value, list) else value
            for key, value in data["options"].items()
        },
        root=Path(data["root"]),
        source=None if data["source"] is None else Path(data["source"]),
        overrides=tuple(selection(item) for item in data["overrides"]),
        cache_dir=data["cache_dir"],
        max_file_size=data["max_file_size"],
    )


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


def diagnostics_from_bytes(data: bytes, path: str) -> List[Diagnostic]:
    """Decode an entry; ``ValueError`` when it is not one."""
    try:
        decoded = json.loads(data)
        if decoded["format"] != FORMAT:
            raise ValueError("another format")
        found = []
        for code, name, message, start, end, fix, data in decoded["diagnostics"]:
            record = None
            if fix is not None:
                applicability, fix_message, edits = fix
                record = FixRecord(
                    Applicability(applicability),
                    fix_message,
                    tuple(Edit(content, Location(*a), Location(*b)) for content, a, b in edits),
                )
            found.append(
                Diagnostic(
                    code, name, message, path, Location(*start), Location(*end), record, data
                )
            )
        return found
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"not a cache entry: {error}") from error


# -- the store ------------------------------------------------------------------
class Cache:
    """One cache directory."""

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
        self.hits = self.misses = self.written = 0
        self._salt = code_fingerprint().encode()
        self._unwritable = False

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
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            self.misses += 1
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # least recently *used*
        self.hits += 1
        return data

    def put(self, key: str, data: bytes) -> None:
        """Store an entry; a cache that cannot be written is silently skipped
        (it only costs speed)."""
        if self._unwritable:
            return
        path = self._path(key)
        try:
            if not self.root.exists():
                self.root.mkdir(parents=True, exist_ok=True)
                self._mark()
            os.makedirs(os.path.dirname(path), exist_ok=True)
            import tempfile  # only a run that writes entries needs it

            fd, temporary = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(path))
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError:
            self._unwritable = True
            return
        self.written += 1

    def _mark(self) -> None:
        for name, text in (
            ("CACHEDIR.TAG", _TAG),
            (".gitignore", "# Created by perf-lint\n*\n"),
            ("README", _README),
        ):
            with contextlib.suppress(OSError):
                (self.root / name).write_text(text)

    # -- configuration memo -------------------------------------------------------
    def get_config(self, path: Path, text: bytes) -> Optional[Config]:
        data = self.get(self.key(b"config", os.path.abspath(path).encode(), text))
        if data is None:
            return None
        try:
            return config_from_data(json.loads(data))
        except (ValueError, KeyError, TypeError):
            return None

    def put_config(self, path: Path, text: bytes, config: Config) -> None:
        key = self.key(b"config", os.path.abspath(path).encode(), text)
        self.put(key, json.dumps(config_data(config)).encode())

    def known_selectors(self, selectors: Sequence[str]) -> bool:
        """Whether these rule selectors were checked before (same code)."""
        return self.get(self.key(b"selectors", json.dumps(list(selectors)).encode())) is not None

    def remember_selectors(self, selectors: Sequence[str]) -> None:
        self.put(self.key(b"selectors", json.dumps(list(selectors)).encode()), b"ok")

    # -- size bound ---------------------------------------------------------------
    def prune(self) -> int:
        """Delete the least recently used entries while the directory is over
        its bounds (down to nine tenths of them), and stale temporary files.
        Returns how many files were deleted. Does nothing unless this run
        wrote entries."""
        if not self.written:
            return 0
        found = []
        total = 0
        deleted = 0
        now = time.time()
        try:
            buckets = list(os.scandir(self.entries))
        except OSError:
            return 0
        for bucket in buckets:
            if not bucket.is_dir(follow_symlinks=False):
                continue
            try:
                files = list(os.scandir(bucket.path))
            except OSError:
                continue
            for entry in files:
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if entry.name.startswith(".tmp-"):
                    if now - info.st_mtime > STALE_SECONDS:
                        with contextlib.suppress(OSError):
                            os.unlink(entry.path)
                            deleted += 1
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
            with contextlib.suppress(OSError):
                os.unlink(path)
                deleted += 1
            count -= 1
            total -= size
        return deleted


def directory_for(explicit: Optional[str], config_file: Optional[Path]) -> Path:
    """Where the cache lives: ``--cache-dir``, else ``cache-dir`` of the
    configuration that applies to the current directory (``--config`` or
    the nearest ``pyproject.toml``; relative to that file's directory), else
    ``.perf-lint-cache`` in the current directory. The table is validated
    later, when the run reads it; here only the one key is looked at."""
    from perf_lint.config import SECTION, find_pyproject, read_toml

    if explicit:
        return Path(explicit)
    found = config_file if config_file is not None else find_pyproject(Path.cwd())
    if found is not None:
        data = read_toml(found)
        table = data.get("tool", {}).get(SECTION, {}) if found.name == "pyproject.toml" else data
        value = table.get("cache-dir") if isinstance(table, dict) else None
        if isinstance(value, str) and value:
            return found.resolve().parent / value
    return Path(DEFAULT_DIR)


def file_key(cache: Cache, display: str, data: bytes, identity: str, fixing: str) -> str:
    return cache.key(b"file", fixing.encode(), display.encode(), identity.encode(), data)


@dataclasses.dataclass
class CachedResult:
    """What a hit gives the command: the diagnostics (lint mode only)."""

    diagnostics: List[Diagnostic]
    messages: List[str] = dataclasses.field(default_factory=list)
