"""The profile-guided rules (PRF6xx): silent without a profile; with a real
profile taken inside the test, they report the hot code with its evidence,
their fixes keep the fixture programs' output, the results cache never
answers for another profile, and ``perf-lint profile`` records the
argument repeats PRF602 reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

from perf_lint.cli import main
from perf_lint.config import Config
from perf_lint.engine import Engine
from perf_lint.heat import ALL_HOT, NO_HEAT, FileHeat, FunctionHeat, Repeats
from perf_lint.registry import RULES
from tests.conftest import FIXTURES, fixture_code, fixture_sources

HOT_RULES = [rule for rule in RULES if rule.NEEDS_PROFILE]
HOT_FIXTURES = [path for path in fixture_sources() if fixture_code(path).startswith("PRF6")]
CODES = ",".join(rule.CODE for rule in HOT_RULES)

PROGRAM = """\
import sys


def classify(token):
    kinds = {"(": "open", ")": "close", ",": "comma"}
    return kinds.get(token, "word")


if __name__ == "__main__":
    print(sum(len(classify(t)) for t in "(a,b)" * int(sys.argv[1])))
"""


def test_the_hot_rules_are_the_prf6_family() -> None:
    assert {rule.CODE for rule in HOT_RULES} >= {"PRF601", "PRF602"}
    assert all(rule.CODE.startswith("PRF6") for rule in HOT_RULES)
    assert HOT_FIXTURES


@pytest.mark.parametrize("source", HOT_FIXTURES, ids=lambda p: p.name)
def test_no_finding_without_a_profile(source: Path) -> None:
    """Selected explicitly, on code they report with a profile: nothing."""
    config = Config(select=tuple(rule.CODE for rule in HOT_RULES))
    assert Engine(config).check_text(source.read_text(), str(source)).diagnostics == []
    # The command without --profile, the rules selected by name.
    done = _cli(["check", "--no-cache", "--select", CODES, str(source)])
    assert done == 0


def test_no_finding_with_a_profile_that_never_saw_the_file() -> None:
    source = FIXTURES / "PRF601.py"
    heat = _StaticNone()
    engine = Engine(Config(select=("PRF601", "PRF602")), heat=heat)
    assert engine.check_text(source.read_text(), str(source)).diagnostics == []


class _StaticNone:
    identity = "none"

    def for_file(self, path: str, source: str) -> FileHeat:
        return FileHeat(True)


@pytest.mark.parametrize("source", HOT_FIXTURES, ids=lambda p: p.name)
def test_fixed_fixture_programs_print_the_same(source: Path, tmp_path: Path) -> None:
    """Each fixture is a program; its fixed versions (as its snapshot
    records them) print what it prints."""
    from tests.test_fixtures import stored_outputs

    outputs = {output for output in stored_outputs(source) if output != source.read_bytes()}
    assert outputs, "a fixture of a fixing rule whose fix changes nothing"
    before = _run(source, tmp_path)
    for number, output in enumerate(sorted(outputs)):
        path = tmp_path / f"fixed{number}.py"
        path.write_bytes(output)
        assert _run(path, tmp_path) == before, output.decode()


def _run(path: Path, cwd: Path) -> str:
    done = subprocess.run(
        [sys.executable, str(path)], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


def _cli(argv: List[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit:  # pragma: no cover - argparse
        return int(exit.code or 0)


def _profile(tmp_path: Path, name: str, count: str) -> Path:
    out = tmp_path / name
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(out), "prog.py", count],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    return out


def test_check_with_profile_reports_the_evidence_in_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "prog.py").write_text(PROGRAM)
    _profile(tmp_path, "hot.pstats", "2000")  # classify: 10,000 calls
    monkeypatch.chdir(tmp_path)
    options = ["--select", "PRF601", "--profile", "hot.pstats", "--format", "json"]
    code = _cli(["check", "--no-cache", *options, "prog.py"])
    found = json.loads(capsys.readouterr().out)
    assert code == 1
    assert [(d["code"], d["location"]["row"]) for d in found] == [("PRF601", 5)]
    data = found[0]["data"]
    assert data["function"] == "classify" and data["calls"] == 10_000
    assert data["evidence"] == "`classify` called 10,000 times"
    assert "10,000 calls" in found[0]["message"]


def test_results_cache_never_answers_for_another_profile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same file, the same configuration, the cache on: a profile where
    the function is hot, then one where it is cold (10 calls), then the hot
    one again; each run answers for its own profile."""
    (tmp_path / "prog.py").write_text(PROGRAM)
    _profile(tmp_path, "hot.pstats", "2000")
    _profile(tmp_path, "cold.pstats", "2")
    monkeypatch.chdir(tmp_path)
    cache = ["--cache-dir", str(tmp_path / "cache"), "--select", "PRF601", "--format", "json"]

    def codes(profile: str) -> List[str]:
        _cli(["check", *cache, "--profile", profile, "prog.py"])
        return [d["code"] for d in json.loads(capsys.readouterr().out)]

    assert codes("hot.pstats") == ["PRF601"]
    assert codes("cold.pstats") == []
    assert codes("hot.pstats") == ["PRF601"]
    # A profile rewritten in place (same name) is another profile too.
    _profile(tmp_path, "hot.pstats", "2")
    os.utime(tmp_path / "hot.pstats", ns=(1, 1))
    assert codes("hot.pstats") == []
    # Without a profile, the cache has no finding of them either.
    assert codes_without_profile(cache, capsys) == []


