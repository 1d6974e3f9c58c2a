"""The pre-filter is sound whatever sits between the tokens of a reported
shape (issue 30 item 3): a rule's ``PATTERN`` or ``shape`` that assumes two
tokens touch (a toy rule whose regex missed ``sum(  # comment\\n [x for x
in xs])`` passed every earlier test) fails here. Each ``INVALID`` example
of every rule is rewritten once per gap between two tokens of a logical
line: inside brackets, a comment and a line break go in the gap; outside,
a backslash continuation. Each rewrite Python accepts must be reported
with the pre-filter exactly as without it, and reported at all."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from perf_lint.config import parse_table
from perf_lint.engine import Engine
from perf_lint.registry import RULES
from tests.conftest import python_accepts, without_shortcuts

_SKIPPED = {tokenize.NEWLINE, tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}
_SKIPPED.add(tokenize.ENDMARKER)


def gap_variants(source: str) -> Iterator[str]:
    """``source`` with one gap between two tokens filled, for every gap."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    depth = 0
    # From 3.12 an f-string is tokens too (PEP 701): its gaps are text (a
    # format spec) or a replacement field's, left alone here.
    start = getattr(tokenize, "FSTRING_START", None)
    end = getattr(tokenize, "FSTRING_END", None)
    inside_fstring = 0
    for first, second in zip(tokens, tokens[1:]):
        if first.type == start:
            inside_fstring += 1
        elif first.type == end:
            inside_fstring -= 1
        elif first.type == tokenize.OP and first.string in "([{":
            depth += 1
        elif first.type == tokenize.OP and first.string in ")]}":
            depth -= 1
        if inside_fstring or first.type in _SKIPPED or second.type in _SKIPPED:
            continue
        if first.end[0] != second.start[0]:
            continue
        at = offsets[first.end[0] - 1] + first.end[1]
        filler = "  # gap\n    " if depth > 0 else " \\\n    "
        yield source[:at] + filler + source[at:].lstrip(" ")


def _cases() -> List[Tuple[str, str, Tuple[Tuple[str, object], ...]]]:
    cases = []
    for rule in RULES:
        if getattr(rule, "NEEDS_PROFILE", False):
            continue  # silent without a profile's facts
        for example in rule.INVALID:
            cases.append((rule.CODE, example.code, example.options))
    return cases


CASES = _cases()


@pytest.mark.slow
@pytest.mark.parametrize(("code", "source", "options"), CASES, ids=[c[0] for c in CASES])
def test_every_gap_of_every_reported_shape(code: str, source: str, options: tuple) -> None:
    config = parse_table({"select": [code], **dict(options)}, "test", Path.cwd(), None)
    engine = Engine(config)
    tried = 0
    for variant in gap_variants(source):
        if not python_accepts(variant):
            continue
        tried += 1
        found = engine.check_text(variant, "x.py").diagnostics
        assert found == without_shortcuts(variant, config, prefilter=False), variant
        assert [d for d in found if d.code == code], variant
    assert tried or len(source.split()) < 2, source


def test_the_gaps_are_filled_where_python_allows() -> None:
    variants = list(gap_variants("sum([x for x in xs])\n"))
    assert "sum(  # gap\n    [x for x in xs])\n" in variants
    assert "sum([x for  # gap\n    x in xs])\n" in variants
    assert all(python_accepts(variant) for variant in variants)
    outside = list(gap_variants("y = x in z\n"))
    assert "y \\\n    = x in z\n" in outside
    assert all(python_accepts(variant) for variant in outside)
