"""``perf-lint check --watch`` (ruff's ``-w``): check, then check again
whenever a Python file or a ``pyproject.toml`` under the checked paths
changes, until interrupted. Changes are found by polling the files'
sizes and modification times (no dependency, every platform)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Callable, Dict, Iterable, Tuple

from perf_lint.config import DEFAULT_EXCLUDE

#: How often the files are looked at, in seconds.
INTERVAL = 0.3
_WATCHED = (".py", ".pyi", "pyproject.toml")
Stamps = Dict[str, Tuple[int, int]]


def stamps(paths: Iterable[str]) -> Stamps:
    """The (modification time, size) of every watched file under
    ``paths``, skipping the directories discovery never enters."""
    found: Stamps = {}
    for path in paths:
        if path == "-":
            continue
        if os.path.isfile(path):
            _stamp(path, found)
            continue
        for directory, names, files in os.walk(path):
            names[:] = sorted(name for name in names if name not in DEFAULT_EXCLUDE)
            for name in files:
                if name.endswith(_WATCHED):
                    _stamp(os.path.join(directory, name), found)
    return found


def _stamp(path: str, found: Stamps) -> None:
    try:
        info = os.stat(path)
    except OSError:
        return
    found[path] = (info.st_mtime_ns, info.st_size)


def watch(check: Callable[[], int], args: argparse.Namespace) -> int:
    """Run ``check`` now and after every change under ``args.paths``; an
    interrupt ends the watch (exit 0)."""
    paths = args.paths or ["."]
    if "-" in paths:
        sys.stderr.write("perf-lint: error: --watch cannot read stdin\n")
        return 2
    try:
        while True:
            before = stamps(paths)
            check()
            sys.stderr.write("perf-lint: watching for file changes (Ctrl-C stops)\n")
            sys.stderr.flush()
            sys.stdout.flush()
            seen = stamps(paths)
            if seen == before:
                while seen == before:
                    time.sleep(INTERVAL)
                    seen = stamps(paths)
            sys.stderr.write("perf-lint: file changes detected; checking again\n")
    except KeyboardInterrupt:
        return 0
