"""What a rule knows about the file it is looking at."""

from __future__ import annotations

import dataclasses
from typing import Any, Dict

import libcst as cst


@dataclasses.dataclass
class FileContext:
    """One file under analysis. ``cache`` holds analyses that several rules
    share (computed lazily, at most once per file)."""

    path: str
    source: str
    module: cst.Module
    cache: Dict[Any, Any] = dataclasses.field(default_factory=dict)
