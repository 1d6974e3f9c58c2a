"""How fast the language server answers an editor.

Run by hand, never in CI, with an interpreter where perf-lint is installed
with its ``server`` extra (pygls):

    python bench/server.py                    # argparse.py, 5 rounds
    python bench/server.py --runs 3 --file some_module.py

Each round starts ``python -m perf_lint server`` and drives it over stdio
with pygls' client, timing from the notification sent to the diagnostics
published for it:

- open: ``didOpen`` of the file;
- edits: one edit at a time inside functions spread over the whole file (a
  new statement typed into the function's body), each after the server
  went idle; the median and the worst of every edit of every round;
- burst: ten keystrokes 30 ms apart, to the diagnostics of the last one.

In the same run, in this (warm) process: ``libcst.parse_module`` of the
whole file (the floor an analysis that parses the file again cannot go
below) and one full analysis (``Engine.check_text``), medians. The targets
checked: an edit answered in at most half the bare parse; the open in no
more than one full analysis (its yardstick: an edit at module level, which
every definition sees, so that the server analyses the whole file again,
through the same protocol; the server's start-up is not part of the open);
and the diagnostics published after every edit are those of
``perf-lint check`` on the same text.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import statistics
import sys
import sysconfig
import time
from pathlib import Path
from typing import Dict, List, Tuple

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ARGPARSE = Path(sysconfig.get_paths()["stdlib"]) / "argparse.py"
URI = "file:///perf-lint-bench/module.py"
EDITS = 12
BURST = 10
KEYSTROKE_GAP = 0.03


class Session:
    """One server process and the diagnostics it publishes."""

    def __init__(self) -> None:
        self.client = LanguageClient("perf-lint-bench", "1")
        self.published: Dict[int, Tuple[float, list]] = {}
        self.analyses = 0

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(_: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            self.analyses += 1
            self.published[params.version or 0] = (time.perf_counter(), params.diagnostics)

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "perf_lint", "server")
        await self.client.initialize_async(
            types.InitializeParams(capabilities=types.ClientCapabilities())
        )
        self.client.initialized(types.InitializedParams())

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    async def answer(self, version: int, sent: float) -> Tuple[float, list]:
        while version not in self.published:
            await asyncio.sleep(0.0005)
        at, diagnostics = self.published[version]
        return at - sent, diagnostics

    def open(self, text: str) -> float:
        item = types.TextDocumentItem(uri=URI, language_id="python", version=1, text=text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return time.perf_counter()

    def change(self, version: int, line: int, text: str) -> float:
        at = types.Position(line=line, character=0)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=at, end=at), text=text
                    )
                ],
            )
        )
        return time.perf_counter()


def edit_points(text: str, count: int) -> List[Tuple[int, str]]:
    """``count`` places spread over the file, each inside a function: the
    line of a function's last statement (0-based) and the statement typed
    there, at its indentation."""
    tree = ast.parse(text)
    functions = sorted(
        (node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.body),
        key=lambda node: node.lineno,
    )
    step = max(1, len(functions) // count)
    points = []
    for index, function in enumerate(functions[::step][:count]):
        last = function.body[-1]
        indent = " " * last.col_offset
        points.append((last.lineno - 1, f"{indent}edited_{index} = value in [1, 2]\n"))
    return points


def apply(text: str, line: int, inserted: str) -> str:
    lines = text.splitlines(keepends=True)
    return "".join(lines[:line]) + inserted + "".join(lines[line:])


def expected(text: str) -> List[Tuple[str, int, int]]:
    from perf_lint.config import Resolver
    from perf_lint.engine import Engine

    config = Resolver().for_path("/perf-lint-bench/module.py")  # as the server resolves it
    found = Engine(config).check_text(text, "/perf-lint-bench/module.py").diagnostics
    return [(d.code or d.name, d.location.row - 1, d.end_location.row - 1) for d in found]


def published(diagnostics: list) -> List[Tuple[str, int, int]]:
    return [(str(d.code), d.range.start.line, d.range.end.line) for d in diagnostics]


async def one_round(text: str) -> Tuple[float, List[float], float, int, int, float]:
    session = Session()
    await session.start()
    try:
        opened, diagnostics = await session.answer(1, session.open(text))
        mismatches = int(published(diagnostics) != expected(text))
        edits = []
        version = 1
        current = text
        for moved, (line, inserted) in enumerate(edit_points(text, EDITS)):
            version += 1
            line += moved  # earlier edits added lines above
            took, diagnostics = await session.answer(
                version, session.change(version, line, inserted)
            )
            current = apply(current, line, inserted)
            edits.append(took)
            mismatches += int(published(diagnostics) != expected(current))
        # A module-level statement: every definition sees it, so the whole
        # file is analysed again (the open's yardstick, protocol included).
        version += 1
        whole, diagnostics = await session.answer(
            version, session.change(version, 0, "BENCH_CONSTANT = 1\n")
        )
        current = apply(current, 0, "BENCH_CONSTANT = 1\n")
        mismatches += int(published(diagnostics) != expected(current))
        before = session.analyses
        first = time.perf_counter()
        for _ in range(BURST):
            version += 1
            session.change(version, 0, "#")
            await asyncio.sleep(KEYSTROKE_GAP)
        burst, _ = await session.answer(version, first)
        return opened, edits, burst, session.analyses - before, mismatches, whole
    finally:
        await session.stop()


def warm_floor(text: str, runs: int = 7) -> Tuple[float, float]:
    """Medians, in this process once warm, of ``libcst.parse_module`` of
    the text and of one full analysis of it."""
    import libcst

    from perf_lint.engine import Engine

    engine = Engine()
    libcst.parse_module(text)
    engine.check_text(text, "module.py")
    parses, analyses = [], []
    for _ in range(runs):
        start = time.perf_counter()
        libcst.parse_module(text)
        parses.append(time.perf_counter() - start)
        start = time.perf_counter()
        engine.check_text(text, "module.py")
        analyses.append(time.perf_counter() - start)
    return statistics.median(parses), statistics.median(analyses)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", type=Path, default=ARGPARSE)
    args = parser.parse_args()
    text = args.file.read_text()
    rounds = []
    floors = []
    for number in range(args.runs):
        rounds.append(asyncio.run(one_round(text)))
        floors.append(warm_floor(text))
        opened, edits, burst, analyses, mismatches, whole = rounds[-1]
        sys.stderr.write(
            f"[bench] round {number + 1}: open {opened:.3f} s, edits median "
            f"{statistics.median(edits):.3f} s worst {max(edits):.3f} s, whole-file edit "
            f"{whole:.3f} s, burst {burst:.3f} s "
            f"({analyses} analyses), mismatches {mismatches}; parse {floors[-1][0]:.3f} s, "
            f"full analysis {floors[-1][1]:.3f} s\n"
        )
    every_edit = [took for r in rounds for took in r[1]]
    parse = statistics.median(f[0] for f in floors)
    full = statistics.median(f[1] for f in floors)
    opened = statistics.median(r[0] for r in rounds)
    whole = statistics.median(r[5] for r in rounds)
    edit = statistics.median(every_edit)
    lines = text.count("\n")
    print(
        f"### language server, {args.file.name} ({lines:,} lines), "
        f"{args.runs} rounds of {EDITS} edits\n"
    )
    print("| measure | seconds |")
    print("|---|---:|")
    print(f"| open (median) | {opened:.3f} |")
    print(f"| edit inside a function (median of {len(every_edit)}) | {edit:.3f} |")
    print(f"| edit inside a function (worst) | {max(every_edit):.3f} |")
    print(f"| module-level edit: the whole file analysed again (median) | {whole:.3f} |")
    name = f"{BURST} keystrokes {KEYSTROKE_GAP * 1000:.0f} ms apart, to the last answer"
    print(f"| {name} (median) | {statistics.median(r[2] for r in rounds):.3f} |")
    print(f"| warm `libcst.parse_module` of the file (median) | {parse:.3f} |")
    print(f"| warm full analysis, `Engine.check_text` (median) | {full:.3f} |")
    print(f"\nAnalyses run for the burst (median): {statistics.median(r[3] for r in rounds):g}")
    mismatches = sum(r[4] for r in rounds)
    checks = [
        (edit <= 0.5 * parse, f"edit answered in {edit:.3f} s <= 0.5 x parse ({parse / 2:.3f} s)"),
        (
            opened <= whole * 1.1,
            f"open {opened:.3f} s <= one whole-file analysis through the server "
            f"({whole:.3f} s, +10%)",
        ),
        (mismatches == 0, f"published diagnostics equal perf-lint check: {mismatches} mismatches"),
    ]
    print()
    for ok, line in checks:
        print(f"- [{'ok' if ok else 'MISSED'}] {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