def codes_without_profile(cache: List[str], capsys: pytest.CaptureFixture[str]) -> List[str]:
    _cli(["check", *cache, "prog.py"])
    return [d["code"] for d in json.loads(capsys.readouterr().out)]


def test_file_heat_answers_by_name_and_line() -> None:
    getter = FunctionHeat("C.x", 10, 0.1, 0.1)
    setter = FunctionHeat("C.x", 20, 0.1, 0.1)
    heat = FileHeat(True, {("C.x", 3): getter, ("C.x", 7): setter})
    assert heat.function("C.x", 3) is getter and heat.function("C.x", 7) is setter
    assert heat.function("C.x") is None  # two functions of that name
    assert heat.function("f") is None
    assert not NO_HEAT.known and NO_HEAT.function("f") is None
    assert ALL_HOT.for_file("x.py", "").function("anything") is not None


def test_repeats_hit_rate() -> None:
    assert Repeats(1000, 1000, 10).hit_rate == 0.99
    assert Repeats(1000, 500, 10).hit_rate == 0.49  # unhashable calls are misses
    assert Repeats(0, 0, 0).hit_rate == 0.0


PERF_LINT = (sys.executable, "-m", "perf_lint", "profile")
CACHEABLE = """\
import sys


def score(word):
    total = 0
    for char in word:
        total += ord(char) * 31 % 7
    return total


def main(count):
    words = [f"w{i % 20}" * 10 for i in range(count)]
    print(sum(score(w) for w in words))


if __name__ == "__main__":
    main(int(sys.argv[1]))
"""


