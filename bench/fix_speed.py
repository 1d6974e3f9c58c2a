"""Does every fix pay? Times the code each fixing rule reports against the
code its fix writes, on every CPython installed (issue 29).

Run by hand, never in CI:

    python bench/fix_speed.py            # full run: 7 rounds, every Python found (~10 min)
    python bench/fix_speed.py --quick    # smoke run: 1 round, short timings (~1 min)
    python bench/fix_speed.py --rules PRF101,PRF401 --python /usr/bin/python3.12

Each case is a statement the rule reports (``before``) and the statement its
fix writes (``after``), with the names they read made by ``setup``, for the
sizes that matter where size applies (0, 1, 3, 10, 100, 10,000 items; a
membership display holds 1 to 100 elements). Every measurement is a fresh
process of the interpreter under test running ``timeit`` (the statement is
compiled into a function, as code in a function body runs): it picks a
number of loops that lasts ``--target`` seconds, takes the best of
``REPEATS`` repeats, and prints nanoseconds per execution. Each timed run ends by
dropping the value it leaves behind (``r = None``), so that both statements
free what they built, as a function's caller does when it is done. Rounds are interleaved
(round 1 of every case on every Python, then round 2, ...) and the table
keeps the median of the rounds. The same process checks that both
statements leave the same value behind (``check``).

Before timing, perf-lint itself lints each case's ``before`` (inside a
function, with ``target-version`` set to each Python's version and unsafe
fixes on): the table records whether the fix is offered there, and the run
fails when the offered fix does not write ``after``, so the table measures
exactly what the fix writes.

Interpreters: this one, every ``pyenv versions --bare`` entry and every
``python3.N`` on ``PATH``; CPython only, from the oldest ``target-version``
(3.9) on, one per minor version (this one first).

A full run writes ``perf_lint/data/fix_speed.json`` (read by
``perf_lint.docs`` for the "Speed" section of each rule's documentation:
regenerate the docs with ``python -m perf_lint.docs --write``) and
``bench/fix_speed.md``; a partial run (``--quick``, ``--rules``,
``--python``, ``--rounds``, ``--target``) writes under ``bench/.work``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TABLE = ROOT / "perf_lint" / "data" / "fix_speed.json"
MARKDOWN = HERE / "fix_speed.md"
SIZES = (0, 1, 3, 10, 100, 10000)
#: Repeats of about ``--target`` seconds each in one process, of which the
#: fastest counts: many short repeats, so that on a loaded machine some of
#: them run without being preempted.
REPEATS = 20
DISPLAY_SIZES = (1, 2, 3, 10, 100)

#: Runs in the interpreter under test (3.9 on): time one statement.
WORKER = r"""
import json, sys, timeit
spec = json.loads(sys.argv[1])
space = {}
exec(spec["setup"], space)
exec(spec["stmt"], space)
check = repr(space.get(spec["check"])) if spec["check"] else None
timer = timeit.Timer(spec["stmt"] + spec["drop"], spec["setup"])
target = spec["target"]
number = 1
while True:
    elapsed = timer.timeit(number)
    if elapsed >= target / 4:
        break
    number *= 10 if elapsed < target / 40 else 2
