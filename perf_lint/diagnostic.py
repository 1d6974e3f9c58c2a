"""The records a run produces: ``Diagnostic`` with its ``Location`` and fix.

This module does not import libcst, so that the fronts and the results cache
can handle diagnostics without loading the parser."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Mapping, Optional, Tuple

#: The code of every problem with a file itself (it cannot be read, decoded
#: or parsed), in every output format: ruff's ``E902``.
FILE_PROBLEM = "E902"


class Applicability(str, enum.Enum):
    """The applicability of one concrete fix (ruff's vocabulary)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclasses.dataclass(frozen=True)
class Location:
    """A 1-based row and 1-based column (in characters)."""

    row: int
    column: int


@dataclasses.dataclass(frozen=True)
class Edit:
    content: str
    location: Location
    end_location: Location


@dataclasses.dataclass(frozen=True)
class FixRecord:
    applicability: Applicability
    message: str
    edits: Tuple[Edit, ...]


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    """One finding. ``code`` is ``FILE_PROBLEM`` (``E902``) for problems
    with the file itself (unreadable, undecodable, syntax errors), whose
    ``name`` says which (``io-error``, ``decode-error``, ``syntax-error``,
    ``parse-error``): no rule selection hides them, only ``ignore``."""

    code: Optional[str]
    name: str
    message: str
    path: str
    location: Location
    end_location: Location
    fix: Optional[FixRecord] = None
    #: Structured details for machine-readable output (PRF201's split plan).
    data: Optional[Mapping[str, Any]] = None

    @property
    def is_file_problem(self) -> bool:
        return self.code == FILE_PROBLEM

    def without_fix(self) -> Diagnostic:
        return dataclasses.replace(self, fix=None)

    @property
    def sort_key(self) -> Tuple[str, int, int, str]:
        return (self.path, self.location.row, self.location.column, self.code or "")
