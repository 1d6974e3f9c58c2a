"""Behaviour that deliberate one-line bugs once changed without failing a
test (issue 30). Each test names the bug it catches; the fixture snapshots
(tests/test_fixtures.py) catch the others: every diagnostic's column shifted
by one, and PRF505 reporting the receiver instead of the call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import perf_lint
from perf_lint.config import Config
from perf_lint.engine import Engine

# -- the results cache keys on rule options ------------------------------------------


def _check(root: Path, *args: str) -> Tuple[List[Tuple[str, int, str]], bool]:
    """The JSON findings of ``perf-lint check`` in ``root`` and whether the
    run loaded libcst (a warm run answered from the cache does not)."""
    probe = (
        "import sys\n"
        "from perf_lint.cli import main\n"
        "code = main(sys.argv[1:])\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write('LIBCST=%s\\n' % ('libcst' in sys.modules))\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe, "check", "--format", "json", *args, "."],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "LIBCST=" in done.stderr, done.stderr
    found = [(d["code"], d["location"]["row"], d["message"]) for d in json.loads(done.stdout)]
    return found, "LIBCST=True" in done.stderr


def test_a_changed_rule_option_is_not_answered_from_the_cache(tmp_path: Path) -> None:
    """Changing ``max-module-lines`` in ``pyproject.toml`` changes what a
    cached run reports (bug: the cache key leaving out rule options served
    the result computed under the old limit)."""
    (tmp_path / "m.py").write_text("".join(f"v{index} = {index}\n" for index in range(30)))
    config = tmp_path / "pyproject.toml"

    def limit(value: int) -> None:
        config.write_text(f'[tool.perf-lint]\nselect = ["PRF201"]\nmax-module-lines = {value}\n')

    limit(20)
    cold, loaded = _check(tmp_path)
    assert [(code, row) for code, row, _ in cold] == [("PRF201", 1)] and loaded
    assert "limit 20" in cold[0][2]
    warm, loaded = _check(tmp_path)
    assert warm == cold and not loaded  # the cache answers an unchanged run
    limit(25)
    changed, _ = _check(tmp_path)
    assert changed == _check(tmp_path, "--no-cache")[0]
    assert "limit 25" in changed[0][2]
    limit(40)
    assert _check(tmp_path)[0] == []
    limit(20)
    assert _check(tmp_path)[0] == cold


# -- noqa on the last line of a backslash-continued statement -----------------------


SOURCE = (
    "def f(x, y):\n"
    "    if x in [1, 2] and \\\n"
    "            y in [3, 4] or \\\n"
    "            x:  # noqa: PRF101\n"
    "        return 1\n"
    "    return x in [5, 6] and \\\n"
    "        y  # noqa: PRF301\n"
)


def test_noqa_on_the_last_line_of_a_backslash_continued_statement() -> None:
    """flake8 reads a ``# noqa`` anywhere in a statement joined by
    backslashes; so does the engine, for a finding on the statement's first
    line (bug: only the lines from the finding's start line up to its end
    were searched, so a comment on a later continuation line was ignored)."""
    found = [(d.code, d.location.row) for d in perf_lint.lint(SOURCE)]
    # Rows 2 and 3 are covered by the comment on row 4; row 6's comment
    # names another code.
    assert found == [("PRF101", 6)]
    engine = Engine(Config(select=("PRF101",)))
    result = engine.check_text(SOURCE, "f.py")
    assert [(d.code, d.location.row) for d in result.diagnostics] == [("PRF101", 6)]