number = max(1, round(number * target / elapsed))
best = min(timer.repeat(repeat=spec["repeat"], number=number))
print(json.dumps({"ns": best / number * 1e9, "check": check}))
"""


class Case(NamedTuple):
    """One shape of one rule at one size: the reported statement, the fixed
    one, what both read (``setup``) and the name whose value both leave
    behind (``check``). ``module`` goes above the linted function (imports
    the rule needs to see); ``lint`` is ``False`` where the statement alone
    is not what the rule reports (a regex call outside its loop); ``lint_head``
    opens the linted function (the binding a rule needs to see)."""

    rule: str
    shape: str
    size: Optional[int]
    setup: str
    before: str
    after: str
    check: Optional[str] = "r"
    module: str = ""
    lint: bool = True
    lint_head: str = ""
    #: For a case not linted: ``False`` where the rule does not report the
    #: code measured (below a threshold of its own), else ``None``.
    reported: Optional[bool] = None

    @property
    def key(self) -> str:
        return f"{self.rule}|{self.shape}|{self.size}"


def _strings(count: int) -> List[str]:
    return [f"'k{index}'" for index in range(count)]


def membership_cases() -> Iterator[Case]:
    displays = {"PRF101": ("[", "]"), "PRF102": ("(", ")")}
    for rule, (left, right) in displays.items():
        for size in DISPLAY_SIZES:
            constants = ", ".join(_strings(size))
            if rule == "PRF102" and size == 1:
                constants += ","
            attributes = ", ".join(f"o.k{index}" for index in range(size))
            if rule == "PRF102" and size == 1:
                attributes += ","
            objects = (
                "import types\n"
                f"o = types.SimpleNamespace(**{{'k%d' % i: 'k%d' % i for i in range({size})}})\n"
            )
            middle = size // 2
            shapes = (
                # The tuple's best case: the value is the first element's own
                # object (an interned literal), found by identity at once.
                ("constants, same object found first", "x = 'k0'\n", constants),
                ("constants, equal value found first", "x = ''.join(['k', '0'])\n", constants),
                ("constants, value found", f"x = ''.join(['k', '{middle}'])\n", constants),
                ("constants, value absent", "x = ''.join(['z', '9'])\n", constants),
                (
                    "attributes, value absent",
                    objects + "x = ''.join(['z', '9'])\n",
                    attributes,
                ),
            )
            for shape, setup, elements in shapes:
                if size == 1 and shape == "constants, equal value found first":
                    continue  # the same case as "value found" (the middle is the first)
                yield Case(
                    rule,
                    shape,
                    size,
                    setup,
                    f"r = x in {left}{elements}{right}",
                    f"r = x in {{{elements}}}",
                )


def logging_cases() -> Iterator[Case]:
    module = "import logging\nlogger = logging.getLogger('bench')\n"
    setup = (
        module + "logger.setLevel(logging.WARNING)\nlogger.propagate = False\n"
        "x = 12345\ny = 'name'\n"
    )
    shapes = (
        ("PRF301", 'logger.debug(f"value {x} of {y!r}")', 'logger.debug("value %s of %r", x, y)'),
        (
            "PRF302",
            'logger.debug("value {} of {!r}".format(x, y))',
            'logger.debug("value %s of %r", x, y)',
        ),
        (
            "PRF303",
            'logger.debug("value %s of %r" % (x, y))',
            'logger.debug("value %s of %r", x, y)',
        ),
        (
            "PRF304",
            'logger.debug("value " + str(x) + " of " + y)',
            'logger.debug("value %s of %s", x, y)',
        ),
    )
    for rule, before, after in shapes:
        yield Case(rule, "call at a disabled level", None, setup, before, after, None, module)


def loop_cases() -> Iterator[Case]:
    for size in SIZES:
        setup = f"data = list(range({size}))\n"
        yield Case(
            "PRF401",
            "append",
            size,
            setup,
            "r = []\nfor x in data:\n    r.append(x * 2)",
            "r = [x * 2 for x in data]",
        )
        yield Case(
            "PRF401",
            "append under if",
            size,
            setup,
            "r = []\nfor x in data:\n    if x % 3:\n        r.append(x)",
            "r = [x for x in data if x % 3]",
        )
        yield Case(
            "PRF402",
            "append to a list that is not empty",
            size,
            setup,
            "r = [-1]\nfor x in data:\n    r.append(x * 2)",
            "r = [-1]\nr.extend(x * 2 for x in data)",
        )
        yield Case(
            "PRF403",
            "store items",
            size,
            setup,
            "r = {}\nfor x in data:\n    r[x] = x * 2",
            "r = {x: x * 2 for x in data}",
        )
        yield Case(
            "PRF404",
            "add",
            size,
            setup,
            "r = set()\nfor x in data:\n    r.add(x * 2)",
            "r = {x * 2 for x in data}",
        )


def other_cases() -> Iterator[Case]:
    for size in SIZES:
        yield Case(
            "PRF405",
            "loop over list() of a list",
            size,
            f"items = list(range({size}))\nr = None\n",
            "for x in list(items):\n    r = x",
            "for x in items:\n    r = x",
            lint_head="items = [1, 2, 3]\n",
        )
        setup = f"d = {{i: str(i) for i in range({size})}}\nr = None\n"
        yield Case(
            "PRF406",
            "keys of .items()",
            size,
            setup,
            "for k, _ in d.items():\n    r = k",
            "for k in d:\n    r = k",
        )
        yield Case(
            "PRF406",
            "values of .items()",
            size,
            setup,
            "for _, v in d.items():\n    r = v",
            "for v in d.values():\n    r = v",
        )
    yield Case(
        "PRF501",
        "re.match with a constant pattern (one call)",
        None,
        "import re\nline = '  # a comment'\n_PATTERN_1 = re.compile(r'\\s*#')\n",
        "r = re.match(r'\\s*#', line)",
        "r = _PATTERN_1.match(line)",
        lint=False,
    )
    yield Case(
        "PRF501",
        "re.sub with a constant pattern (one call)",
        None,
        "import re\nline = 'a  b   c'\n_PATTERN_1 = re.compile(r'\\s+')\n",
        "r = re.sub(r'\\s+', ' ', line)",
        "r = _PATTERN_1.sub(' ', line)",
        lint=False,
    )
    yield Case(
        "PRF506",
        "duration from two clock readings",
        None,
        "import time\n",
        "start = time.time()\nr = time.time() - start",
        "start = time.perf_counter()\nr = time.perf_counter() - start",
        None,
        "import time\n",
    )


def hot_cases() -> Iterator[Case]:
    """The profile-guided rules. Their fixes move a value to module level,
    so ``after`` reads a global (``global`` in ``setup``: timeit runs the
    setup in the timed function); not linted here (the fix writes the
    constant outside the statement)."""
    for size in DISPLAY_SIZES:
        keys = _strings(size)
        shapes = {
            "dict of constants, .get": (
                "{" + ", ".join(f"{k}: {i}" for i, k in enumerate(keys)) + "}",
                "r = t.get('k0')",
            ),
            "set of constants, in": ("{" + ", ".join(keys) + "}", "r = 'k0' in t"),
            "list of constants, [0]": ("[" + ", ".join(keys) + "]", "r = t[0]"),
        }
        for shape, (display, use) in shapes.items():
            yield Case(
                "PRF601",
                f"{shape} in a function",
                size,
                f"global _F_T\n_F_T = {display}\nr = None\n",
                f"t = {display}\n{use}",
                f"t = _F_T\n{use}",
                lint=False,
            )
    yield Case(
        "PRF601",
        "re.compile of a constant pattern in a function",
        None,
        "import re\nglobal _F_P\n_F_P = re.compile(r'\\s+')\nline = 'a  b   c'\nr = None\n",
        "p = re.compile(r'\\s+')\nr = p.split(line)",
        "p = _F_P\nr = p.split(line)",
        lint=False,
    )
    functions = {
        # A function of a few microseconds: what PRF602 reports (its default
        # min-call-microseconds is 3, as cProfile measures, overhead included).
        "function of ~3 us, 30 distinct arguments": (
            "def score(word):\n    total = 0\n    for char in word:\n"
            "        total += ord(char) * 31 % 7\n    return total\n",
            "[f'word{i}' * 4 for i in range(30)]",
        ),
        # A trivial function: the cache costs about as much as the call;
        # PRF602 does not report it (under min-call-microseconds).
        "trivial function, 30 distinct arguments": (
            "def score(word):\n    return len(word) * 2\n",
            "[f'word{i}' * 4 for i in range(30)]",
        ),
    }
    for shape, (function, words) in functions.items():
        trivial = shape.startswith("trivial")
        setup = (
            "import functools, itertools\nglobal score, cached, words\n"
            + function
            + "cached = functools.lru_cache(maxsize=128)(score)\n"
            + f"words = itertools.cycle({words})\nr = None\n"
        )
        yield Case(
            "PRF602",
            shape,
            None,
            setup,
            "r = score(next(words))",
            "r = cached(next(words))",
            lint=False,
            reported=False if trivial else None,
        )


def loop_lookup_cases() -> Iterator[Case]:
    """PRF603 (not linted here: it needs a profile). A loop of no
    iteration is not measured: a loop that runs none is not hot."""
    for size in (1, 3, 10, 100, 10000):
        setup = (
            "class O:\n    pass\no = O()\no.counts = {}\no.seen = []\n"
            f"data = list(range({size}))\nr = None\n"
        )
        yield Case(
            "PRF603",
            "self.counts twice per iteration",
            size,
            setup,
            "for x in data:\n    o.counts[x] = o.counts.get(x, 0) + 1\nr = len(o.counts)",
            "counts = o.counts\nfor x in data:\n    counts[x] = counts.get(x, 0) + 1\n"
            "r = len(o.counts)",
            lint=False,
        )
        yield Case(
            "PRF603",
            "self.state.counts twice per iteration",
            size,
            setup + "o.state = O()\no.state.counts = {}\n",
            "for x in data:\n    o.state.counts[x] = o.state.counts.get(x, 0) + 1\n"
            "r = len(o.state.counts)",
            "counts = o.state.counts\nfor x in data:\n    counts[x] = counts.get(x, 0) + 1\n"
            "r = len(o.state.counts)",
            lint=False,
        )
        # A method is called through its receiver, hoisted (the call keeps
        # CPython 3.11's specialisation of the method call, which a bound
        # method in a local loses).
        yield Case(
            "PRF603",
            "self.seen.append(x) twice per iteration",
            size,
            setup,
            "o.seen = []\nfor x in data:\n    o.seen.append(x)\n    o.seen.append(x)\n"
            "r = len(o.seen)",
            "o.seen = []\nseen = o.seen\nfor x in data:\n    seen.append(x)\n    seen.append(x)\n"
            "r = len(o.seen)",
            lint=False,
        )
        yield Case(
            "PRF603",
            "bound method hoisted instead (not what the fix writes)",
            size,
            setup,
            "o.seen = []\nfor x in data:\n    o.seen.append(x)\n    o.seen.append(x)\n"
            "r = len(o.seen)",
            "o.seen = []\nappend = o.seen.append\nfor x in data:\n    append(x)\n    append(x)\n"
            "r = len(o.seen)",
            lint=False,
            reported=False,
        )


def all_cases() -> List[Case]:
    return [
        *membership_cases(),
        *logging_cases(),
        *loop_cases(),
        *other_cases(),
        *hot_cases(),
        *loop_lookup_cases(),
    ]


# -- interpreters ----------------------------------------------------------------


class Python(NamedTuple):
    executable: str
    version: str  # "3.12.1"

    @property
    def minor(self) -> str:
        return ".".join(self.version.split(".")[:2])


def _lower_bound() -> Tuple[int, int]:
    """The oldest ``target-version`` (``py39``): the linted code may run on
    Pythons older than perf-lint's own ``requires-python``."""
    text = (ROOT / "perf_lint" / "targets.py").read_text(encoding="utf-8")
    found = re.search(r'TARGET_VERSIONS = \("py(\d)(\d+)"', text)
    return (int(found.group(1)), int(found.group(2))) if found else (3, 9)


