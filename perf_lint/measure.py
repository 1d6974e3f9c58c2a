"""``perf-lint profile``: profile a program, lint the code that ran, and,
with ``--fix``, keep only the fixes that leave its output identical and do
not make it slower, with the speedup measured.

Usage::

    perf-lint profile [OPTIONS] -- python prog.py ARGS...
    perf-lint profile [OPTIONS] -- python -m package.module ARGS...

``python`` stands for the interpreter perf-lint runs on, or ``--python
PATH`` (a path to an interpreter in its place is used as given). The
command:

1. runs the program once under ``cProfile`` in a child process and keeps
   the profile (``.perf-lint/profile.pstats`` in the project root, or
   ``--profile-out FILE``);
   When a rule that reads argument repeats is selected (PRF602), the
   program then runs once more, recording how often its busiest
   functions repeat their arguments, into ``PROFILE.calls.json`` beside
   the profile (``perf_lint.profiles.repeats``; its standard output is
   not shown);
2. lints the files of the project that ran (files in the profile under the
   project root; never the standard library; site-packages only with
   ``--include-site-packages``) and prints the report of ``perf-lint check
   --profile FILE --min-share PCT`` for them (``--min-share`` defaults to
   1: findings in code that holds less than 1% of the run are not shown);
3. with ``--fix`` (and ``--unsafe-fixes``): fixes the findings shown, then
   verifies the fixes. The program runs once with the original files (the
   baseline: standard output, exit code and each ``--output FILE``), once
   with the fixes (its output must be identical), then ``--rounds N``
   (default 5) times each, interleaved, timed by the CPU time of the child
   process. The fixes are kept when every run's output is identical and
   the median CPU time is not higher; otherwise they are rolled back, in
   halves by file, to find the file(s) at fault and keep the others. The
   last line is the measured speedup::

       before 1.234 s, after 1.180 s CPU (median of 5): 1.046x faster

The profiled run is ``python -m cProfile -o FILE prog.py ARGS`` (or ``-m
cProfile -o FILE -m module ARGS``); cProfile catches ``SystemExit``, so its
exit code only tells an uncaught exception (1). The verifying runs are
plain ``python prog.py ARGS`` runs, whose exit codes are compared.

Every run gets the same environment with ``PYTHONHASHSEED=0`` (unless it
is set), standard input from ``--stdin FILE`` (default: none), and its
standard output captured (compared, never shown); the files named by
``--output`` are removed before each run and get the original program's
content back at the end. The timed runs keep their byte code apart
(``-X pycache_prefix``, one directory per combination of fixed files) so
that no run can execute another version's cached byte code.

Interrupting the command (``Ctrl-C``, ``SIGTERM``) stops the program and
puts every file back as it was; each file is written whole (temporary file
and rename), so it is either original or fixed at any moment.

Exit codes: 0 when no finding at or above ``--min-share`` is left (with
``--fix``: every fix was kept), 1 when some are left (or fixes were rolled
back), 2 for errors (the program cannot be run, writes no profile, or its
output differs between two runs of the same code).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import (
    TYPE_CHECKING,
    Any,
    Counter,
    Dict,
    FrozenSet,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
)

from perf_lint.commands import CheckWatch, RunCheck
from perf_lint.commands import codes as _codes
from perf_lint.commands import jobs as _jobs
from perf_lint.commands import percent as _percent

if TYPE_CHECKING:  # pragma: no cover
    import subprocess

    from perf_lint.diagnostic import Diagnostic

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
DEFAULT_PROFILE = os.path.join(".perf-lint", "profile.pstats")
DEFAULT_MIN_SHARE = 1.0
DEFAULT_ROUNDS = 5


def add_parser(commands: Any) -> None:
    """Add the ``profile`` subcommand to ``commands`` (the subparsers of
    ``perf-lint``)."""
    profile = commands.add_parser(
        "profile",
        help="profile a program, lint the code that ran; with --fix, keep the verified fixes",
        description="Run `python prog.py ARGS` (or `python -m module ARGS`) under cProfile, "
        "lint the project's files that ran and rank the findings by the profile. With --fix, "
        "fix the hot findings, check that the output is identical and the program not "
        "slower, and print the measured speedup.",
    )
    profile.add_argument(
        "words",
        nargs=argparse.REMAINDER,
        metavar="-- python prog.py ARGS",
        help="the program to run: python prog.py ARGS, or python -m module ARGS",
    )
    running = profile.add_argument_group("running the program")
    running.add_argument(
        "--python", metavar="PATH", help="the interpreter (default: the one perf-lint runs on)"
    )
    running.add_argument(
        "--profile-out",
        metavar="FILE",
        help=f"where the profile is kept (default: {DEFAULT_PROFILE} in the project root)",
    )
    running.add_argument(
        "--stdin", metavar="FILE", help="standard input of every run (default: none)"
    )
    running.add_argument(
        "--include-site-packages",
        action="store_true",
        help="also lint (and fix) the site-packages code that ran",
    )
    fixing = profile.add_argument_group("fixing and verifying")
    fixing.add_argument(
        "--fix", action="store_true", help="fix the findings shown and verify the fixes"
    )
    fixing.add_argument("--unsafe-fixes", action="store_true", help="also apply unsafe fixes")
    fixing.add_argument(
        "--min-share",
        type=_percent,
        default=DEFAULT_MIN_SHARE,
        metavar="PCT",
        help=f"show and fix only findings at or above PCT%% of the run (default "
        f"{DEFAULT_MIN_SHARE:g})",
    )
    fixing.add_argument(
        "--output",
        action="append",
        default=[],
        metavar="FILE",
        help="a file the program writes, compared like its standard output (repeatable)",
    )
    fixing.add_argument(
        "--rounds",
        type=_jobs,
        default=DEFAULT_ROUNDS,
        metavar="N",
        help=f"timed runs of each version (default {DEFAULT_ROUNDS}; medians compared)",
    )
    checking = profile.add_argument_group("checking")
    checking.add_argument("--select", type=_codes, metavar="CODES", help="run only these rules")
    checking.add_argument("--ignore", type=_codes, default=[], metavar="CODES")
    checking.add_argument("--extend-select", type=_codes, default=[], metavar="CODES")
    checking.add_argument("--config", metavar="FILE", help="a pyproject.toml or TOML file")
    checking.add_argument(
        "--format",
        choices=("text", "json", "json-lines", "sarif", "github", "junit", "grouped"),
        default="text",
    )
    checking.add_argument("--statistics", action="store_true")
    checking.add_argument("--quiet", "-q", action="store_true", help="print the report only")
    checking.add_argument("--exit-zero", action="store_true")
    checking.add_argument("--no-cache", action="store_true")


class UsageError(Exception):
    """A command line that cannot be run (the message says why)."""


class _Edited(Exception):
    """A file changed under the run (someone else wrote it)."""


class _Unverifiable(Exception):
    """The program's output differs between runs of the same code."""


