"""How fast the language server answers an editor (SPEC §5: a change on a
2,000-line file answered in under 100 ms).

Run by hand, never in CI, with an interpreter where perf-lint is installed
with its ``server`` extra (pygls):

    python bench/server.py                 # the big file of bench/run.py, 5 rounds
    python bench/server.py --runs 3 --file some_module.py

Each round starts ``python -m perf_lint server`` and drives it over stdio
with pygls' client, timing from the notification sent to the diagnostics
published for it:

- open: ``didOpen`` of the file;
- change: one keystroke (an ``x`` typed into the first line) after the
  server went idle;
- burst: ten keystrokes 30 ms apart, to the diagnostics of the last one.

Medians over the rounds are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Dict, List, Tuple

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HERE = Path(__file__).resolve().parent
BIG_FILE = HERE / ".work" / "corpora" / "big" / "big_module.py"
URI = "file:///perf-lint-bench/big_module.py"
BURST = 10
KEYSTROKE_GAP = 0.03


class Session:
    """One server process and the diagnostics it publishes."""

    def __init__(self) -> None:
        self.client = LanguageClient("perf-lint-bench", "1")
        self.published: Dict[int, float] = {}
        self.analyses = 0

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(_: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
            self.analyses += 1
            self.published[params.version or 0] = time.perf_counter()

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

    async def answer(self, version: int, sent: float) -> float:
        while version not in self.published:
            await asyncio.sleep(0.001)
        return self.published[version] - sent

    def open(self, text: str) -> float:
        item = types.TextDocumentItem(uri=URI, language_id="python", version=1, text=text)
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return time.perf_counter()

    def keystroke(self, version: int) -> float:
        at = types.Position(line=0, character=3)
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(
                        range=types.Range(start=at, end=at), text="x"
                    )
                ],
            )
        )
        return time.perf_counter()


async def one_round(text: str) -> Tuple[float, float, float, int]:
    session = Session()
    await session.start()
    try:
        opened = await session.answer(1, session.open(text))
        changed = await session.answer(2, session.keystroke(2))
        before = session.analyses
        first = time.perf_counter()
        for version in range(3, 3 + BURST):
            session.keystroke(version)
            await asyncio.sleep(KEYSTROKE_GAP)
        burst = await session.answer(2 + BURST, first)
        return opened, changed, burst, session.analyses - before
    finally:
        await session.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", type=Path, default=BIG_FILE)
    args = parser.parse_args()
    if not args.file.exists():
        raise SystemExit(f"{args.file} does not exist: run bench/run.py --quick first")
    text = args.file.read_text()
    rounds: List[Tuple[float, float, float, int]] = []
    for number in range(args.runs):
        rounds.append(asyncio.run(one_round(text)))
        sys.stderr.write(f"[bench] round {number + 1}: {rounds[-1]}\n")
    lines = text.count("\n")
    print(f"### language server, {args.file.name} ({lines:,} lines), medians of {args.runs}\n")
    print("| measure | median s |")
    print("|---|---:|")
    names = ("open", "one keystroke", f"{BURST} keystrokes {KEYSTROKE_GAP * 1000:.0f} ms apart")
    for index, name in enumerate(names):
        print(f"| {name} | {statistics.median(r[index] for r in rounds):.3f} |")
    print(f"\nAnalyses run for the burst (median): {statistics.median(r[3] for r in rounds):g}")
    change = statistics.median(r[1] for r in rounds)
    verdict = "ok" if change < 0.1 else "MISSED"
    print(f"\n- [{verdict}] a change answered in {change:.3f} s < 0.1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
