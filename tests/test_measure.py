"""``perf-lint profile``: one command that profiles a program (a real
cProfile run inside each test), lints the project files that ran, and,
with ``--fix``, keeps only the fixes that leave the output identical and do
not make the program slower, with the speedup measured.

The programs are tiny and written into ``tmp_path``; their hot function
holds a PRF101 finding (membership in a 16-item list literal, about 20%
slower than the set its fix writes). The "bad" fix is a real one: with
``--unsafe-fixes`` PRF101 turns ``v in [1, 2, 3]`` into ``v in {1, 2, 3}``,
which raises ``TypeError`` for an unhashable ``v`` where the list did not,
so a program that counts those errors prints something else."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, FrozenSet, List, NamedTuple

import pytest

from perf_lint import measure

HOT = """\
import sys


def hot(n):
    total = 0
    for i in range(n):
        if i in [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]:
            total += i
    return total


if __name__ == "__main__":
    print(hot(int(sys.argv[1])))
"""
HOT_FIXED = HOT.replace(
    "[1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]",
    "{1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31}",
)

GOOD = """\
def hot(n):
    total = 0
    for i in range(n):
        if i in [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31]:
            total += i
    return total
"""
# A fix that changes the output: the set raises TypeError for [1].
BAD = """\
def classify(values):
    count = 0
    for v in values:
        try:
            if v in [1, 2, 3]:
                count += 1
        except TypeError:
            count += 100
    return count
"""
MAIN = """\
import sys

from app.bad import classify
from app.good import hot