def _candidates() -> Iterator[str]:
    yield sys.executable
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            root = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, check=True
            ).stdout.strip()
            names = subprocess.run(
                [pyenv, "versions", "--bare"], capture_output=True, text=True, check=True
            ).stdout.split()
        except (OSError, subprocess.CalledProcessError):
            names = []
        for name in names:
            yield os.path.join(root, "versions", name, "bin", "python3")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        try:
            entries = os.listdir(directory)
        except OSError:
            continue
        for entry in sorted(entries):
            if re.fullmatch(r"python3(\.\d+)?", entry):
                yield os.path.join(directory, entry)


def find_pythons() -> List[Python]:
    """Every CPython found, one per minor version, this one first."""
    lowest = _lower_bound()
    found: Dict[str, Python] = {}
    seen = set()
    probe = (
        "import platform, sys; print(platform.python_implementation(), platform.python_version())"
    )
    for candidate in _candidates():
        path = os.path.realpath(candidate)
        if path in seen or not os.access(path, os.X_OK):
            continue
        seen.add(path)
        try:
            out = subprocess.run(
                [candidate, "-c", probe], capture_output=True, text=True, timeout=30
            ).stdout.split()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if len(out) != 2 or out[0] != "CPython":
            continue
        version = out[1]
        parts = tuple(int(part) for part in re.findall(r"\d+", version)[:2])
        python = Python(candidate, version)
        if parts >= lowest and python.minor not in found:
            found[python.minor] = python
    return sorted(found.values(), key=lambda p: tuple(int(n) for n in p.minor.split(".")))


