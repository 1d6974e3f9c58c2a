"""How far fixes are trusted, in one place: a rule's fix level (``Fix``),
one fix's applicability (``Applicability``, ruff's vocabulary) and which
fixes a run applies (``FixMode``, with the one answer to "does this mode
apply that fix").

This module imports nothing of perf-lint's and not libcst: the fronts, the
results cache and the output formats use it without loading the parser."""

from __future__ import annotations

import enum
from typing import Any, Optional, Sequence


class Fix(enum.Enum):
    """How far a rule's fixes can be trusted."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    SAFE_WHEN_PROVEN = "safe when proven"
    NONE = "none"


class Applicability(str, enum.Enum):
    """The applicability of one concrete fix (ruff's vocabulary)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


class FixMode(str, enum.Enum):
    """Which fixes a run applies: none (a lint run), the safe ones, or all."""

    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"

    def applies(self, applicability: Optional[Applicability]) -> bool:
        """This mode applies a fix of ``applicability`` (``None``: no fix)."""
        if applicability is None or self is FixMode.NONE:
            return False
        return applicability is Applicability.SAFE or self is FixMode.UNSAFE

    def fixes_any(self, diagnostics: Sequence[Any]) -> bool:
        """One of ``diagnostics`` (``perf_lint.diagnostic.Diagnostic``s, which
        are made of this module's words) has a fix that this mode applies."""
        return any(d.fix is not None and self.applies(d.fix.applicability) for d in diagnostics)

    @classmethod
    def of(cls, unsafe_fixes: bool) -> FixMode:
        """The mode of ``--fix``, with or without ``--unsafe-fixes``."""
        return cls.UNSAFE if unsafe_fixes else cls.SAFE
