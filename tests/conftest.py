from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List

import pytest

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


def output_path(source: Path, kind: str) -> Path:
    return source.with_name(source.name[: -len(".py")] + kind)


@pytest.fixture
def root() -> Path:
    return ROOT
