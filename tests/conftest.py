from __future__ import annotations

import ast
import os
import re
import warnings
from functools import cache
from pathlib import Path
from typing import Any, Dict, List, Union

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_EXPECT = re.compile(r"expect:\s*(PRF\d{3}(?:\s*,\s*PRF\d{3})*)")
_OUTPUTS = (".fixed.py", ".unsafe-fixed.py")


def fixture_sources() -> List[Path]:
    """``fixtures/PRFnnn.py`` and ``fixtures/PRFnnn_<variant>.py``."""
    return sorted(path for path in FIXTURES.glob("PRF*.py") if not path.name.endswith(_OUTPUTS))


def fixture_code(path: Path) -> str:
    match = re.match(r"PRF\d{3}", path.name)
    assert match, path
    return match.group(0)


def expected_marks(text: str) -> Dict[int, List[str]]:
    """Row -> sorted codes marked ``# expect: CODE[, CODE]`` on that row."""
    found: Dict[int, List[str]] = {}
    for row, line in enumerate(text.splitlines(), start=1):
        match = _EXPECT.search(line)
        if match:
            found[row] = sorted(code.strip() for code in match.group(1).split(","))
    return found


_OPTIONS = re.compile(r"^# options:(.*)$", re.MULTILINE)


def fixture_options(text: str) -> Dict[str, Any]:
    """Rule options from ``# options: key=value, key=value`` lines (config
    keys as in ``[tool.perf-lint]``; integer values are read as integers)."""
    found: Dict[str, Any] = {}
    for match in _OPTIONS.finditer(text):
        for item in match.group(1).split(","):
            key, _, value = item.strip().partition("=")
            found[key.strip()] = int(value) if value.strip().isdigit() else value.strip()
    return found


@cache
def fixture_heat(source: Path) -> Any:
    """For a fixture of a rule that needs a profile (PRF6xx): the facts of
    a real profile of the fixture, run as a program under cProfile (and,
    for a rule that reads argument repeats, under the recorder of
    ``perf-lint profile``); ``None`` for the other rules."""
    import atexit
    import json
    import pstats
    import shutil
    import subprocess
    import sys
    import tempfile

    from perf_lint.profiles import DEFAULT_LIMIT, repeats
    from perf_lint.profiles.heat import ProfileHeat
    from perf_lint.registry import BY_CODE

    rule = BY_CODE[fixture_code(source)]
    if not rule.NEEDS_PROFILE:
        return None
    where = tempfile.mkdtemp(prefix="perf-lint-fixture-profile-")
    atexit.register(shutil.rmtree, where, True)
    profile = os.path.join(where, source.name + ".pstats")
    run = {"cwd": where, "capture_output": True, "check": True, "timeout": 120}
    subprocess.run([sys.executable, "-m", "cProfile", "-o", profile, str(source)], **run)
    if rule.READS_REPEATS:
        targets = os.path.join(where, "targets.json")
        stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
        with open(targets, "w", encoding="utf-8") as handle:
            json.dump(repeats.targets(stats, [str(source)]), handle)
        record = [sys.executable, repeats.SCRIPT, repeats.sidecar(profile), targets, "--"]
        subprocess.run([*record, str(source)], **run)
    return ProfileHeat((profile,), DEFAULT_LIMIT, str(FIXTURES))


def output_path(source: Path, kind: str) -> Path:
    return source.with_name(source.name[: -len(".py")] + kind)


@pytest.fixture
def root() -> Path:
    return ROOT


def hypothesis_settings(default: int) -> settings:
    """Settings for a property: ``default`` examples, or as many as
    ``PERF_LINT_HYPOTHESIS_EXAMPLES`` says (for long hunts); no deadline,
    since a whole-program example can take a while on a loaded machine."""
    examples = os.environ.get("PERF_LINT_HYPOTHESIS_EXAMPLES")
    return settings(
        max_examples=int(examples) if examples else default,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )


@cache
def _from_grammar() -> st.SearchStrategy[str]:
    import hypothesmith

    return hypothesmith.from_grammar()


def grammar_programs() -> st.SearchStrategy[str]:
    """``hypothesmith.from_grammar()``, built once per process and only when
    a test draws from it: building it compiles Python's grammar with lark
    (about 0.7 s), which twelve module-level calls made a 10 s collection."""
    return st.deferred(lambda: _from_grammar())


def python_programs() -> st.SearchStrategy[str]:
    """Programs from the grammar or from libcst's node types (hypothesmith)."""
    return st.one_of(grammar_programs(), node_programs())


def node_programs() -> st.SearchStrategy[str]:
    """``hypothesmith.from_node()``, imported when first drawn from."""
    return st.deferred(lambda: _from_node())


@cache
def _from_node() -> st.SearchStrategy[str]:
    import hypothesmith

    return hypothesmith.from_node()


def python_accepts(source: Union[str, bytes]) -> bool:
    """Whether this Python's parser accepts ``source`` (bytes are decoded
    as Python decodes a file)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except (SyntaxError, ValueError, MemoryError, RecursionError):
            return False
    return True


def candidate_codes(source: str, rules: Any, config: Any = None) -> List[str]:
    """The codes of the rules the pre-filter lets through for ``source``."""
    from perf_lint import prefilter, syntax

    found = prefilter.candidates(source, syntax.parse(source), rules, config)
    return [rule.CODE for rule in found.rules]


def without_shortcuts(
    source: str, config: Any = None, path: str = "x.py", heat: Any = None, **only: bool
) -> Any:
    """The diagnostics of ``source`` with the engine's shortcuts off (every
    one, or those named: ``prefilter=False``...); ``heat``: a profile's
    facts for the rules that need one."""
    from perf_lint import prefilter
    from perf_lint.config import Config
    from perf_lint.engine import Engine

    shortcuts = prefilter.Shortcuts(**only) if only else prefilter.NONE
    engine = Engine(config if config is not None else Config(), shortcuts=shortcuts, heat=heat)
    return engine.check_text(source, path).diagnostics
