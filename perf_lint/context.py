"""What a rule knows about the file it is looking at."""

from __future__ import annotations

import ast
import dataclasses
from typing import Any, Dict, Optional

import libcst as cst

from perf_lint import syntax
from perf_lint.facts import FileFacts
from perf_lint.heat import NO_HEAT, FileHeat
from perf_lint.scopes import Scopes


@dataclasses.dataclass
class FileContext:
    """One file under analysis.

    ``source`` is the whole text and ``tree`` its ``ast`` (``None`` where this
    Python rejects the text). ``module`` is the libcst tree the rules
    traverse, which in a lint run may be of a *reduced* text: definitions
    that hold no candidate rule's shape are one-line stubs there (see
    ``perf_lint.prefilter.reduced``), so a rule must not read the bodies of
    other definitions from it; whole-file questions go to ``facts``, built
    from ``tree``. ``scopes`` is where the visited node is (its scopes,
    function, loops and open suites: ``perf_lint.frames``), which the
    traversal keeps up to date, and what each scope binds and uses.
    ``cache`` holds analyses that several rules share (computed lazily, at
    most once per file). ``heat`` is what a profile of a real run says of
    the file's functions (``NO_HEAT`` without a profile)."""

    path: str
    source: str
    module: cst.Module
    tree: Optional[ast.Module] = dataclasses.field(default=None)
    #: ``False`` when the caller has not parsed ``source`` (``tree`` is then
    #: built here).
    parsed: dataclasses.InitVar[bool] = False
    #: The file's facts when the caller has them already.
    known_facts: dataclasses.InitVar[Optional[FileFacts]] = None
    facts: FileFacts = dataclasses.field(init=False)
    scopes: Scopes = dataclasses.field(init=False)
    cache: Dict[Any, Any] = dataclasses.field(default_factory=dict)
    heat: FileHeat = NO_HEAT

    def __post_init__(self, parsed: bool, known_facts: Optional[FileFacts]) -> None:
        if not parsed and self.tree is None:
            self.tree = syntax.parse(self.source)
        self.facts = known_facts if known_facts is not None else FileFacts(self.tree)
        self.scopes = Scopes(self.module)
