"""Output formats: one module each, all rendering a ``RunSummary``."""

from __future__ import annotations

import collections
import dataclasses
import importlib
import os
from typing import Any, Callable, Counter, Dict, List, Optional, TextIO

from perf_lint.diagnostic import FILE_PROBLEM, Diagnostic
from perf_lint.trust import FixMode

FORMATS = ("text", "json", "json-lines", "sarif", "github", "junit", "grouped")
DOCS_URL = "https://github.com/perf-lint/perf-lint/blob/main/docs/rules.md"


#: The name of the ``E902`` row of ``--statistics`` and of its documentation.
FILE_PROBLEM_NAME = "file-problem"


def rule_url(code: Optional[str], name: str) -> Optional[str]:
    """Where a rule's documentation lives (file problems: one section)."""
    if code is None:
        return None
    if code == FILE_PROBLEM:
        name = FILE_PROBLEM_NAME
    return f"{DOCS_URL}#{code.lower()}-{name}"


@dataclasses.dataclass
class RunSummary:
    """Everything a format may print about one run."""

    diagnostics: List[Diagnostic]
    fixed: Dict[str, Counter[str]] = dataclasses.field(default_factory=dict)
    unsafe_fixes: bool = False
    show_fixes: bool = False
    statistics: bool = False
    quiet: bool = False
    names: Dict[str, str] = dataclasses.field(default_factory=dict)
    #: The text of each file that has diagnostics (for formats that quote it).
    sources: Dict[str, str] = dataclasses.field(default_factory=dict)
    #: Whether ANSI colours may be used (see ``use_color``).
    color: bool = False
    #: The profile data of a ``--profile`` run (``perf_lint.profiles.Ranking``),
    #: else ``None``: every format prints exactly what it did without one.
    profile: Optional[Any] = None
    #: Whether the run met an error (a file it could not check or write):
    #: then it never says that all checks passed.
    failed: bool = False

    def fixable(self, diagnostic: Diagnostic) -> bool:
        """Whether the fix would be applied with ``--fix`` in this run."""
        fix = diagnostic.fix
        return fix is not None and FixMode.of(self.unsafe_fixes).applies(fix.applicability)

    def hidden_fix(self, diagnostic: Diagnostic) -> bool:
        return diagnostic.fix is not None and not self.fixable(diagnostic)

    @property
    def fixed_total(self) -> int:
        return sum(sum(counts.values()) for counts in self.fixed.values())

    def counts(self) -> Counter[Optional[str]]:
        return collections.Counter(d.code for d in self.diagnostics)

    def ordered(self) -> List[Diagnostic]:
        """The diagnostics in the order the human formats list them: by
        file and position, or hottest first with a profile."""
        if self.profile is None:
            return self.diagnostics
        return self.profile.ranked(self.diagnostics)  # type: ignore[no-any-return]

    def suffix(self, diagnostic: Diagnostic) -> str:
        """What a profile says of the diagnostic (`` [41% of run time]``),
        with its leading space; ``""`` without a profile."""
        if self.profile is None:
            return ""
        return self.profile.suffix(diagnostic)  # type: ignore[no-any-return]

    def hot_code(self) -> List[str]:
        """The lines after the findings with a profile: the hottest
        functions of the linted files (none without a profile, with
        ``--quiet`` or ``--statistics``)."""
        if self.profile is None or self.quiet or self.statistics:
            return []
        return list(self.profile.summary())

    def header(self) -> List[str]:
        """The lines naming the profiles of the run (none without one)."""
        if self.profile is None or self.quiet:
            return []
        return list(self.profile.headers)


def renderer(name: str) -> Callable[[RunSummary], str]:
    """The ``render`` function of the format called ``name``."""
    if name not in FORMATS:
        raise KeyError(name)
    module = importlib.import_module(f"perf_lint.output.{name.replace('-', '_')}")
    return module.render  # type: ignore[no-any-return]


def use_color(stream: TextIO) -> bool:
    """Colour only on a terminal, never when ``NO_COLOR`` is set (and not
    empty, as no-color.org says); ``FORCE_COLOR`` asks for it anyway."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())
