"""The profile facts the profile-guided rules read (``perf_lint.heat``),
computed from profile files: per function of the linted file, its calls,
own and cumulative share and, for sampled stacks with line numbers, the
share of each line (``attribution``), plus the argument repeats that
``perf-lint profile`` records beside a cProfile dump (``repeats``)."""

from __future__ import annotations

import dataclasses
import os
from typing import Dict, Optional, Tuple

from perf_lint.heat import FileHeat, FunctionHeat, HeatSource, Repeats
from perf_lint.profiles import repeats as recorded
from perf_lint.profiles.model import SECONDS
from perf_lint.profiles.paths import Matcher
from perf_lint.profiles.scopes import FileScopes


def _stamp(path: str) -> str:
    try:
        info = os.stat(path)
    except OSError:
        return f"{os.path.abspath(path)}:-"
    return f"{os.path.abspath(path)}:{info.st_mtime_ns}:{info.st_size}"


@dataclasses.dataclass(frozen=True)
class ProfileHeat(HeatSource):
    """The facts of the profiles at ``paths`` (read with the size limit
    ``limit``) for files of the project at ``root``."""

    paths: Tuple[str, ...]
    limit: int
    root: str
    identity: str = dataclasses.field(default="", compare=False)  # type: ignore[assignment]

    def __post_init__(self) -> None:
        if not self.identity:
            stamps = [_stamp(p) for p in self.paths]
            stamps += [_stamp(recorded.sidecar(p)) for p in self.paths]
            object.__setattr__(self, "identity", "|".join(stamps))

    def for_file(self, path: str, source: str) -> FileHeat:
        from perf_lint import profiles

        try:
            loaded = profiles.load(self.paths, self.limit)
        except profiles.ProfileError:
            return FileHeat(True)  # the run reports the profile's problem itself
        found = loaded.attribute({path: source}, {path: self.root}).files.get(path)
        functions: Dict[Tuple[str, int], FunctionHeat] = {}
        if found is None or found.scopes is None or found.file_ambiguous or not found.seen:
            scopes: Optional[FileScopes] = None
            try:
                scopes = FileScopes(source)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                return FileHeat(True)
        else:
            scopes = found.scopes
        repeats = _repeats(self.paths, path, self.root, scopes)
        total = loaded.total or 1.0
        for scope in scopes.scopes[1:]:
            key = (path, scope.index)
            entry = found.totals.get(key) if found is not None and found.seen else None
            if found is not None and key in found.ambiguous:
                entry = None
            if entry is None and scope.index not in repeats:
                continue
            lines = None
            if entry is not None and loaded.has_lines and key not in found.unlined:  # type: ignore[union-attr]
                by_line: Dict[int, float] = {}
                for numbers, weight in entry.lines.items():
                    for number in numbers:
                        by_line[number] = by_line.get(number, 0.0) + weight / total
                lines = by_line
            functions[(scope.qualname, scope.header)] = FunctionHeat(
                function=scope.qualname,
                calls=entry.calls if entry is not None and loaded.counts_calls else None,
                self_share=min(entry.own / total, 1.0) if entry is not None else 0.0,
                cumulative_share=min(entry.cumulative / total, 1.0) if entry is not None else 0.0,
                lines=lines,
                repeats=repeats.get(scope.index),
                cumulative_seconds=entry.cumulative
                if entry is not None and loaded.unit == SECONDS
                else None,
            )
        return FileHeat(True, functions)


def _repeats(
    paths: Tuple[str, ...], path: str, root: str, scopes: FileScopes
) -> Dict[int, Repeats]:
    """The recorded argument repeats of the functions of ``path`` (by scope
    index), from the records beside the profiles at ``paths``."""
    found: Dict[int, Repeats] = {}
    for profile in paths:
        records = recorded.load(recorded.sidecar(profile))
        if not records:
            continue
        matcher = Matcher({record.file for record in records}, [path])
        file, unclear = matcher.match(os.path.abspath(path), root)
        if file is None or unclear:
            continue
        for record in records:
            if record.file != file:
                continue
            leaf = record.name.rsplit(".", 1)[-1]
            named = [
                s
                for s in scopes.scopes[1:]
                if s.first == record.line
                and s.name == leaf
                and (record.name == leaf or record.name.endswith(s.qualname))
            ]
            if len(named) != 1:
                continue
            index = named[0].index
            known = found.get(index)
            if known is not None:  # several profiles: their records add up
                record = recorded.Record(
                    record.file,
                    record.line,
                    record.name,
                    known.calls + record.calls,
                    known.keyed + record.keyed,
                    known.distinct + record.distinct,
                    known.capped or record.capped,
                )
            found[index] = Repeats(record.calls, record.keyed, record.distinct, record.capped)
    return found