class Command(NamedTuple):
    """The program to run: ``interpreter script ARGS`` or ``interpreter -m
    module ARGS``."""

    interpreter: str
    module: bool
    target: str
    arguments: Sequence[str]

    def argv(self, options: Sequence[str] = ()) -> List[str]:
        """The command line, with ``options`` (``-m cProfile ...`` or
        ``-X ...``) between the interpreter and the program."""
        program = ["-m", self.target] if self.module else [self.target]
        return [self.interpreter, *options, *program, *self.arguments]

    def shown(self) -> str:
        import shlex

        program = ["-m", self.target] if self.module else [self.target]
        return " ".join(shlex.quote(word) for word in ["python", *program, *self.arguments])


def _looks_like_python(word: str) -> bool:
    import re

    return re.fullmatch(r"python[0-9.]*(\.exe)?", os.path.basename(word), re.IGNORECASE) is not None


def parse_command(words: Sequence[str], python: Optional[str]) -> Command:
    """The ``Command`` of the words after ``--`` (``UsageError`` says what
    is wrong with them)."""
    words = list(words)
    if words and words[0] == "--":
        words = words[1:]
    usage = "give the program after --: python prog.py ARGS, or python -m module ARGS"
    if not words:
        raise UsageError(f"no program to run; {usage}")
    interpreter = python or sys.executable
    if _looks_like_python(words[0]):
        given = words.pop(0)
        if os.sep in given or (os.altsep and os.altsep in given):
            if python is not None and os.path.realpath(given) != os.path.realpath(python):
                raise UsageError(f"two interpreters: --python {python} and {given}")
            interpreter = given
    if not words:
        raise UsageError(f"no program after the interpreter; {usage}")
    if words[0] == "-m":
        if len(words) < 2:
            raise UsageError(f"-m needs a module name; {usage}")
        return Command(interpreter, True, words[1], tuple(words[2:]))
    if words[0].startswith("-"):
        raise UsageError(f"interpreter option {words[0]} is not supported; {usage}")
    if not os.path.isfile(words[0]):
        raise UsageError(f"{words[0]}: no such file (the program to run)")
    return Command(interpreter, False, words[0], tuple(words[1:]))


class Interpreter(NamedTuple):
    """Where the child interpreter keeps its standard library and
    site-packages."""

    stdlib: FrozenSet[str]
    site: FrozenSet[str]


