"""The pre-filters of PRF501 and PRF506 (``PATTERN`` and ``shape``): code
their text patterns admit but whose ``ast`` lacks their shape is never given
to the rules (and they report nothing there); code with the shape is."""

from __future__ import annotations

import pytest

from perf_lint import prefilter, syntax
from perf_lint.config import Config
from perf_lint.engine import Engine
from perf_lint.registry import BY_CODE, RULES
from tests.conftest import candidate_codes, without_shortcuts

NEAR_MISSES = [
    # A pattern compiled once, outside any loop; a loop's first iterable, its
    # `else`, a lambda and a function inside it; a variable pattern.
    ("PRF501", "import re\nP = re.compile('a')\nfor x in re.split(',', s):\n    P.match(x)\n"),
    ("PRF501", "import re\nwhile x:\n    pass\nelse:\n    re.match('a', s)\n"),
    ("PRF501", "import re\nfor x in xs:\n    f = lambda: re.match('a', x)\n"),
    ("PRF501", "import re\nfor x in xs:\n    def f():\n        return re.sub('a', '', x)\n"),
    ("PRF501", "import re\nys = [re.match(p, s) for p in ps]\n"),
    # A reading that is neither subtracted nor bound to a name; a
    # subtraction of names bound to something else.
    ("PRF506", "import time\nprint(time.time())\nd = a - b\n"),
    ("PRF506", "import time\nstamps = [time.time()]\nd = stamps[0] - 1\n"),
    ("PRF506", "from django.utils import timezone\nx = f(timezone.now()) - y.z\n"),
]


@pytest.mark.parametrize(("code", "source"), NEAR_MISSES)
def test_rules_are_not_run_where_their_shape_is_missing(code: str, source: str) -> None:
    rule = BY_CODE[code]
    assert all(pattern.search(source) for pattern in prefilter.patterns(rule)), "the text admits it"
    assert prefilter.shape_lines(source, syntax.parse(source), [rule]) == {rule: []}
    assert code not in candidate_codes(source, RULES)
    assert not without_shortcuts(source, Config(select=(code,)))


SHAPES = [
    ("PRF501", "import re\nfor x in xs:\n    re.match('a', x)\n"),
    ("PRF501", "from re import sub\nys = {sub('a', '', x) for x in xs}\n"),
    ("PRF501", "import re as r\nys = [y for x in xs for y in r.findall(b'a', x)]\n"),
    ("PRF501", "import re\nwhile re.search('a', s):\n    s = s[1:]\n"),
    ("PRF506", "import time\nt0 = time.time()\nt1 = time.time()\nprint(t1 - t0)\n"),
    ("PRF506", "from time import time\ndef f():\n    s: float = time()\n    return time() - s\n"),
    ("PRF506", "import datetime\nb = datetime.datetime.now()\nd = datetime.datetime.now() - b\n"),
]


@pytest.mark.parametrize(("code", "source"), SHAPES)
def test_reported_shapes_are_admitted(code: str, source: str) -> None:
    config = Config(select=(code,))
    found = Engine(config).check_text(source, "x.py").diagnostics
    assert [d.code for d in found] == [code]
    assert found == without_shortcuts(source, config, prefilter=False)
