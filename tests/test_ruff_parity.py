"""Where perf-lint and ruff report the same thing, they point at the same
place: parenthesised messages and literals (issue 21). ruff is a test
dependency; this runs it on the same text and compares start positions."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from perf_lint.config import parse_table
from perf_lint.engine import Engine

#: perf-lint's codes -> ruff's, for the rules both tools have.
RUFF_CODE = {
    "PRF101": "PLR6201",
    "PRF102": "PLR6201",
    "PRF301": "G004",
    "PRF302": "G001",
    "PRF303": "G002",
    "PRF304": "G003",
}

SOURCE = """\
import logging
logger = logging.getLogger(__name__)
logger.info(("a %s" % x))
logger.info(
    ("max_clients limit reached, request queued. "
     "%d active, %d queued requests." % (1, 2))
)
logger.info(("a {}".format(x)))
logger.info(("a " + x))
logger.info((f"a {x}"))
logger.info(  ("a %s"  ) % x)
logger.info(((("a %s" % x))))
def f(x):
    return x in ("a", "b"), x in (("a", "b")), x in ["a"], x in ((["a", "b"]))
"""


def _ruff() -> str:
    found = Path(sys.executable).parent / "ruff"
    return str(found) if found.exists() else shutil.which("ruff") or "ruff"


def test_parenthesised_expressions_start_where_ruff_says(tmp_path: Path) -> None:
    path = tmp_path / "parens.py"
    path.write_text(SOURCE, encoding="utf-8")
    command = [_ruff(), "check", "--no-cache", "--preview", "--isolated", "--select"]
    command += [",".join(sorted(set(RUFF_CODE.values()))), "--output-format", "json", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    theirs = sorted(
        (d["code"], d["location"]["row"], d["location"]["column"])
        for d in json.loads(result.stdout)
    )
    config = parse_table({"select": list(RUFF_CODE)}, "test", tmp_path, None)
    ours = sorted(
        (RUFF_CODE[d.code], d.location.row, d.location.column)  # type: ignore[index]
        for d in Engine(config).check_text(SOURCE, str(path)).diagnostics
    )
    assert len(theirs) == 11
    assert ours == theirs
