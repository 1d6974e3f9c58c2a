"""The layers of the code: perf_lint's modules import one another without a
circle; one command runs ``perf-lint check`` inside itself through the
public seam of ``perf_lint.commands``, never the CLI's private methods; and
a rule is one of two kinds, a tree rule (a libcst visitor) or a source rule
(which is not one)."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, Counter, Dict, List, Optional, Sequence, Set

import libcst as cst
import pytest

import perf_lint
from perf_lint.commands import CheckWatch
from perf_lint.config import Config
from perf_lint.registry import RULES
from perf_lint.rule import BaseRule, SourceReport, SourceRule, TreeRule

PACKAGE = Path(perf_lint.__file__).parent


def _module_of(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports() -> Dict[str, Set[str]]:
    """Each module of perf_lint (not a package's ``__init__``, which only
    hands names on) and the modules of perf_lint it imports anywhere in its
    text (lazy and ``TYPE_CHECKING`` imports included)."""
    files = {_module_of(path): path for path in PACKAGE.rglob("*.py")}
    packages = {_module_of(path) for path in PACKAGE.rglob("__init__.py")}
    graph: Dict[str, Set[str]] = {}
    for name, path in files.items():
        if name in packages:
            continue
        found: Set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    whole = f"{node.module}.{alias.name}"
                    found.add(whole if whole in files else node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = {other for other in found if other in files and other not in packages}
        graph[name].discard(name)
    return graph


def _circles(graph: Dict[str, Set[str]]) -> List[List[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: Dict[str, int] = {}
    low: Dict[str, int] = {}
    stack: List[str] = []
    on_stack: Set[str] = set()
    found: List[List[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_circle() -> None:
    graph = _imports()
    assert "perf_lint.analysis" in graph["perf_lint.fixing"]  # the reading sees imports
    assert _circles(graph) == []


def test_the_fix_loop_sits_above_the_analysis_and_the_edits_below_it() -> None:
    graph = _imports()
    assert "perf_lint.edits" in graph["perf_lint.analysis"]
    assert "perf_lint.fixing" not in graph["perf_lint.analysis"]
    assert "perf_lint.analysis" not in graph["perf_lint.edits"]
    # Source text only: no fix vocabulary, no results, no hooks.
    assert graph["perf_lint.source"] == {"perf_lint.diagnostic"}


# -- the seam between the CLI and the commands that run a check ---------------------


class _Taking(CheckWatch):
    def __init__(self) -> None:
        self.taken: Dict[str, bytes] = {}
        self.left: List[Any] = []

    def take(self, outcome: Any, fixed: Counter[str]) -> bool:
        self.taken[outcome.task.display] = outcome.result.fixed_bytes()
        return True

    def finished(self, diagnostics: Sequence[Any], failed: bool) -> Optional[int]:
        self.left.extend(diagnostics)
        return 7


def test_a_command_runs_check_watched_through_the_public_seam(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from perf_lint import cli, measure

    source = "def f(items):\n    return 1 in [1, 2]\n"
    target = tmp_path / "m.py"
    target.write_text(source)
    watch = _Taking()
    argv = ["check", str(target), "--no-cache", "-j", "1", "--select", "PRF101", "--fix"]
    assert cli.run_check(argv, watch) == 7  # the watcher's exit code
    assert target.read_text() == source  # taken, not written
    assert watch.taken == {str(target): b"def f(items):\n    return 1 in {1, 2}\n"}
    assert watch.left == []
    assert capsys.readouterr().out == ""  # the watcher ended the run: no report
    # The profile command is given the seam; it does not import the CLI.
    assert "perf_lint.cli" not in _imports()["perf_lint.measure"]
    assert measure.run.__code__.co_varnames[:2] == ("args", "check")


def test_an_unwatched_check_writes_and_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from perf_lint import cli

    target = tmp_path / "m.py"
    target.write_text("x = 1 in [1, 2]\n")
    monkeypatch.chdir(tmp_path)
    argv = ["check", "m.py", "--no-cache", "-j", "1", "--select", "PRF101", "--fix"]
    assert cli.run_check(argv, CheckWatch()) == 0
    assert target.read_text() == "x = 1 in {1, 2}\n"
    assert "Found 1 error (1 fixed, 0 remaining)." in capsys.readouterr().out


# -- the two kinds of rule ------------------------------------------------------------


def test_every_rule_is_a_tree_rule_or_a_source_rule() -> None:
    for rule in RULES:
        assert issubclass(rule, TreeRule) != issubclass(rule, SourceRule), rule.CODE
        assert issubclass(rule, TreeRule) == issubclass(rule, cst.BatchableCSTVisitor), rule.CODE
        assert issubclass(rule, SourceRule) == rule.SOURCE_ONLY, rule.CODE
    sizes = {rule.CODE for rule in RULES if issubclass(rule, SourceRule)}
    assert sizes == {"PRF201", "PRF202", "PRF203"}
    assert not hasattr(SourceRule, "report") and not hasattr(SourceRule, "visit_Module")
    assert not hasattr(TreeRule, "check_source") and not hasattr(TreeRule, "report_at")


class _LongLines(SourceRule):
    """A toy source rule: a line longer than 20 characters."""

    CODE = "PRF598"
    NAME = "long-line"
    MESSAGE = "Line has {length} characters"

    @classmethod
    def check_source(
        cls, source: str, tree: Optional[ast.Module], options: Any
    ) -> List[SourceReport]:
        return [
            cls.report_at((row, 0), (row, len(line)), length=len(line))
            for row, line in enumerate(source.splitlines(), 1)
            if len(line) > 20
        ]


class _Calls(TreeRule):
    """A toy tree rule: every call to ``f``."""

    CODE = "PRF599"
    NAME = "f-call"
    MESSAGE = "Call to f"
    PATTERN = r"\bf\("

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name) and node.func.value == "f":
            self.report(node)


def test_both_kinds_run_in_one_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    from perf_lint import analysis

    source = (
        "y = f(1)\nz = 'a long line of text here'  # noqa: PRF598\nw = 'another long line here'\n"
    )
    found = analysis.analyse(source, "t.py", [_LongLines, _Calls], Config())
    assert [(d.code, d.location.row, d.location.column, d.message) for d in found.diagnostics] == [
        ("PRF599", 1, 5, "Call to f"),
        ("PRF598", 3, 1, "Line has 28 characters"),
    ]
    only_source = analysis.analyse(source, "t.py", [_LongLines], Config())
    assert only_source.module is None  # libcst never parsed the text
    assert [d.code for d in only_source.diagnostics] == ["PRF598"]


def test_the_kinds_of_rule_are_two() -> None:
    assert BaseRule.__subclasses__() == [TreeRule, SourceRule]