def test_profile_command_records_repeats_and_reports_cacheable_calls(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(CACHEABLE)
    # The project root; `score` lasts 2 to 4 us a call under cProfile,
    # depending on the Python and the load: the threshold is set below it.
    (tmp_path / "pyproject.toml").write_text("[tool.perf-lint]\nmin-call-microseconds = 1\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    done = subprocess.run(
        [*PERF_LINT, "--select", "PRF602", "--format", "json", "--", "python", "prog.py", "3000"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert "recording the arguments of" in done.stderr
    record = json.loads((tmp_path / ".perf-lint" / "profile.pstats.calls.json").read_text())
    named = {item["name"]: item for item in record["functions"]}
    assert named["score"]["calls"] == 3000 and named["score"]["distinct"] == 20
    found = json.loads(done.stdout)
    assert [(d["code"], d["location"]["row"]) for d in found] == [("PRF602", 4)]
    data = found[0]["data"]
    assert data["recorded_calls"] == 3000 and data["distinct_arguments"] == 20
    assert data["hit_rate"] == round(2980 / 3000, 6) and data["maxsize"] == 128
    assert found[0]["fix"]["applicability"] == "unsafe"
    edits = "".join(edit["content"] for edit in found[0]["fix"]["edits"])
    assert "import functools" in edits and "@functools.lru_cache(maxsize=128)" in edits


def test_recorder_counts_unhashable_and_identity_arguments_as_misses(tmp_path: Path) -> None:
    from perf_lint.profiles import repeats

    (tmp_path / "p.py").write_text(
        "def f(x):\n    return 1\n\n\nclass O:\n    pass\n\n\n"
        "for i in range(50):\n    f([1])\n    f(O())\n    f((1, 'a'))\n"
    )
    targets = tmp_path / "t.json"
    targets.write_text(json.dumps([[str(tmp_path / "p.py"), 1, "f"]]))
    out = tmp_path / "calls.json"
    subprocess.run(
        [sys.executable, repeats.SCRIPT, str(out), str(targets), "--", str(tmp_path / "p.py")],
        check=True,
        cwd=tmp_path,
    )
    (record,) = repeats.load(str(out))
    assert (record.calls, record.keyed, record.distinct, record.capped) == (150, 50, 1, False)


def test_profile_heat_gives_calls_shares_and_lines() -> None:
    """A cProfile dump (calls, own and cumulative share) and py-spy's raw
    output (shares of each line) of the same program."""
    import tempfile

    from perf_lint.profiles import DEFAULT_LIMIT
    from perf_lint.profiles.heat import ProfileHeat

    data = Path(__file__).resolve().parent / "data" / "profiles"
    app = data / "app.py"
    source = app.read_text()
    sampled = ProfileHeat((str(data / "app.py-spy.txt"),), DEFAULT_LIMIT, str(data))
    heat = sampled.for_file(str(app), source)
    hot = heat.function("hot", 17)
    assert hot is not None and hot.calls is None  # samples count no calls
    assert hot.lines is not None and hot.lines.get(20, 0) > 0.05
    assert hot.line_share(17, 24) == pytest.approx(sum(hot.lines.values()))
    assert hot.self_share > 0.05 and hot.cumulative_share >= hot.self_share
    with tempfile.TemporaryDirectory() as where:
        dump = os.path.join(where, "app.pstats")
        subprocess.run(
            [sys.executable, "-m", "cProfile", "-o", dump, str(app), "20"],
            cwd=where,
            check=True,
            capture_output=True,
        )
        exact = ProfileHeat((dump,), DEFAULT_LIMIT, str(data)).for_file(str(app), source)
        assert exact.function("hot", 17).calls == 500  # 25 a round  # type: ignore[union-attr]
        assert exact.function("hot", 17).lines is None  # type: ignore[union-attr]
        assert exact.function("never", 39) is None  # never run
        # The two `parse` methods are told apart by their qualified names.
        assert exact.function("Reader.parse", 45) is not exact.function("Writer.parse", 50)


def test_recorder_wraps_the_functions_of_imported_modules(tmp_path: Path) -> None:
    """Functions and static methods of an imported module are wrapped (no
    trace hook); a call by keyword is another cache key, as for lru_cache."""
    from perf_lint.profiles import repeats

    lib = tmp_path / "lib.py"
    lib.write_text(
        "def f(x):\n    return 1\n\n\nclass K:\n    @staticmethod\n    def s(x):\n"
        "        return 2\n\n    def m(self, x):\n        return 3\n"
    )
    (tmp_path / "p.py").write_text(
        "import sys\nimport lib\n\nfor i in range(50):\n    lib.f(i % 5)\n    lib.f(x=1)\n"
        "    lib.K.s((1, 'a'))\n    lib.K().m(1)\nassert sys.gettrace() is None\n"
    )
    targets = tmp_path / "t.json"
    wanted = [[str(lib), 1, "f"], [str(lib), 6, "s"], [str(lib), 10, "m"]]
    targets.write_text(json.dumps(wanted))
    out = tmp_path / "calls.json"
    subprocess.run(
        [sys.executable, repeats.SCRIPT, str(out), str(targets), "--", str(tmp_path / "p.py")],
        check=True,
        cwd=tmp_path,
    )
    found = {record.name: record for record in repeats.load(str(out))}
    assert (found["f"].calls, found["f"].keyed, found["f"].distinct) == (100, 100, 6)
    assert (found["K.s"].calls, found["K.s"].keyed, found["K.s"].distinct) == (50, 50, 1)
    assert (found["K.m"].calls, found["K.m"].keyed) == (50, 0)  # self: by identity


def test_no_recording_run_without_a_rule_that_reads_it(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(CACHEABLE)
    (tmp_path / "pyproject.toml").write_text("[tool.perf-lint]\n")
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    done = subprocess.run(
        [*PERF_LINT, "--ignore", "PRF602", "--", "python", "prog.py", "300"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**env, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
        timeout=300,
    )
    assert done.returncode in (0, 1), done.stderr
    assert "recording the arguments" not in done.stderr
    assert not (tmp_path / ".perf-lint" / "profile.pstats.calls.json").exists()


def test_constants_rule_is_silent_with_a_sampling_profile() -> None:
    """A sampled profile counts no calls: PRF601 (which needs them) is
    silent, even where every function is hot."""
    from perf_lint.heat import StaticHeat, hot

    sampled = StaticHeat(default=dataclass_replace(hot(), calls=None))
    engine = Engine(Config(select=("PRF601",)), heat=sampled)
    source = "def f(k):\n    t = {'a': 1, 'b': 2}\n    return t.get(k)\n"
    assert engine.check_text(source, "x.py").diagnostics == []
    assert Engine(Config(select=("PRF601",)), heat=ALL_HOT).check_text(source, "x.py").diagnostics


def dataclass_replace(value: FunctionHeat, **changes: object) -> FunctionHeat:
    import dataclasses

    return dataclasses.replace(value, **changes)  # type: ignore[arg-type]