# -- what perf-lint offers ---------------------------------------------------------


def _wrapped(case: Case, code: str) -> str:
    body = textwrap.indent(case.lint_head + code, "    ")
    return f"{case.module}\n\ndef f(data, x, o, d, line):\n{body}\n    return r\n"


def offered(case: Case, minor: str) -> bool:
    """Whether perf-lint, targeting ``minor``, reports ``case.before`` with a
    fix; ``SystemExit`` when the fix writes something else than ``after``."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from perf_lint.config import parse_table
    from perf_lint.engine import Engine, FixMode

    table: Dict[str, Any] = {"select": [case.rule]}
    if "target-version" in _option_keys():
        table["target-version"] = "py" + minor.replace(".", "")
    engine = Engine(parse_table(table, "fix_speed", ROOT, None))
    source = _wrapped(case, case.before)
    result = engine.check_text(source, "case.py", fix=FixMode.UNSAFE)
    fixed = result.fixed_source if result.fixed_source is not None else source
    if fixed == source:
        return False
    if fixed != _wrapped(case, case.after):
        raise SystemExit(
            f"{case.key}: the fix writes\n{fixed}\nnot the measured\n{_wrapped(case, case.after)}"
        )
    return True


def _option_keys() -> Sequence[str]:
    from perf_lint.config import rule_option_fields

    return list(rule_option_fields())


# -- measuring -------------------------------------------------------------------


def measure(python: Python, case: Case, stmt: str, target: float) -> Tuple[float, Optional[str]]:
    spec = {
        "setup": case.setup,
        "stmt": stmt,
        "check": case.check,
        "target": target,
        "repeat": REPEATS,
        # Each timed run frees what it built, as a function's caller does:
        # otherwise the loop frees the previous run's container before
        # building its own and the comprehension after, and a 10,000-item
        # set times the allocator, not the code.
        "drop": f"\n{case.check} = None" if case.check else "",
    }
    done = subprocess.run(
        [python.executable, "-I", "-c", WORKER, json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"{case.key} on {python.version}:\n{done.stderr}")
    data = json.loads(done.stdout)
    return data["ns"], data["check"]


def run(
    cases: Sequence[Case], pythons: Sequence[Python], rounds: int, target: float
) -> Dict[str, Any]:
    samples: Dict[Tuple[str, str, str], List[float]] = {}
    jobs = [(python, case) for case in cases for python in pythons]
    started = time.monotonic()
    for round_index in range(rounds):
        order = list(jobs)
        random.Random(round_index).shuffle(order)
        for index, (python, case) in enumerate(order):
            sides = ("before", "after") if (index + round_index) % 2 else ("after", "before")
            checks = {}
            for side in sides:
                ns, checks[side] = measure(python, case, getattr(case, side), target)
                samples.setdefault((python.minor, case.key, side), []).append(ns)
            if checks["before"] != checks["after"]:
                raise SystemExit(f"{case.key} on {python.version}: {checks} differ")
        print(
            f"round {round_index + 1}/{rounds} done, {time.monotonic() - started:.0f} s",
            file=sys.stderr,
        )
    rows = []
    for case in cases:
        results = {}
        for python in pythons:
            before = statistics.median(samples[(python.minor, case.key, "before")])
            after = statistics.median(samples[(python.minor, case.key, "after")])
            results[python.minor] = {
                "before_ns": round(before, 1),
                "after_ns": round(after, 1),
                "ratio": round(before / after, 3),
                "offered": offered(case, python.minor) if case.lint else case.reported,
            }
        rows.append(
            {
                "rule": case.rule,
                "shape": case.shape,
                "size": case.size,
                "before": case.before,
                "after": case.after,
                "results": results,
            }
        )
    return {
        "generator": "python bench/fix_speed.py",
        "method": (
            f"timeit in a fresh process per measurement, best of {REPEATS} repeats of about "
            f"{target * 1000:g} ms, median of {rounds} interleaved rounds"
        ),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores",
        "pythons": {python.minor: python.version for python in pythons},
        "cases": rows,
    }


# -- rendering -------------------------------------------------------------------


def markdown(table: Dict[str, Any]) -> str:
    minors = list(table["pythons"])
    lines = [
        "# Fix speed",
        "",
        "Generated by `python bench/fix_speed.py`; do not edit by hand.",
        "",
        f"Method: {table['method']}; {table['machine']}. "
        "Ratio: time of the reported code / time of the fixed code (above 1: the fix is "
        "faster). A cell in *italics*: perf-lint does not offer that fix for that Python "
        "(`target-version`) or does not report the code at all. A ratio between 0.9 and 1.1, "
        "or a difference of a few nanoseconds, is within what repeated runs of the same code "
        "differ by on this machine: a tie.",
        "",
        "Pythons: " + ", ".join(table["pythons"].values()) + ".",
        "",
        "| rule | shape | items | " + " | ".join(minors) + " |",
        "|---|---|---|" + "---|" * len(minors),
    ]
    for row in table["cases"]:
        cells = [format_ratio(row["results"][minor]) for minor in minors]
        size = "" if row["size"] is None else str(row["size"])
        lines.append(f"| {row['rule']} | {row['shape']} | {size} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def format_ratio(result: Dict[str, Any]) -> str:
    text = f"{result['ratio']:.2f}x"
    return f"*{text}*" if result["offered"] is False else text


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 round, short timings")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--target", type=float, default=None, help="seconds per repeat")
    parser.add_argument("--rules", default="", help="comma-separated codes (default: all)")
    parser.add_argument("--python", action="append", default=[], help="an interpreter (repeatable)")
    parser.add_argument("--json", type=Path, default=None, help=f"default: {TABLE}")
    parser.add_argument("--markdown", type=Path, default=None, help=f"default: {MARKDOWN}")
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 7)
    target = args.target or (0.0005 if args.quick else 0.001)
    cases = all_cases()
    if args.rules:
        wanted = {code.strip().upper() for code in args.rules.split(",")}
        cases = [case for case in cases if case.rule in wanted]
    if args.python:
        pythons = []
        for executable in args.python:
            version = subprocess.run(
                [executable, "-c", "import platform; print(platform.python_version())"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
            pythons.append(Python(executable, version))
    else:
        pythons = find_pythons()
    print(
        f"{len(cases)} cases on " + ", ".join(p.version for p in pythons) + f", {rounds} rounds",
        file=sys.stderr,
    )
    for case in cases:  # fail early when a fix does not write what is measured
        if case.lint:
            offered(case, pythons[0].minor)
    table = run(cases, pythons, rounds, target)
    # A partial run (--quick, some rules, some Pythons) never overwrites the
    # committed table: it goes under bench/.work unless named.
    partial = args.quick or args.rules or args.python or args.rounds or args.target
    where = HERE / ".work" if partial else None
    json_path = args.json or (where / TABLE.name if where else TABLE)
    markdown_path = args.markdown or (where / MARKDOWN.name if where else MARKDOWN)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    markdown_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps(table, indent=1) + "\n", encoding="utf-8")
    markdown_path.write_text(markdown(table), encoding="utf-8")
    print(f"wrote {json_path} and {markdown_path}", file=sys.stderr)
    print(markdown(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