_QUERY = (
    "import json, sys, sysconfig; p = sysconfig.get_paths(); "
    "print(json.dumps([sys.version_info[:2], [p.get('stdlib'), p.get('platstdlib')], "
    "[p.get('purelib'), p.get('platlib')]]))"
)


def query_interpreter(interpreter: str) -> Interpreter:
    import json
    import subprocess

    try:
        done = subprocess.run(
            [interpreter, "-c", _QUERY], capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        raise UsageError(f"{interpreter}: cannot run it: {error}") from None
    try:
        version, stdlib, site = json.loads(done.stdout)
    except ValueError:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise UsageError(
            f"{interpreter}: not a Python interpreter that perf-lint can use"
            + (f" ({detail[0]})" if detail else "")
        ) from None
    if tuple(version) < (3, 8):
        raise UsageError(f"{interpreter}: Python {version[0]}.{version[1]}; 3.8 or later needed")

    def real(paths: Sequence[Optional[str]]) -> FrozenSet[str]:
        return frozenset(os.path.realpath(path) for path in paths if path)

    return Interpreter(real(stdlib), real(site))


def _under(path: str, directories: FrozenSet[str]) -> bool:
    from perf_lint.reading import lies_in

    return any(lies_in(path, top) for top in directories)


def ran_files(
    profile_path: str, root: str, interpreter: Interpreter, site_packages: bool
) -> List[str]:
    """The files of the project that the cProfile dump at ``profile_path``
    saw run: regular files under ``root``, and, with ``site_packages``, in
    a site-packages directory; never the standard library. Absolute paths,
    sorted."""
    import pstats

    stats: Dict[Any, Any] = pstats.Stats(profile_path).stats  # type: ignore[attr-defined]
    top = os.path.realpath(root)
    found = set()
    for filename in {key[0] for key in stats}:
        if not filename or filename.startswith(("<", "~")):
            continue
        path = os.path.abspath(filename)
        real = os.path.realpath(path)
        if not os.path.isfile(real) or _under(real, interpreter.stdlib):
            continue
        site = _under(real, interpreter.site) or any(
            part in ("site-packages", "dist-packages") for part in real.split(os.sep)
        )
        if site and not site_packages:
            continue
        if site or _under(real, frozenset([top])):
            found.add(path)
    return sorted(found)


class Result(NamedTuple):
    """What one run of the program produced, and its CPU time."""

    stdout: bytes
    exit_code: int
    outputs: Dict[str, Optional[bytes]]
    seconds: float
    stderr: bytes


def difference(before: Result, after: Result) -> Optional[str]:
    """How ``after`` differs from ``before`` (``None``: identical)."""
    if before.exit_code != after.exit_code:
        found = f"exit code {before.exit_code} before, {after.exit_code} after"
        last = after.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        return f"{found} ({last[0][:200]})" if last else found
    if before.stdout != after.stdout:
        return f"standard output differs, {_first_difference(before.stdout, after.stdout)}"
    for name, data in before.outputs.items():
        other = after.outputs.get(name)
        if data != other:
            if other is None:
                return f"{name} was not written"
            if data is None:
                return f"{name} was written, and it was not before"
            return f"{name} differs, {_first_difference(data, other)}"
    return None


def _first_difference(before: bytes, after: bytes) -> str:
    old, new = before.split(b"\n"), after.split(b"\n")
    for number, (line, other) in enumerate(zip(old, new), 1):
        if line != other:
            return f"first on line {number}"
    return f"{len(old)} lines before, {len(new)} after"


class Program:
    """Runs the command: under cProfile, or plainly and timed."""

    def __init__(self, command: Command, outputs: Sequence[str], stdin: Optional[str]) -> None:
        self.command = command
        self.outputs = list(outputs)
        self.stdin = stdin
        self.env = dict(os.environ)
        self.env.setdefault("PYTHONHASHSEED", "0")
        self.child: Optional[subprocess.Popen[bytes]] = None
        self.timer = "CPU" if hasattr(os, "wait4") else "wall"

    def profile(self, destination: str) -> Result:
        """Run under cProfile, writing the profile to ``destination``; the
        program's standard error is shown."""
        options = ["-m", "cProfile", "-o", destination]
        return self._run(self.command.argv(options), show_errors=True)

    def record_calls(self, destination: str, targets: str) -> Result:
        """Run under ``profiles/record_calls.py``, which records the argument
        repeats of the functions listed in the file ``targets`` into
        ``destination`` (``perf_lint.profiles.repeats``)."""
        from perf_lint.profiles.repeats import SCRIPT

        program = ["-m", self.command.target] if self.command.module else [self.command.target]
        argv = [self.command.interpreter, SCRIPT, destination, targets, "--", *program]
        return self._run([*argv, *self.command.arguments], show_errors=False)

    def run(self, cache: str) -> Result:
        """Run plainly, with its byte code cached under ``cache``."""
        return self._run(self.command.argv(["-X", f"pycache_prefix={cache}"]), show_errors=False)

    def _run(self, argv: List[str], show_errors: bool) -> Result:
        import subprocess
        import tempfile
        import time

        from perf_lint.files import held_signals

        for name in self.outputs:
            if os.path.lexists(name):
                os.unlink(name)
        source = open(self.stdin, "rb") if self.stdin else subprocess.DEVNULL  # noqa: SIM115
        try:
            with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
                started = time.perf_counter()
                # An interrupt waits until the child is known, so that it is
                # always killed (it could start untracked and outlive us).
                with held_signals():
                    child = self.child = subprocess.Popen(
                        argv,
                        stdin=source,
                        stdout=out,
                        stderr=None if show_errors else err,
                        env=self.env,
                    )
                if hasattr(os, "wait4"):
                    _, status, usage = os.wait4(child.pid, 0)
                    child.returncode = os.waitstatus_to_exitcode(status)
                    seconds = usage.ru_utime + usage.ru_stime
                else:  # pragma: no cover - Windows
                    child.wait()
                    seconds = time.perf_counter() - started
                self.child = None
                out.seek(0)
                err.seek(0)
                stdout, stderr = out.read(), err.read()
        finally:
            if not isinstance(source, int):
                source.close()
        outputs = {name: _read_or_none(name) for name in self.outputs}
        return Result(stdout, child.returncode, outputs, seconds, stderr)

    def stop(self) -> None:
        """Kill a run in progress (on an interrupt)."""
        child, self.child = self.child, None
        if child is not None and child.returncode is None:
            import contextlib

            with contextlib.suppress(OSError):
                child.kill()
            with contextlib.suppress(OSError, ChildProcessError):
                child.wait()


def _read_or_none(name: str) -> Optional[bytes]:
    try:
        with open(name, "rb") as handle:
            return handle.read()
    except OSError:
        return None


class FixedFile:
    """One file with a fix: its original and fixed bytes, each with its
    modification time (restored with the bytes, so that each version keeps
    its cached byte code, and two versions never share a time)."""

    def __init__(self, path: str, display: str, original: bytes, mtime_ns: int) -> None:
        self.path = path
        self.display = display
        self.original = original
        self.original_mtime = mtime_ns
        self.fixed = b""
        self.fixed_mtime: Optional[int] = None


class Tree:
    """The fixed files, each written as original or fixed on demand."""

    def __init__(self, fixed: Sequence[FixedFile]) -> None:
        self.files = list(fixed)

    def apply(self, chosen: FrozenSet[str]) -> None:
        """Make the files whose paths are in ``chosen`` fixed, the others
        original. ``_Edited`` when a file holds neither version."""
        for item in self.files:
            self._put(item, item.path in chosen)

    def restore(self, chosen: FrozenSet[str]) -> List[str]:
        """``apply``, going on past the files that cannot be put back;
        the problems, one message each."""
        problems = []
        for item in self.files:
            try:
                self._put(item, item.path in chosen)
            except _Edited:
                problems.append(f"{item.display}: changed by someone else; left as it is")
            except OSError as error:
                problems.append(f"{item.display}: cannot restore: {error.strerror or error}")
        return problems

    def _put(self, item: FixedFile, fixed: bool) -> None:
        from perf_lint import files, reading

        data = item.fixed if fixed else item.original
        mtime = item.fixed_mtime if fixed else item.original_mtime
        current = reading.read_identified(item.path)
        if current.data == data and (mtime is None or current.mtime_ns == mtime):
            return
        if current.data not in (item.original, item.fixed):
            raise _Edited(item.display)
        try:
            files.write_fixed(item.path, data, current)
        except files.ChangedOnDisk:
            raise _Edited(item.display) from None
        except files.Refused as refusal:
            raise OSError(str(refusal)) from None
        info = os.stat(item.path)
        if mtime is None:  # the first fixed version: a time of its own
            mtime = info.st_mtime_ns
            if mtime // 10**9 == item.original_mtime // 10**9:
                mtime = item.original_mtime + 10**9
            item.fixed_mtime = mtime
        os.utime(item.path, ns=(info.st_atime_ns, mtime))


class Measurement(NamedTuple):
    before: List[float]
    after: List[float]

    @property
    def medians(self) -> tuple:  # type: ignore[type-arg]
        import statistics

        return statistics.median(self.before), statistics.median(self.after)

    def not_slower(self) -> bool:
        before, after = self.medians
        return after <= before


class Verdict(NamedTuple):
    ok: bool
    reason: str
    measurement: Optional[Measurement]


def speedup(measurement: Measurement, timer: str = "CPU") -> str:
    """``before 1.234 s, after 1.180 s CPU (median of 5): 1.046x faster``."""
    before, after = measurement.medians
    rounds = len(measurement.after)
    ratio = before / after if after > 0 else float("inf")
    if ratio > 1:
        verdict = f"{ratio:.3f}x faster"
    elif ratio == 1:
        verdict = "1.000x (no change)"
    else:
        verdict = f"{ratio:.3f}x ({1 / ratio:.3f}x slower)"
    line = f"before {before:.3f} s, after {after:.3f} s {timer} (median of {rounds}): {verdict}"
    spread = noise(measurement)
    if ratio != 1 and abs(ratio - 1) <= spread:
        line += f"; within the rounds' noise (±{spread * 100:.1f}%): not measurably different"
    return line


def noise(measurement: Measurement) -> float:
    """How much the rounds of one version vary: the larger median absolute
    deviation of the two, relative to its median (a difference of medians no
    larger than this is not a measured speedup)."""
    import statistics

    spreads = []
    for times in (measurement.before, measurement.after):
        middle = statistics.median(times)
        if middle > 0 and len(times) > 1:
            spreads.append(statistics.median(abs(t - middle) for t in times) / middle)
    return max(spreads, default=0.0)


class Verifier:
    """Runs the program with chosen sets of fixed files, compares each run
    with the baseline and times the versions against each other."""

    def __init__(self, program: Program, tree: Tree, rounds: int, cache: str, say: Any) -> None:
        self.program = program
        self.tree = tree
        self.rounds = rounds
        self.cache = cache
        self.say = say
        self.caches: Dict[FrozenSet[str], str] = {}
        self.baseline: Optional[Result] = None
        self.measured: Dict[tuple, Measurement] = {}  # type: ignore[type-arg]
        self.accepted: FrozenSet[str] = frozenset()
        self.rejected: List[tuple] = []  # type: ignore[type-arg]

    def _run(self, chosen: FrozenSet[str]) -> Result:
        if chosen not in self.caches:
            self.caches[chosen] = os.path.join(self.cache, str(len(self.caches)))
        self.tree.apply(chosen)
        return self.program.run(self.caches[chosen])

    def record_baseline(self) -> Result:
        self.baseline = self._run(frozenset())
        return self.baseline

    def _check(self, result: Result, chosen: FrozenSet[str], base: FrozenSet[str]) -> Optional[str]:
        assert self.baseline is not None
        found = difference(self.baseline, result)
        if found is not None and chosen == base:
            raise _Unverifiable(found)
        return found

    def verify(self, base: FrozenSet[str], chosen: FrozenSet[str]) -> Verdict:
        """Run ``chosen`` once (its output must match), then both versions
        ``rounds`` times, interleaved. The measurement is remembered (the
        last one of each pair)."""
        found = self._check(self._run(chosen), chosen, base)
        if found is not None:
            # Blame the fixes only if the code without them still gives
            # the baseline's output (``_Unverifiable`` when it does not).
            self._check(self._run(base), base, base)
            return Verdict(False, f"the output changed: {found}", None)
        before: List[float] = []
        after: List[float] = []
        for round_number in range(self.rounds):
            order = [(base, before), (chosen, after)]
            if round_number % 2:
                order.reverse()
            for version, times in order:
                result = self._run(version)
                found = self._check(result, version, base if version is chosen else version)
                if found is not None:
                    return Verdict(False, f"the output changed: {found}", None)
                times.append(result.seconds)
        measurement = Measurement(before, after)
        self.measured[(base, chosen)] = measurement
        if measurement.not_slower():
            return Verdict(True, "", measurement)
        return Verdict(
            False,
            f"the program was slower with the fixes: {speedup(measurement, self.program.timer)}",
            measurement,
        )

    def decide(
        self, candidates: Sequence[FixedFile]
    ) -> Tuple[FrozenSet[str], Optional[Measurement]]:
        """The files whose fixes are kept, and the measurement of the
        program with them against the original program: ``search``, then,
        unless the fixes kept are the ones a measurement against the
        original program kept, a new measurement of them all, which rolls
        them all back if it finds the program slower."""
        self.search(candidates)
        final = self.accepted
        if not final:
            return final, None
        measurement = self.measured.get((frozenset(), final))
        if measurement is not None and measurement.not_slower():
            return final, measurement
        self.say("measuring the fixes kept against the original program")
        verdict = self.verify(frozenset(), final)
        if not verdict.ok:
            self.rejected.extend(
                (item, verdict.reason) for item in candidates if item.path in final
            )
            self.accepted = final = frozenset()
        return final, verdict.measurement

    def search(self, candidates: Sequence[FixedFile]) -> None:
        """Keep the candidates whose fixes verify, in halves."""
        names = ", ".join(item.display for item in candidates)
        self.say(f"verifying the fixes in {names}")
        verdict = self.verify(self.accepted, self.accepted | {item.path for item in candidates})
        if verdict.ok:
            self.accepted = self.accepted | {item.path for item in candidates}
            return
        if len(candidates) == 1:
            self.rejected.append((candidates[0], verdict.reason))
            return
        self.say(f"not kept ({verdict.reason}); trying them in halves")
        half = len(candidates) // 2
        self.search(candidates[:half])
        self.search(candidates[half:])


def _check_argv(args: argparse.Namespace, paths: Sequence[str], profile_path: str) -> List[str]:
    argv = ["check", *paths, "--profile", profile_path, "--min-share", repr(args.min_share)]
    for flag in ("select", "ignore", "extend_select"):
        codes = getattr(args, flag)
        if codes:
            argv += [f"--{flag.replace('_', '-')}", ",".join(codes)]
    if args.config:
        argv += ["--config", args.config]
    argv += ["--format", args.format]
    for flag in ("statistics", "quiet", "exit_zero", "no_cache", "unsafe_fixes"):
        if getattr(args, flag):
            argv.append(f"--{flag.replace('_', '-')}")
    return argv


def _report(check: RunCheck, argv: List[str]) -> tuple:  # type: ignore[type-arg]
    """Run ``perf-lint check`` with ``argv`` (its report is printed); its
    exit code and the diagnostics it showed."""
    watch = _Shown()
    return check(argv, watch), watch.shown


class _Shown(CheckWatch):
    """Keeps the diagnostics a check shows; it prints them as usual."""

    def __init__(self) -> None:
        self.shown: List[Diagnostic] = []

    def finished(self, diagnostics: Sequence[Diagnostic], failed: bool) -> Optional[int]:
        self.shown.extend(diagnostics)
        return None


def _fixes(check: RunCheck, argv: List[str]) -> tuple:  # type: ignore[type-arg]
    """Run ``perf-lint check --fix`` with ``argv`` without writing or
    printing anything: its exit code, the fixed files (``FixedFile``), the
    codes fixed per file and the diagnostics left."""
    watch = _Fixed()
    code = check([*argv, "--fix"], watch)
    watch.found.sort(key=lambda item: item.display)
    return code, watch.found, watch.counts, watch.left


class _Fixed(CheckWatch):
    """Takes every fixed file of a check (nothing is written) and the
    diagnostics left (nothing is printed)."""

    def __init__(self) -> None:
        self.found: List[FixedFile] = []
        self.counts: Dict[str, Any] = {}
        self.left: List[Diagnostic] = []

    def take(self, outcome: Any, fixed: Counter[str]) -> bool:
        task, read = outcome.task, outcome.task.read
        item = FixedFile(os.path.abspath(task.target), task.display, read.data, read.mtime_ns)
        item.fixed = outcome.result.fixed_bytes()
        self.found.append(item)
        self.counts[task.display] = fixed
        return True

    def finished(self, diagnostics: Sequence[Diagnostic], failed: bool) -> Optional[int]:
        self.left.extend(diagnostics)
        return EXIT_ERROR if failed else EXIT_CLEAN


class _Terminated(KeyboardInterrupt):
    """``SIGTERM``, handled as an interrupt."""


def run(args: argparse.Namespace, check: RunCheck) -> int:
    """The ``perf-lint profile`` command; ``check`` runs ``perf-lint check``
    (``cli.run_check``)."""
    import signal

    def terminated(signum: int, frame: Any) -> None:
        raise _Terminated()

    previous = signal.getsignal(signal.SIGINT), signal.signal(signal.SIGTERM, terminated)
    try:
        return Session(args, check).run()
    except UsageError as problem:
        _error(str(problem))
        return EXIT_ERROR
    finally:
        signal.signal(signal.SIGINT, previous[0])
        signal.signal(signal.SIGTERM, previous[1])


def _error(message: str) -> None:
    sys.stderr.write(f"perf-lint: error: {message}\n")


class Session:
    """One ``perf-lint profile`` run."""

    def __init__(self, args: argparse.Namespace, check: RunCheck) -> None:
        self.args = args
        self.check = check
        self.command = parse_command(args.words, args.python)
        for name in [*args.output, *([args.stdin] if args.stdin else [])]:
            if os.path.isdir(name):
                raise UsageError(f"{name}: a directory, not a file")
        if args.stdin and not os.path.isfile(args.stdin):
            raise UsageError(f"{args.stdin}: no such file (--stdin)")
        self.program = Program(self.command, args.output, args.stdin)
        self.out = sys.stdout if args.format == "text" else sys.stderr

    def say(self, message: str) -> None:
        """Progress, on standard error (not with ``--quiet``)."""
        if not self.args.quiet:
            sys.stderr.write(f"perf-lint: {message}\n")
            sys.stderr.flush()

    def _resolver(self):  # type: ignore[no-untyped-def]
        """The configuration resolver of this command line (``--config``,
        ``--select``, ``--extend-select``, ``--ignore``); a
        ``ConfigError`` when a file or selector is bad."""
        from pathlib import Path

        from perf_lint.config import Resolver

        args = self.args
        return Resolver.for_command_line(
            Path(args.config) if args.config else None,
            args.select,
            args.extend_select,
            args.ignore,
        )

    def _root(self) -> str:
        from perf_lint.config import ConfigError

        try:
            return str(self._resolver().for_path(os.getcwd()).root)
        except ConfigError as error:
            raise UsageError(str(error)) from None

    def run(self) -> int:
        args = self.args
        interpreter = query_interpreter(self.command.interpreter)
        root = self._root()
        destination = args.profile_out or os.path.join(root, DEFAULT_PROFILE)
        from perf_lint.profiles.repeats import sidecar

        try:
            os.makedirs(os.path.dirname(os.path.abspath(destination)), exist_ok=True)
            for stale in (destination, sidecar(destination)):
                if os.path.lexists(stale):
                    os.unlink(stale)
        except OSError as error:
            raise UsageError(f"{destination}: {error.strerror or error}") from None
        self.say(f"running {self.command.shown()} under cProfile")
        try:
            ran = self.program.profile(destination)
        except KeyboardInterrupt:
            self.program.stop()
            raise
        except OSError as error:
            raise UsageError(f"{self.command.interpreter}: cannot run it: {error}") from None
        if not os.path.isfile(destination):
            raise UsageError(
                f"{destination}: the program wrote no profile (exit code {ran.exit_code}); "
                "did it end with os._exit or crash?"
            )
        if ran.exit_code != 0:
            sys.stderr.write(
                f"perf-lint: warning: {self.command.target}: exited with code {ran.exit_code} "
                "under the profiler\n"
            )
        self.say(f"profile written to {_relative(destination)}")
        paths = ran_files(destination, root, interpreter, args.include_site_packages)
        if not paths:
            where = "in the project" if not args.include_site_packages else "outside the stdlib"
            raise UsageError(
                f"{_relative(destination)}: no file {where} ran (project root {root}); run "
                "from the project's directory, or pass --include-site-packages"
            )
        if self._wants_repeats(paths):
            self._record_repeats(destination, paths)
        shown_paths = [_relative(path) for path in paths]
        argv = _check_argv(args, shown_paths, _relative(destination))
        code, shown = _report(self.check, argv)
        if not args.fix or code == EXIT_ERROR:
            return code
        return self._fix(argv, shown, code)

    def _wants_repeats(self, paths: Sequence[str]) -> bool:
        """Whether a rule that reads argument repeats (PRF602) is selected
        for one of ``paths``."""
        from perf_lint.config import ConfigError
        from perf_lint.registry import BY_CODE

        try:
            resolver = self._resolver()
            for path in paths:
                codes = resolver.for_path(path).selected_codes(path)
                if any(getattr(BY_CODE[code], "READS_REPEATS", False) for code in codes):
                    return True
        except ConfigError as error:
            raise UsageError(str(error)) from None
        return False

    def _record_repeats(self, destination: str, paths: Sequence[str]) -> None:
        """Run the program once more, recording how often its busiest
        functions repeat their arguments, beside the profile
        (``perf_lint.profiles.repeats``). A run that fails to record leaves
        no record (a warning says so): PRF602 is then silent."""
        import json
        import pstats
        import tempfile

        from perf_lint.profiles import repeats

        stats: Dict[Any, Any] = pstats.Stats(destination).stats  # type: ignore[attr-defined]
        targets = repeats.targets(stats, paths)
        if not targets:
            return
        self.say(f"recording the arguments of {len(targets)} functions (one more run)")
        handle, name = tempfile.mkstemp(prefix="perf-lint-targets-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(targets, out)
            try:
                self.program.record_calls(repeats.sidecar(destination), name)
            except KeyboardInterrupt:
                self.program.stop()
                raise
            except OSError as error:
                raise UsageError(f"{self.command.interpreter}: cannot run it: {error}") from None
        finally:
            os.unlink(name)
        if not os.path.isfile(repeats.sidecar(destination)):
            sys.stderr.write(
                f"perf-lint: warning: {self.command.target}: no argument record was written "
                "(PRF602 is silent)\n"
            )

    def _fix(self, argv: List[str], shown: List[Diagnostic], code: int) -> int:
        from perf_lint.trust import Applicability

        args = self.args
        hot: Dict[str, List[Diagnostic]] = {}
        for diagnostic in shown:
            if not diagnostic.is_file_problem:
                hot.setdefault(diagnostic.path, []).append(diagnostic)
        out = self.out
        if not hot:
            out.write(f"No finding at or above {args.min_share:g}% of run time to fix.\n")
            return code
        paths = [arg for arg in argv[1 : argv.index("--profile")] if arg in hot]
        self.say(f"fixing the findings in {', '.join(paths)}")
        fix_code, fixed, counts, left = _fixes(
            self.check, ["check", *paths, *argv[argv.index("--profile") :]]
        )
        if fix_code == EXIT_ERROR:
            return EXIT_ERROR
        if not fixed:
            hidden = "" if args.unsafe_fixes else " (--unsafe-fixes also applies unsafe fixes)"
            out.write(f"No fix for the findings shown{hidden}.\n")
            return code
        fixable = 0
        for path in counts:
            fixable += sum(
                1
                for d in hot.get(path, [])
                if d.fix is not None
                and (args.unsafe_fixes or d.fix.applicability is Applicability.SAFE)
            )
        total = sum(sum(found.values()) for found in counts.values())
        out.write(
            f"Applied {total} fix{'es' if total != 1 else ''} in {len(fixed)} "
            f"file{'s' if len(fixed) != 1 else ''}: {', '.join(item.display for item in fixed)}\n"
        )
        if total > fixable:
            out.write(
                f"note: {total - fixable} more fix{'es' if total - fixable != 1 else ''} than "
                "fixable findings shown (a fix made another one possible); "
                "they are verified with the others\n"
            )
        out.flush()
        return self._verify(fixed, left, code)

    def _verify(self, fixed: List[FixedFile], left: List[Diagnostic], code: int) -> int:
        import shutil
        import signal
        import tempfile

        args, out = self.args, self.out
        tree = Tree(fixed)
        cache = tempfile.mkdtemp(prefix="perf-lint-pycache-")
        verifier = Verifier(self.program, tree, args.rounds, cache, self.say)
        final: FrozenSet[str] = frozenset()
        try:
            self.say("running the original program (baseline)")
            baseline = verifier.record_baseline()
            if baseline.exit_code != 0:
                sys.stderr.write(
                    f"perf-lint: warning: {self.command.target}: exited with code "
                    f"{baseline.exit_code}; the fixes must keep that\n"
                )
            final, measurement = verifier.decide(fixed)
            tree.apply(final)
        except _Unverifiable as problem:
            self._put_back(tree, frozenset())
            _error(
                f"{self.command.target}: the output differs between two runs of the same code "
                f"({problem}); the fixes cannot be verified and were rolled back"
            )
            return EXIT_ERROR
        except _Edited as problem:
            self._put_back(tree, frozenset())
            _error(f"{problem}: changed while perf-lint was verifying; the run stopped")
            return EXIT_ERROR
        except OSError as error:
            self._put_back(tree, frozenset())
            _error(f"{error.filename or self.command.target}: {error.strerror or error}")
            return EXIT_ERROR
        except BaseException:
            # An interrupt: stop the program, put every file back.
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            self.program.stop()
            self._put_back(tree, frozenset())
            raise
        finally:
            if verifier.baseline is not None:
                for name, data in verifier.baseline.outputs.items():
                    _put_output(name, data)
            shutil.rmtree(cache, ignore_errors=True)
        for item, reason in verifier.rejected:
            out.write(f"Rolled back {item.display}: {reason}\n")
        kept = [item.display for item in fixed if item.path in final]
        if kept:
            out.write(f"Kept the fixes in {', '.join(kept)}: output identical\n")
            assert measurement is not None
            out.write(speedup(measurement, self.program.timer) + "\n")
        else:
            out.write("No fix kept; every file is as it was.\n")
        # Findings are left: those without a fix, and those of the files
        # rolled back.
        if (left or verifier.rejected) and not args.exit_zero:
            return EXIT_FOUND
        return EXIT_CLEAN

    def _put_back(self, tree: Tree, chosen: FrozenSet[str]) -> None:
        for problem in tree.restore(chosen):
            _error(problem)


def _put_output(name: str, data: Optional[bytes]) -> None:
    """Give an ``--output`` file the original program's content back."""
    import contextlib

    with contextlib.suppress(OSError):
        if data is None:
            if os.path.lexists(name):
                os.unlink(name)
            return
        with open(name, "wb") as handle:
            handle.write(data)


def _relative(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return path if relative.startswith(os.pardir) else relative