n = int(sys.argv[1])
print(hot(n))
print(classify([1, 5, [1], 2] * (n // 8)))
"""
WORK = "300000"
PERF_LINT = (sys.executable, "-m", "perf_lint")


class Run(NamedTuple):
    rc: int
    out: str
    err: str


def perf_lint(cwd: Path, *args: str) -> Run:
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", *args],
        cwd=cwd,
        capture_output=True,
        stdin=subprocess.DEVNULL,
        env=_env(),
        timeout=300,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def _env() -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "CI")}


def program(tmp_path: Path, text: str = HOT, name: str = "prog.py") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def package(tmp_path: Path) -> Path:
    app = tmp_path / "app"
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "good.py").write_text(GOOD)
    (app / "bad.py").write_text(BAD)
    (app / "__main__.py").write_text(MAIN)
    return app


SPEEDUP = (
    r"before \d+\.\d{3} s, after \d+\.\d{3} s CPU \(median of 3\): \d+\.\d{3}x faster"
    r"(; within the rounds' noise \(±\d+\.\d%\): not measurably different)?"
)


def test_profile_lints_the_code_that_ran_and_keeps_the_profile(tmp_path: Path) -> None:
    prog = program(tmp_path)
    (tmp_path / "unused.py").write_text("x = 1 in [1, 2]\n")  # never runs: not linted
    result = perf_lint(tmp_path, "profile", "--", "python", "prog.py", "20000")
    assert result.rc == 1, result
    assert "prog.py:7:17: PRF101" in result.out
    assert "of run time" in result.out
    assert "unused.py" not in result.out
    assert "threading.py" not in result.out and "cProfile" not in result.out  # no stdlib
    assert "Profile: .perf-lint/profile.pstats" in result.out
    assert (tmp_path / ".perf-lint" / "profile.pstats").is_file()
    assert prog.read_text() == HOT  # no --fix: nothing written
    # The program's standard output is captured, not mixed into the report.
    assert "256" not in result.out  # hot(20000) == 1 + 3 + ... + 31 == 256


def test_profile_out_and_explicit_interpreter(tmp_path: Path) -> None:
    program(tmp_path)
    result = perf_lint(
        tmp_path,
        "profile",
        "--profile-out",
        "run.pstats",
        "--python",
        sys.executable,
        "--",
        "python",
        "prog.py",
        "2000",
    )
    assert result.rc == 1, result
    assert "Profile: run.pstats" in result.out
    assert (tmp_path / "run.pstats").is_file()
    assert not (tmp_path / ".perf-lint").exists()


def test_fix_that_keeps_the_output_is_kept_with_the_speedup(tmp_path: Path) -> None:
    prog = program(tmp_path)
    result = perf_lint(
        tmp_path,
        "profile",
        "--fix",
        "--unsafe-fixes",
        "--rounds",
        "3",
        "--",
        "python",
        "prog.py",
        WORK,
    )
    assert result.rc == 0, result
    assert prog.read_text() == HOT_FIXED
    assert "Applied 1 fix in 1 file: prog.py" in result.out
    assert "Kept the fixes in prog.py: output identical" in result.out
    assert result.out.splitlines()[-1].startswith("before ")
    import re

    assert re.fullmatch(SPEEDUP, result.out.splitlines()[-1]), result.out
    assert not list(tmp_path.glob(".perf-lint-*.tmp"))


def test_fix_that_changes_the_output_is_rolled_back(tmp_path: Path) -> None:
    prog = program(
        tmp_path,
        BAD + "\n\nprint(classify([1, 5, [1], 2] * 20000))\n",
    )
    before = prog.read_bytes()
    mtime = prog.stat().st_mtime_ns
    result = perf_lint(
        tmp_path, "profile", "--fix", "--unsafe-fixes", "--rounds", "3", "--", "python", "prog.py"
    )
    assert result.rc == 1, result
    assert "Applied 1 fix in 1 file: prog.py" in result.out
    assert "Rolled back prog.py: the output changed: standard output differs" in result.out
    assert "No fix kept; every file is as it was." in result.out
    assert prog.read_bytes() == before
    assert prog.stat().st_mtime_ns == mtime  # the original, time included


def test_module_form_rolls_back_only_the_culprit_file(tmp_path: Path) -> None:
    app = package(tmp_path)
    result = perf_lint(
        tmp_path,
        "profile",
        "--fix",
        "--unsafe-fixes",
        "--rounds",
        "3",
        "--",
        "python",
        "-m",
        "app",
        WORK,
    )
    assert result.rc == 1, result
    assert "Applied 2 fixes in 2 files: app/bad.py, app/good.py" in result.out
    assert (
        "Rolled back app/bad.py: the output changed: standard output differs, first on line 2"
        in result.out
    )
    assert "Kept the fixes in app/good.py: output identical" in result.out
    assert "trying them in halves" in result.err
    assert (app / "bad.py").read_text() == BAD
    assert (app / "good.py").read_text() == GOOD.replace("[1, 3,", "{1, 3,").replace("31]", "31}")
    assert (app / "__main__.py").read_text() == MAIN


def test_output_files_are_compared(tmp_path: Path) -> None:
    prog = program(
        tmp_path,
        BAD
        + "\n\nwith open('out.txt', 'w') as out:\n"
        + "    out.write(str(classify([1, 5, [1], 2] * 20000)))\nprint('done')\n",
    )
    before = prog.read_text()
    result = perf_lint(
        tmp_path,
        "profile",
        "--fix",
        "--unsafe-fixes",
        "--rounds",
        "3",
        "--output",
        "out.txt",
        "--",
        "python",
        "prog.py",
    )
    assert result.rc == 1, result
    assert "Rolled back prog.py: the output changed: out.txt differs" in result.out
    assert prog.read_text() == before
    # The output file holds the original program's output at the end.
    assert (tmp_path / "out.txt").read_text() == str(2 * 20000)


def test_min_share_limits_the_files_fixed(tmp_path: Path) -> None:
    program(tmp_path, HOT.replace("import sys\n", "import sys\n\nimport cold\n"))
    cold = tmp_path / "cold.py"
    cold_text = "def f(x):\n    return x in [1, 2]\n\n\nf(1)\n"
    cold.write_text(cold_text)
    result = perf_lint(
        tmp_path,
        "profile",
        "--fix",
        "--unsafe-fixes",
        "--rounds",
        "3",
        "--min-share",
        "5",
        "--",
        "python",
        "prog.py",
        WORK,
    )
    assert "cold.py:2:" not in result.out  # below 5%: neither shown nor fixed
    assert cold.read_text() == cold_text
    assert (tmp_path / "prog.py").read_text().count("{1, 3, 5") == 1
    assert result.rc == 0, result


def test_nondeterministic_program_cannot_be_verified(tmp_path: Path) -> None:
    prog = program(
        tmp_path,
        HOT.replace(
            "    print(hot(int(sys.argv[1])))",
            "    import time\n    print(hot(int(sys.argv[1])), time.time_ns())",
        ),
    )
    before = prog.read_text()
    result = perf_lint(
        tmp_path,
        "profile",
        "--fix",
        "--unsafe-fixes",
        "--rounds",
        "3",
        "--",
        "python",
        "prog.py",
        "2000",
    )
    assert result.rc == 2, result
    assert "differs between two runs of the same code" in result.err
    assert "prog.py" in result.err
    assert prog.read_text() == before


@pytest.mark.parametrize(
    "words, message",
    [
        ([], "no program to run"),
        (["python"], "no program after the interpreter"),
        (["python", "missing.py"], "missing.py: no such file"),
        (["python", "-c", "pass"], "interpreter option -c is not supported"),
        (["python", "-m"], "-m needs a module name"),
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, words: list, message: str) -> None:  # type: ignore[type-arg]
    result = perf_lint(tmp_path, "profile", "--", *words)
    assert result.rc == 2, result
    assert message in result.err
    assert "Traceback" not in result.err


def test_program_without_profile_or_project_code_exits_2(tmp_path: Path) -> None:
    program(tmp_path, "import os\nos._exit(0)\n")
    result = perf_lint(tmp_path, "profile", "--", "python", "prog.py")
    assert result.rc == 2
    assert "the program wrote no profile" in result.err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = program(tmp_path, HOT, "outside.py")
    result = perf_lint(elsewhere, "profile", "--", "python", str(outside), "10")
    assert result.rc == 2
    assert "no file in the project ran" in result.err
    result = perf_lint(tmp_path, "profile", "--python", str(tmp_path / "nope"), "--", "prog.py")
    assert result.rc == 2 and "cannot run it" in result.err


def test_clean_program_exits_0_and_crashing_program_warns(tmp_path: Path) -> None:
    program(tmp_path, "import sys\nprint(sum(range(10)))\nassert sys.argv[1] == '0'\n")
    result = perf_lint(tmp_path, "profile", "--", "python", "prog.py", "0")
    assert result.rc == 0, result
    result = perf_lint(
        tmp_path, "profile", "--stdin", "prog.py", "--", sys.executable, "prog.py", "3"
    )
    assert result.rc == 0, result
    assert "prog.py: exited with code 1 under the profiler" in result.err
    assert "perf-lint: error" not in result.err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupt_leaves_every_file_original_or_fixed(tmp_path: Path, signum: int) -> None:
    app = package(tmp_path)
    log = tmp_path / "runs.log"
    (app / "__main__.py").write_text(
        MAIN + "with open('runs.log', 'a') as log:\n    log.write('run\\n')\n"
    )
    originals = {path: path.read_text() for path in app.iterdir()}
    fixed = {
        app / "good.py": GOOD.replace("[1, 3,", "{1, 3,").replace("31]", "31}"),
        app / "bad.py": BAD.replace("[1, 2, 3]", "{1, 2, 3}"),
    }
    child = subprocess.Popen(
        [
            *PERF_LINT,
            "profile",
            "--fix",
            "--unsafe-fixes",
            "--rounds",
            "50",
            "--",
            "python",
            "-m",
            "app",
            WORK,
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    deadline = time.monotonic() + 120
    # Runs: the profile, the baseline, the fixed version; then timed ones.
    while not log.exists() or log.read_text().count("run") < 5:
        assert child.poll() is None, child.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    child.send_signal(signum)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 130, (out, err)
    assert b"interrupted" in err
    for path in app.iterdir():
        if path.suffix == ".py":
            assert path.read_text() in (originals[path], fixed.get(path)), path
            # Not verified, so put back.
            assert path.read_text() == originals[path], path
    assert not list(app.glob(".perf-lint-*.tmp"))
    runs = log.read_text().count("run")
    time.sleep(0.5)
    assert log.read_text().count("run") == runs  # no run left going


def test_parse_command() -> None:
    here = os.path.abspath(__file__)
    command = measure.parse_command(["--", "python", here, "-x", "1"], None)
    assert command == measure.Command(sys.executable, False, here, ("-x", "1"))
    assert command.argv(["-X", "y"]) == [sys.executable, "-X", "y", here, "-x", "1"]
    command = measure.parse_command(["python3", "-m", "pkg.mod", "a"], "/opt/py/bin/python")
    assert command == measure.Command("/opt/py/bin/python", True, "pkg.mod", ("a",))
    assert command.argv() == ["/opt/py/bin/python", "-m", "pkg.mod", "a"]
    command = measure.parse_command(["/usr/bin/python3.11", "-m", "m"], None)
    assert command.interpreter == "/usr/bin/python3.11"
    command = measure.parse_command(["-m", "m"], None)  # the word python may be left out
    assert command == measure.Command(sys.executable, True, "m", ())
    with pytest.raises(measure.UsageError, match="two interpreters"):
        measure.parse_command(["/usr/bin/python3", "-m", "m"], "/opt/python")


def test_speedup_line() -> None:
    measurement = measure.Measurement([1.3, 1.234, 1.5], [1.18, 1.2, 1.1])
    assert measure.speedup(measurement) == (
        "before 1.300 s, after 1.180 s CPU (median of 3): 1.102x faster"
    )
    assert measurement.not_slower()
    slower = measure.Measurement([1.0], [1.25])
    assert measure.speedup(slower).endswith("0.800x (1.250x slower)")
    assert not slower.not_slower()


def test_difference() -> None:
    base = measure.Result(b"a\nb\n", 0, {"o": b"x"}, 1.0, b"")
    assert measure.difference(base, base._replace(seconds=2.0, stderr=b"noise")) is None
    assert measure.difference(base, base._replace(exit_code=1)) == "exit code 0 before, 1 after"
    crashed = base._replace(exit_code=1, stderr=b"Traceback\n  ...\nTypeError: boom\n")
    assert measure.difference(base, crashed) == "exit code 0 before, 1 after (TypeError: boom)"
    assert measure.difference(base, base._replace(stdout=b"a\nc\n")) == (
        "standard output differs, first on line 2"
    )
    assert measure.difference(base, base._replace(outputs={"o": None})) == "o was not written"


class FakeProgram:
    """Stands in for ``Program`` in ``Verifier``: the output is always the
    same; the CPU time of a run is ``timing(fixed files, how many runs of
    that combination came before)``."""

    timer = "CPU"

    def __init__(self, tree: measure.Tree, timing: Any) -> None:
        self.tree = tree
        self.timing = timing
        self.runs: Dict[FrozenSet[str], int] = {}

    def run(self, cache: str) -> measure.Result:
        state = frozenset(
            Path(item.path).name
            for item in self.tree.files
            if Path(item.path).read_bytes() == item.fixed
        )
        count = self.runs.get(state, 0)
        self.runs[state] = count + 1
        return measure.Result(b"same\n", 0, {}, self.timing(state, count), b"")


def fixed_files(tmp_path: Path) -> List[measure.FixedFile]:
    found = []
    for name in ("a.py", "b.py"):
        path = tmp_path / name
        path.write_bytes(b"x in [1, 2]\n")
        item = measure.FixedFile(str(path), name, path.read_bytes(), path.stat().st_mtime_ns)
        item.fixed = b"x in {1, 2}\n"
        found.append(item)
    return found


ROUNDS = 3
ONE_VERIFICATION = 1 + ROUNDS  # the check run, then the timed rounds


def both_times(*phases: float) -> Any:
    """Timing where no fix: 1.0 s, a.py fixed: 0.99 s, both fixed: the
    ``phases`` in turn, one per verification of them."""

    def timing(state: FrozenSet[str], count: int) -> float:
        if state == {"a.py", "b.py"}:
            return phases[min(count // ONE_VERIFICATION, len(phases) - 1)]
        return {frozenset(): 1.0, frozenset({"a.py"}): 0.99}.get(state, 1.5)

    return timing


def test_verifier_halves_then_measures_the_fixes_kept_again(tmp_path: Path) -> None:
    # Both fixes look slower the first time (1.01 s), a.py alone is faster,
    # then both against a.py alone are faster: the measurement printed is a
    # new one of both against the original program, not the first.
    files = fixed_files(tmp_path)
    tree = measure.Tree(files)
    fake = FakeProgram(tree, both_times(1.01, 0.98, 0.97))
    verifier = measure.Verifier(fake, tree, ROUNDS, str(tmp_path / "c"), lambda _: None)  # type: ignore[arg-type]
    verifier.record_baseline()
    final, measurement = verifier.decide(files)
    assert final == {item.path for item in files}
    assert measurement is not None and measurement.medians == (1.0, 0.97)
    assert not verifier.rejected
    tree.apply(final)
    for item in files:
        # Same size, so a fixed version never shares the original's second:
        # no cached byte code of one can pass for the other.
        assert Path(item.path).read_bytes() == item.fixed
        seconds = Path(item.path).stat().st_mtime_ns // 10**9
        assert seconds != item.original_mtime // 10**9


def test_verifier_rolls_everything_back_when_the_last_measurement_is_slower(
    tmp_path: Path,
) -> None:
    files = fixed_files(tmp_path)
    tree = measure.Tree(files)
    fake = FakeProgram(tree, both_times(1.01, 0.98, 1.02))
    verifier = measure.Verifier(fake, tree, ROUNDS, str(tmp_path / "c"), lambda _: None)  # type: ignore[arg-type]
    verifier.record_baseline()
    final, measurement = verifier.decide(files)
    assert final == frozenset()
    assert measurement is not None and measurement.medians == (1.0, 1.02)
    assert [item.display for item, _ in verifier.rejected] == ["a.py", "b.py"]
    assert all("slower" in reason for _, reason in verifier.rejected)
    tree.apply(final)
    assert all(Path(item.path).read_bytes() == item.original for item in files)


def test_fixes_below_min_share_in_a_hot_file_are_not_applied(tmp_path: Path) -> None:
    cold = "\n\ndef cold(x):\n    return x in [2, 4]\n\n\ncold(2)\n"
    prog = program(tmp_path, HOT + cold)
    result = perf_lint(
        tmp_path,
        "profile",
        "--fix",
        "--unsafe-fixes",
        "--rounds",
        "3",
        "--",
        "python",
        "prog.py",
        WORK,
    )
    assert "prog.py:7:17: PRF101" in result.out
    assert "prog.py:17" not in result.out  # the cold finding is not shown
    text = prog.read_text()
    assert "{1, 3, 5" in text
    # `check --fix --min-share` fixes only the findings it shows.
    assert "x in [2, 4]" in text
    assert "Applied 1 fix in 1 file: prog.py" in result.out
    assert "note:" not in result.out


def test_fix_that_makes_the_program_fail_is_rolled_back(tmp_path: Path) -> None:
    crashing = "def find(values):\n    return sum(1 for v in values if v in [1, 2, 3])\n"
    prog = program(tmp_path, crashing + "\n\nprint(find([1, 5, [1], 2] * 20000))\n")
    before = prog.read_text()
    result = perf_lint(
        tmp_path, "profile", "--fix", "--unsafe-fixes", "--rounds", "3", "--", "python", "prog.py"
    )
    assert result.rc == 1, result
    assert (
        "Rolled back prog.py: the output changed: exit code 0 before, 1 after (TypeError: "
        in result.out
    )
    assert prog.read_text() == before


def test_site_packages_only_when_asked(tmp_path: Path) -> None:
    site = tmp_path / "env" / "lib" / "site-packages"
    site.mkdir(parents=True)
    (site / "dep.py").write_text(GOOD)
    program(
        tmp_path, f"import sys\nsys.path.insert(0, {str(site)!r})\nimport dep\ndep.hot(20000)\n"
    )
    result = perf_lint(tmp_path, "profile", "--", "python", "prog.py")
    assert result.rc == 0, result  # prog.py itself holds no finding
    assert "dep.py" not in result.out
    result = perf_lint(tmp_path, "profile", "--include-site-packages", "--", "python", "prog.py")
    assert result.rc == 1, result
    assert "env/lib/site-packages/dep.py:4:17: PRF101" in result.out


def test_a_speedup_within_the_noise_of_the_rounds_says_so() -> None:
    """A fix worth less than the rounds vary is not reported as a speedup
    (seen on real programs: the same fix measured 0.96x to 1.03x)."""
    noisy = measure.Measurement(before=[1.00, 1.05, 0.95, 1.04, 0.96], after=[0.99] * 5)
    assert measure.speedup(noisy).endswith(
        "1.010x faster; within the rounds' noise (±4.0%): not measurably different"
    )
    steady = measure.Measurement(before=[1.00, 1.001, 0.999], after=[0.90, 0.901, 0.899])
    assert measure.speedup(steady) == (
        "before 1.000 s, after 0.900 s CPU (median of 3): 1.111x faster"
    )
