"""Issue 32 item 4: a logging fix that translates a format spec is right for
every value the code visibly has. For each row of PRF301's and PRF302's
"Fix safety" (string widths, alignment and precision; sign, ``#``, zero
padding and width for integer types; the same plus precision for floats;
widths without a type), on annotated values of each builtin type: the fix,
when offered (safe or unsafe), logs exactly the text the original logged;
where the docs promise a safe fix, it is offered and safe; where the
value's type is proven and ``%`` renders it differently (``{n:5}`` with
``n: int``), no fix is offered at all."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import List, Optional

import pytest

from perf_lint.config import parse_table
from perf_lint.engine import Engine, FixMode
from perf_lint.rules._format_spec import translate

SPECS = [
    "", "5", "<5", ">5", ".2", "5.2", "<7.3", "s", "8s", ">8s",
    "d", "5d", "+d", " d", "05d", "<5d", "x", "#x", "#08X", "o", "+5o",
    "f", ".2f", "+.1f", "08.3f", "<9.2e", "E", "#g", ".3G", "10F",
]  # fmt: skip
VALUES = {"int": 42, "bool": True, "float": 3.25, "str": "ab"}


def _message(source: str, value: object) -> Optional[str]:
    """What ``f(value)`` logs with ``source``; ``None`` when it raises."""
    records: List[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger("format-spec-test")
    logger.handlers[:] = [Keep()]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    namespace: dict = {"logger": logger}
    try:
        exec(compile(source, "case.py", "exec"), namespace)
        namespace["f"](value)
        return records[0].getMessage()
    except (TypeError, ValueError):
        return None


def _fixes(source: str, code: str) -> tuple:
    engine = Engine(parse_table({"select": [code]}, "test", Path.cwd(), None))
    found = [d.code for d in engine.check_text(source, "case.py").diagnostics]
    assert found == [code], source
    safe = engine.check_text(source, "case.py", fix=FixMode.SAFE).fixed_source
    unsafe = engine.check_text(source, "case.py", fix=FixMode.UNSAFE).fixed_source
    return safe, unsafe


@pytest.mark.parametrize("kind", sorted(VALUES))
@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("code", ["PRF301", "PRF302"])
def test_every_spec_row_on_real_values(code: str, spec: str, kind: str) -> None:
    colon = f":{spec}" if spec else ""
    call = (
        f'logger.info(f"[{{v{colon}}}]")'
        if code == "PRF301"
        else f'logger.info("[{{{colon}}}]".format(v))'
    )
    source = f"def f(v: {kind}):\n    {call}\n"
    value = VALUES[kind]
    expected = _message(source, value)
    safe, unsafe = _fixes(source, code)
    translation = translate(spec)
    if expected is None or translation is None:
        return _no_wrong_fix(source, unsafe, value, expected)
    if translation.types == frozenset({"*"}) or kind in (translation.types or {kind}):
        # The docs' promise: the type is proven and % renders it alike.
        assert safe is not None and safe != source, (spec, kind)
        assert _message(safe, value) == expected, (spec, kind, safe)
    else:
        # Proven, and % would render it otherwise: no fix at all.
        assert unsafe is None or unsafe == source, (spec, kind, unsafe)


def _no_wrong_fix(source: str, unsafe: Optional[str], value: object, expected: object) -> None:
    if unsafe is not None and unsafe != source and expected is not None:
        assert _message(unsafe, value) == expected, unsafe


def test_the_reported_case() -> None:
    source = 'def f(n: int):\n    logger.info(f"[{n:5}]")\n'
    assert _message(source, 7) == "[    7]"
    safe, unsafe = _fixes(source, "PRF301")
    assert safe in (None, source) and unsafe in (None, source)
