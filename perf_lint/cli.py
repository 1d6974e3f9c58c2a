"""The ``perf-lint`` command: ``check``, ``profile`` (``measure.py``), ``rule``
and ``rules``.

Exit codes: 0 when no diagnostic is left, 1 when some are (or ``--diff``
would change a file), 2 for usage, configuration and internal errors."""

from __future__ import annotations

import argparse
import functools
import io
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Counter, Dict, List, Optional, Sequence, TextIO, Tuple

from perf_lint import __version__
from perf_lint.commands import CheckWatch
from perf_lint.commands import codes as _codes
from perf_lint.commands import jobs as _jobs
from perf_lint.commands import percent as _percent

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.diagnostic import Diagnostic
    from perf_lint.runner import Outcome, Task

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def _patterns(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _target(text: str) -> str:
    from perf_lint.targets import TARGET_VERSIONS

    if text not in TARGET_VERSIONS:
        raise argparse.ArgumentTypeError(
            f"invalid choice: {text!r} (choose from {', '.join(TARGET_VERSIONS)})"
        )
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perf-lint", description="Find performance anti-patterns in Python code and fix them."
    )
    parser.add_argument("--version", action="version", version=f"perf-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    check = commands.add_parser("check", help="lint files or directories (default: .)")
    check.add_argument(
        "paths", nargs="*", metavar="PATH", help='files or directories; "-" reads stdin'
    )
    fixing = check.add_argument_group("fixing")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes and write the files")
    fixing.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="also consider unsafe fixes (applied with --fix or shown by --diff)",
    )
    fixing.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; write nothing"
    )
    fixing.add_argument(
        "--show-fixes", action="store_true", help="list the fixes applied, per file"
    )
    fixing.add_argument(
        "--fix-only",
        action="store_true",
        help="apply fixes, but neither report nor fail on what is left (implies --fix)",
    )
    fixing.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when a file was fixed, even if no diagnostic is left",
    )
    fixing.add_argument(
        "--add-noqa",
        action="store_true",
        help="add a `# noqa: CODE` comment to every line with a diagnostic",
    )
    selection = check.add_argument_group("rule selection (code prefixes, comma-separated)")
    selection.add_argument("--select", type=_codes, metavar="CODES", help="run only these rules")
    selection.add_argument("--ignore", type=_codes, default=[], metavar="CODES", help="skip these")
    selection.add_argument(
        "--extend-select",
        type=_codes,
        default=[],
        metavar="CODES",
        help="add these to the selection",
    )
    selection.add_argument(
        "--per-file-ignores",
        action="append",
        metavar="PATTERN:CODES",
        help="replace `per-file-ignores` (e.g. 'tests/*:PRF101,PRF102'; repeatable)",
    )
    selection.add_argument(
        "--extend-per-file-ignores",
        action="append",
        metavar="PATTERN:CODES",
        help="add to `per-file-ignores` (repeatable)",
    )
    selection.add_argument(
        "--ignore-noqa", action="store_true", help="`# noqa` comments hide nothing"
    )
    selection.add_argument(
        "--target-version",
        type=_target,
        metavar="VERSION",
        help="the oldest Python the code runs on (py39 ... py313); wins over `target-version`",
    )
    files = check.add_argument_group("file selection")
    files.add_argument(
        "--exclude",
        type=_patterns,
        action="append",
        metavar="PATTERNS",
        help="replace `exclude` (comma-separated patterns, as in the configuration)",
    )
    files.add_argument(
        "--extend-exclude",
        type=_patterns,
        action="append",
        metavar="PATTERNS",
        help="add to `extend-exclude`",
    )
    files.add_argument(
        "--force-exclude",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="apply the exclusions to files named on the command line too (pre-commit "
        "names every staged file)",
    )
    files.add_argument(
        "--show-files", action="store_true", help="list the files that would be checked"
    )
    files.add_argument(
        "--show-settings",
        action="store_true",
        help="print the configuration of the first file that would be checked",
    )
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format",
        "--format",
        dest="format",
        choices=("text", "json", "json-lines", "sarif", "github", "junit", "grouped"),
        default="text",
        help="how diagnostics are printed (--format is the older name)",
    )
    output.add_argument(
        "--output-file", "-o", metavar="FILE", help="write the report to FILE, not stdout"
    )
    output.add_argument(
        "--stdin-filename", metavar="NAME", help="the name of the file read from stdin"
    )
    output.add_argument(
        "--exit-zero", "-e", action="store_true", help="exit 0 even when diagnostics remain"
    )
    output.add_argument(
        "--statistics",
        action="store_true",
        help="count diagnostics per rule instead of listing them",
    )
    output.add_argument("--quiet", "-q", action="store_true", help="print diagnostics only")
    check.add_argument("--config", type=Path, metavar="FILE", help="a pyproject.toml or TOML file")
    profiling = check.add_argument_group("measure first")
    profiling.add_argument(
        "--profile",
        action="append",
        metavar="FILE",
        help="rank findings by a profile of a real run: cProfile dump, folded stacks "
        "(py-spy raw, austin) or speedscope JSON (repeatable; replaces `profile`)",
    )
    profiling.add_argument(
        "--min-share",
        type=_percent,
        metavar="PCT",
        help="with a profile, list (and with --fix or --diff, fix) only the findings whose "
        "fix can win at least PCT%% of the run time (their statement's share where the "
        "profile has lines, else their function's own time)",
    )
    speed = check.add_argument_group("speed")
    speed.add_argument(
        "--jobs",
        "-j",
        type=_jobs,
        metavar="N",
        help="worker processes (default: all cores; 1 checks in this process)",
    )
    speed.add_argument(
        "--no-cache", "-n", action="store_true", help="neither read nor write the results cache"
    )
    speed.add_argument(
        "--cache-dir",
        metavar="DIR",
        help="where the results cache lives (default: `cache-dir`, else .perf-lint-cache "
        "next to the configuration's pyproject.toml)",
    )
    speed.add_argument(
        "--timings", action="store_true", help="print time per phase and per rule on stderr"
    )
    speed.add_argument(
        "--watch",
        "-w",
        action="store_true",
        help="check again whenever a checked file changes (Ctrl-C stops)",
    )

    rule = commands.add_parser("rule", help="print one rule's documentation")
    rule.add_argument("code", metavar="CODE", help="a rule code or name, e.g. PRF101")
    commands.add_parser("rules", help="list every rule")
    commands.add_parser("server", help="run the language server on stdin/stdout")
    from perf_lint import measure

    measure.add_parser(commands)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        # The subcommand's usage, as ruff prints it (``check --bogus``).
        commands = next(
            action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
        )
        commands.choices[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        if args.command == "rule":
            return _rule(args.code)
        if args.command == "rules":
            from perf_lint.docs import rules_table

            sys.stdout.write(rules_table())
            return EXIT_CLEAN
        if args.command == "server":
            return _server()
        if args.command == "profile":
            from perf_lint import measure

            return measure.run(args, run_check)
        if args.watch:
            from perf_lint.watch import watch

            return watch(lambda: Check(args).run(), args)
        return Check(args).run()
    except BrokenPipeError:  # pragma: no cover - e.g. piped into `head`
        return EXIT_CLEAN
    except KeyboardInterrupt:
        _error("interrupted")
        return 130
    except Exception as problem:  # a bug: say so, never exit 1 ("findings")
        _internal_error(problem)
        return EXIT_ERROR


def _internal_error(problem: BaseException) -> None:
    """Report an exception nothing else caught: one line, a hint to report
    it, and the traceback when ``PERF_LINT_TRACEBACK`` is set."""
    _error(f"internal error: {type(problem).__name__}: {problem}")
    sys.stderr.write(
        "perf-lint: this is a bug in perf-lint; please report it with the command, "
        "the file and the traceback (set PERF_LINT_TRACEBACK=1 to print it)\n"
    )
    if os.environ.get("PERF_LINT_TRACEBACK"):
        import traceback

        traceback.print_exception(type(problem), problem, problem.__traceback__)


def _error(message: str) -> None:
    sys.stderr.write(f"perf-lint: error: {message}\n")


def _rule(code: str) -> int:
    from perf_lint.diagnostic import FILE_PROBLEM
    from perf_lint.docs import FILE_PROBLEM_TEXT, rule_page
    from perf_lint.registry import rule_for

    if code.strip().upper() in (FILE_PROBLEM, "FILE-PROBLEM"):
        sys.stdout.write(f"# {FILE_PROBLEM} file-problem\n\n{FILE_PROBLEM_TEXT}")
        return EXIT_CLEAN
    if code.strip().upper() in ("PRF001", "UNUSED-NOQA"):
        from perf_lint.docs import UNUSED_NOQA_TEXT

        sys.stdout.write(f"# PRF001 unused-noqa\n\n{UNUSED_NOQA_TEXT}")
        return EXIT_CLEAN
    try:
        rule = rule_for(code)
    except KeyError:
        _error(f"unknown rule {code!r}; `perf-lint rules` lists them")
        return EXIT_ERROR
    sys.stdout.write(rule_page(rule))
    return EXIT_CLEAN


def _server() -> int:
    try:
        from perf_lint import server
    except ImportError as error:
        if error.name not in ("pygls", "lsprotocol") and not str(error.name).startswith("pygls."):
            raise
        _error("the language server needs pygls: pip install 'perf-lint[server]'")
        return EXIT_ERROR
    return server.main()


def _config_or_none(resolver: Any, path: str) -> Any:
    """The configuration of ``path`` (``None`` when it cannot be read: the
    file problem is then reported)."""
    from perf_lint.config import ConfigError

    try:
        return resolver.for_path(path)
    except (ConfigError, OSError):
        return None


def _reported(diagnostics: List[Diagnostic], config: Any, path: str) -> List[Diagnostic]:
    """``diagnostics`` without the file problems (``E902``) that the
    configuration of ``path`` ignores: those become warnings on stderr."""
    if config is None or config.reports_file_problems(path):
        return diagnostics
    kept = []
    for diagnostic in diagnostics:
        if diagnostic.is_file_problem:
            where = f"{diagnostic.path}:{diagnostic.location.row}:{diagnostic.location.column}"
            sys.stderr.write(
                f"perf-lint: warning: {where}: E902 {diagnostic.message} (E902 is ignored)\n"
            )
        else:
            kept.append(diagnostic)
    return kept


def run_check(argv: List[str], watch: CheckWatch) -> int:
    """``perf-lint check`` run inside another command (``argv`` starts with
    ``check``), which ``watch`` sees (``perf_lint.commands.RunCheck``)."""
    return Check(build_parser().parse_args(argv), watch).run()


class Check:
    """One ``perf-lint check`` run; ``watch`` sees it when another command
    runs it."""

    def __init__(self, args: argparse.Namespace, watch: Optional[CheckWatch] = None) -> None:
        self.args = args
        self.watch = watch if watch is not None else CheckWatch()
        if getattr(args, "fix_only", False):
            args.fix = True  # --fix-only implies --fix
        # ``--stdin-filename`` alone reads stdin, as in ruff.
        default = ["-"] if args.stdin_filename is not None else ["."]
        self.paths: List[str] = args.paths or default
        self.failed = False  # an internal or configuration error happened
        self.cache = None
        #: Each file's profiles (their paths), when the run has any.
        self.profile_of: Dict[str, Tuple[str, ...]] = {}
        #: ``max-profile-size`` of each group of profiles, in bytes.
        self._limits: Dict[Tuple[str, ...], int] = {}

    def _resolver(self):  # type: ignore[no-untyped-def]
        from perf_lint.config import Resolver

        args = self.args
        return Resolver.for_command_line(
            args.config,
            args.select,
            args.extend_select,
            args.ignore,
            memo=self.cache,
            settings=self._settings(),
        )

    def _settings(self):  # type: ignore[no-untyped-def]
        """The configuration the command line sets on top of the files'
        (``ConfigError`` names the flag)."""
        from perf_lint.config import (
            Settings,
            coerce_option,
            per_file_ignores_argument,
            rule_option_fields,
        )

        args = self.args
        options = {}
        if args.target_version is not None:
            field = rule_option_fields()["target-version"][0]
            options["target-version"] = coerce_option(
                "target-version", args.target_version, field, "--target-version"
            )
        return Settings(
            exclude=None if args.exclude is None else tuple(p for ps in args.exclude for p in ps),
            extend_exclude=tuple(p for ps in args.extend_exclude or () for p in ps),
            per_file_ignores=None
            if args.per_file_ignores is None
            else per_file_ignores_argument(args.per_file_ignores, "--per-file-ignores"),
            extend_per_file_ignores=per_file_ignores_argument(
                args.extend_per_file_ignores or (), "--extend-per-file-ignores"
            ),
            options=options,
            noqa=not args.ignore_noqa,
        )

    def _open_cache(self):  # type: ignore[no-untyped-def]
        """The results cache of this run, or ``None`` (``--no-cache``, or a
        directory that is not perf-lint's: refused with a warning)."""
        if self.args.no_cache:
            return None
        from perf_lint import cache as cache_module

        where, warning = cache_module.directory_for(self.args.cache_dir, self.args.config)
        if warning is not None:
            sys.stderr.write(f"perf-lint: warning: {warning}\n")
        cache = cache_module.Cache(where)
        refusal = cache.refusal()
        if refusal is not None:
            sys.stderr.write(f"perf-lint: warning: {refusal}\n")
            return None
        return cache

    def run(self) -> int:
        from perf_lint import files, progress, reading
        from perf_lint.config import ConfigError
        from perf_lint.runner import Runner, Task, default_jobs
        from perf_lint.source import file_problem
        from perf_lint.timings import Timings
        from perf_lint.trust import FixMode

        args = self.args
        timings = Timings() if args.timings else None
        started = time.perf_counter()
        fixing = args.fix or args.diff
        try:
            self.cache = None if fixing or args.add_noqa else self._open_cache()
            resolver = self._resolver()
            if (
                args.force_exclude
                and "-" in self.paths
                and args.stdin_filename is not None
                and files.forced_out(args.stdin_filename, resolver)
            ):
                # Excluded: not checked; a fixing run gives stdin back as it came.
                self.paths = [path for path in self.paths if path != "-"]
                echoed = sys.stdin.buffer.read() if fixing and not args.diff else None
                if not self.paths:
                    return self._finish([], {}, [], echoed)
            targets, problems = files.discover(self.paths, resolver, args.force_exclude)
        except ConfigError as error:
            _error(str(error))
            return EXIT_ERROR
        if not targets and not problems:
            sys.stderr.write("perf-lint: warning: No Python files found under the given path(s)\n")
        if args.show_files:
            for target in sorted(targets):
                sys.stdout.write(f"{target if target == '-' else os.path.abspath(target)}\n")
            return EXIT_CLEAN
        if args.show_settings:
            return _show_settings(targets, resolver)
        if timings is not None:
            timings.add("discover", time.perf_counter() - started)
        mode = FixMode.of(args.unsafe_fixes) if fixing else FixMode.NONE
        diagnostics: List[Diagnostic] = []
        for path, reason in problems:
            problem = file_problem(path, "io-error", f"cannot read: {reason}")
            diagnostics.extend(_reported([problem], _config_or_none(resolver, path), path))
        fixed: Dict[str, Counter[str]] = {}
        diffs: List[str] = []
        stdin_fixed: Optional[bytes] = None
        sources: Dict[str, str] = {}
        tasks: List[Task] = []
        for target in targets:
            display = (args.stdin_filename or "-") if target == "-" else target
            started_reading = time.perf_counter()
            read = None
            try:
                config = resolver.for_path(display if target == "-" else target)
            except ConfigError as error:
                _error(str(error))
                return EXIT_ERROR
            try:
                if target == "-":
                    data = sys.stdin.buffer.read()
                else:
                    read = reading.read_identified(target, config.max_file_size or None)
                    data = read.data
            except (OSError, reading.Refused) as error:
                if isinstance(error, reading.TooLarge):
                    message = f"cannot read: {error.reason} (max-file-size)"
                elif isinstance(error, reading.Refused):
                    message = f"cannot read: {error.reason}"
                else:
                    message = f"cannot read: {error.strerror or error}"
                problem = file_problem(display, "io-error", message)
                diagnostics.extend(_reported([problem], config, display))
                continue
            finally:
                if timings is not None:
                    timings.add("read", time.perf_counter() - started_reading)
            tasks.append(Task(target, display, data, config, read))
        try:
            profiled = self._profiles(tasks)
        except ProfileProblem as problem:
            _error(str(problem))
            return EXIT_ERROR
        if profiled:
            self._give_heat(tasks)
        jobs = args.jobs if args.jobs is not None else default_jobs()
        writes = args.fix and not args.diff

        def finished(outcome: Outcome) -> None:
            # Each fixed file is written as soon as its result arrives, so an
            # interrupted run keeps what it finished (each file old or new).
            advance()
            task, result = outcome.task, outcome.result
            if writes and outcome.error is None and task.target != "-" and result.changed:
                self._write(outcome, fixed, timings)

        linted: Dict[int, Outcome] = {}
        if profiled and args.min_share is not None and mode is not FixMode.NONE:
            linted = self._hot_only(profiled, tasks, jobs, timings)
        work = [task for task in tasks if id(task) not in linted or task.only]
        with progress.counter(len(work)) as advance:
            runner = Runner(mode, jobs=jobs, cache=self.cache, timings=timings, on_done=finished)
            done = iter(runner.run(work))
        outcomes = [
            next(done) if id(task) not in linted or task.only else linted[id(task)]
            for task in tasks
        ]
        texts: Dict[str, Any] = {}
        originals: Dict[str, str] = {}  # the text that was profiled, of fixed files
        for outcome in outcomes:
            target, display, data = outcome.task.target, outcome.task.display, outcome.task.data
            result = outcome.result
            if outcome.error is not None:
                self.failed = True
                _error(f"{display}: {outcome.error}")
                continue
            diagnostics.extend(_reported(result.diagnostics, outcome.task.config, display))
            if result.diagnostics and (args.format == "grouped" or profiled):
                sources[display] = _text_of(result, data)
                if profiled and getattr(result, "changed", False):
                    originals[display] = result.source or _text_of(None, data)
            elif profiled and getattr(result, "changed", False):  # the profiled text
                texts[display] = functools.partial(str, result.source or _text_of(None, data))
            elif profiled:
                texts[display] = functools.partial(_text_of, result, data)
            for message in result.messages:
                sys.stderr.write(f"perf-lint: warning: {message}\n")
            if mode is FixMode.NONE:
                continue
            if target == "-":
                stdin_fixed = result.fixed_bytes() if result.changed else data
            if not result.changed:
                continue
            if args.diff:
                fixed[display] = result.fixed
                diffs.append(_diff(display, result.source, result.fixed_source or ""))
            elif target == "-":
                fixed[display] = result.fixed
        diagnostics.sort(key=lambda d: d.sort_key)
        if args.add_noqa:
            return self._add_noqa(diagnostics, tasks)
        ranking = None
        if profiled:
            ranking, diagnostics = self._rank(
                profiled, tasks, diagnostics, sources, texts, originals
            )
            for warning in ranking.warnings:
                sys.stderr.write(f"perf-lint: warning: {warning}\n")
        if timings is None:
            return self._finish(diagnostics, fixed, diffs, stdin_fixed, sources, ranking)
        output = time.perf_counter()
        code = self._finish(diagnostics, fixed, diffs, stdin_fixed, sources, ranking)
        timings.add("output", time.perf_counter() - output)
        sys.stderr.write(timings.render(time.perf_counter() - started, runner.workers))
        return code

    def _profiles(self, tasks: List[Task]) -> Dict[Tuple[str, ...], Any]:
        """The profiles of the run, read before any file is checked: the
        ``--profile`` files for every file, else each file's configured
        ``profile``. Keyed by their paths; empty without any profile (then
        the profile package is never imported)."""
        from perf_lint.config import (
            ConfigError,
            command_line_profile_limit,
            configured_profile_limit,
            configured_profiles,
        )

        args = self.args
        wanted: Dict[str, Tuple[str, ...]] = {}
        #: ``max-profile-size`` of each group of profiles, in bytes.
        limits: Dict[Tuple[str, ...], int] = {}
        if args.profile:
            wanted = {task.display: tuple(args.profile) for task in tasks}
            try:
                limits[tuple(args.profile)] = command_line_profile_limit(args.config)
            except ConfigError as error:
                raise ProfileProblem(str(error)) from None
        else:
            by_source: Dict[Any, Tuple[str, ...]] = {}
            for task in tasks:
                source = task.config.source
                if source not in by_source:
                    try:
                        paths = by_source[source] = configured_profiles(task.config)
                        limit = configured_profile_limit(task.config)
                    except ConfigError as error:
                        raise ProfileProblem(str(error)) from None
                    limits[paths] = min(limit, limits.get(paths, limit))
                if by_source[source]:
                    wanted[task.display] = by_source[source]
        if args.min_share is not None and not wanted and not args.profile:
            raise ProfileProblem(
                "--min-share needs a profile (--profile FILE or `profile` in [tool.perf-lint])"
            )
        if not wanted and not args.profile:
            return {}
        from perf_lint import profiles

        loaded: Dict[Tuple[str, ...], Any] = {}
        self.profile_of = wanted
        self._limits = {paths: limits.get(paths, profiles.DEFAULT_LIMIT) for paths in limits}
        for paths in sorted(set(wanted.values())) or [tuple(args.profile)]:
            try:
                loaded[paths] = profiles.load(paths, limits.get(paths, profiles.DEFAULT_LIMIT))
            except profiles.ProfileError as error:
                raise ProfileProblem(str(error)) from None
        return loaded

    def _give_heat(self, tasks: List[Task]) -> None:
        """Give each task with a profile the profile's facts, for the
        profile-guided rules (PRF6xx)."""
        from perf_lint.profiles import DEFAULT_LIMIT
        from perf_lint.profiles.heat import ProfileHeat

        sources: Dict[Tuple[Tuple[str, ...], str], Any] = {}
        for task in tasks:
            paths = self.profile_of.get(task.display)
            if not paths:
                continue
            root = str(task.config.root)
            heat = sources.get((paths, root))
            if heat is None:
                limit = self._limits.get(paths, DEFAULT_LIMIT)
                heat = sources[(paths, root)] = ProfileHeat(paths, limit, root)
            task.heat = heat

    def _hot_only(
        self,
        profiled: Dict[Tuple[str, ...], Any],
        tasks: List[Task],
        jobs: int,
        timings: Any,
    ) -> Dict[int, Outcome]:
        """``--min-share`` with ``--fix`` or ``--diff``: lint every file,
        rank the findings, and give each task the findings whose fixes may
        be applied (``Task.only``: those ``--min-share`` lists). The lint
        outcomes, by ``id`` of their task, serve the files with none."""
        from perf_lint import progress
        from perf_lint.fixing import finding
        from perf_lint.runner import Runner
        from perf_lint.trust import FixMode

        with progress.counter(len(tasks)) as advance:
            runner = Runner(FixMode.NONE, jobs=jobs, timings=timings, on_done=advance)
            outcomes = runner.run(tasks)
        diagnostics: List[Diagnostic] = []
        sources: Dict[str, str] = {}
        for outcome in outcomes:
            if outcome.error is None and outcome.result.diagnostics:
                diagnostics.extend(outcome.result.diagnostics)
                sources[outcome.task.display] = _text_of(outcome.result, outcome.task.data)
        _ranking, kept = self._rank(profiled, tasks, diagnostics, sources)
        allowed: Dict[str, set] = {}  # type: ignore[type-arg]
        for diagnostic in kept:
            if diagnostic.fix is not None:
                allowed.setdefault(diagnostic.path, set()).add(finding(diagnostic))
        for task in tasks:
            task.only = frozenset(allowed.get(task.display, ()))
        return {id(outcome.task): outcome for outcome in outcomes if outcome.error is None}

    def _rank(
        self,
        profiled: Dict[Tuple[str, ...], Any],
        tasks: List[Task],
        diagnostics: List[Diagnostic],
        sources: Dict[str, str],
        others: Optional[Dict[str, Any]] = None,
        originals: Optional[Dict[str, str]] = None,
    ) -> Tuple[Any, List[Diagnostic]]:
        """The run's ``Ranking``, and the diagnostics ``--min-share`` keeps.
        ``others``: how to read the other linted files (for the summary of
        hot code and the warnings about the profiles). ``originals``: the
        text before fixing of each fixed file, which the profile describes:
        the findings left in it are ranked at their lines there (a finding
        on a line the fixes changed has no profile numbers)."""
        from perf_lint import profiles

        shown = diagnostics
        pairs: List[Tuple[Diagnostic, Diagnostic]] = []
        if originals:
            diagnostics, pairs = _before_fixes(diagnostics, sources, originals)
            sources = {**sources, **originals}

        roots = {task.display: str(task.config.root) for task in tasks}
        groups = []
        for paths, loaded in profiled.items():
            of_group = [d for d in diagnostics if self.profile_of.get(d.path) == paths]
            names = list(paths) if self.args.profile else [_shown(path) for path in paths]
            groups.append((names, loaded, of_group))
        rest = None
        if others is not None:
            rest = [
                {path: read for path, read in others.items() if self.profile_of.get(path) == paths}
                for paths in profiled
            ]
        ranking = profiles.rank(groups, sources, roots, rest)
        ranking.moved(pairs)
        diagnostics = shown
        if self.args.min_share is not None:
            diagnostics = [d for d in diagnostics if not ranking.below(d, self.args.min_share)]
        return ranking, diagnostics

    def _write(self, outcome: Outcome, fixed: Dict[str, Counter[str]], timings: Any) -> None:
        """Write one fixed file (``files.write_fixed``); ``fixed`` records it
        on success. A file that is not written keeps its findings: they are
        found again in the bytes that were read, and the run fails."""
        from perf_lint import files

        task, result = outcome.task, outcome.result
        if self.watch.take(outcome, result.fixed):
            fixed[task.display] = result.fixed
            return
        writing = time.perf_counter()
        try:
            named = task.target in {os.path.normpath(path) for path in self.paths}
            if named and os.path.islink(task.target) and not files.inside(task.target, os.getcwd()):
                # (A link found in a directory was followed only into it.)
                raise files.Refused(
                    f"a symbolic link to {os.path.realpath(task.target)}, outside the checked "
                    "tree; not fixed"
                )
            files.write_fixed(task.target, result.fixed_bytes(), task.read)
        except files.ChangedOnDisk:
            self._unwritten(outcome, "changed while it was being fixed; not written")
        except files.Refused as refusal:
            self._unwritten(outcome, str(refusal))
        except OSError as error:
            self._unwritten(outcome, f"cannot write: {error.strerror or error}")
        else:
            fixed[task.display] = result.fixed
        finally:
            if timings is not None:
                timings.add("write", time.perf_counter() - writing)

    def _add_noqa(self, diagnostics: List[Diagnostic], tasks: List[Task]) -> int:
        """``--add-noqa``: give every line with a diagnostic a ``# noqa``
        comment naming its codes (added to one already there), write the
        files (as ``--fix`` writes them) and say how many lines changed."""
        from perf_lint import files
        from perf_lint.noqa import add_noqa
        from perf_lint.source import SourceError, decode

        wanted: Dict[str, Dict[int, set]] = {}  # type: ignore[type-arg]
        for diagnostic in diagnostics:
            if diagnostic.code is not None and not diagnostic.is_file_problem:
                rows = wanted.setdefault(diagnostic.path, {})
                rows.setdefault(diagnostic.location.row, set()).add(diagnostic.code)
        added = 0
        for task in tasks:
            if task.target == "-" or task.display not in wanted:
                continue
            try:
                text, encoding = decode(task.data)
            except SourceError:
                continue
            new, count = add_noqa(text, wanted[task.display])
            if not count:
                continue
            try:
                files.write_fixed(task.target, new.encode(encoding), task.read)
            except files.ChangedOnDisk:
                why = "changed while comments were being added; not written"
            except files.Refused as refusal:
                why = str(refusal)
            except OSError as error:
                why = f"cannot write: {error.strerror or error}"
            else:
                added += count
                continue
            _error(f"{task.display}: {why}")
            self.failed = True
        if added or not self.args.quiet:
            sys.stderr.write(f"Added {added} noqa directive{'' if added == 1 else 's'}.\n")
        return EXIT_ERROR if self.failed else EXIT_CLEAN

    def _unwritten(self, outcome: Outcome, why: str) -> None:
        """Report a fixed file that was not written, and give it back the
        findings of the bytes that were read."""
        from perf_lint.engine import Engine
        from perf_lint.trust import FixMode

        task = outcome.task
        _error(f"{task.display}: {why}")
        self.failed = True
        outcome.result = Engine(task.config, heat=task.heat).check_bytes(
            task.data, task.display, fix=FixMode.NONE
        )

    def _finish(
        self,
        diagnostics: list,  # type: ignore[type-arg]
        fixed: Dict[str, Counter[str]],
        diffs: List[str],
        stdin_fixed: Optional[bytes],
        sources: Optional[Dict[str, str]] = None,
        ranking: Any = None,
    ) -> int:
        from perf_lint.output import RunSummary, renderer, use_color

        ended = self.watch.finished(diagnostics, self.failed)
        if ended is not None:
            return ended
        args = self.args
        # Diagnostics carry their rule's name; the registry (and libcst with
        # it) is loaded only when fixes were made, which loaded it anyway.
        names = {d.code: d.name for d in diagnostics if d.code is not None}
        if fixed:
            from perf_lint.registry import RULES

            names.update({rule.CODE: rule.NAME for rule in RULES})
        if args.diff:
            sys.stdout.write("".join(diffs))
            total = sum(sum(counts.values()) for counts in fixed.values())
            if not args.quiet and total:
                sys.stderr.write(f"Would fix {total} error{'' if total == 1 else 's'}.\n")
            if self.failed:
                return EXIT_ERROR
            return EXIT_FOUND if diffs else EXIT_CLEAN
        total_fixed = sum(sum(counts.values()) for counts in fixed.values())
        if args.fix_only:
            # Fixes alone: what is left is neither listed nor a failure.
            diagnostics = [d for d in diagnostics if d.is_file_problem]
        summary = RunSummary(
            diagnostics=diagnostics,
            fixed=fixed,
            unsafe_fixes=args.unsafe_fixes,
            show_fixes=args.show_fixes,
            statistics=args.statistics,
            quiet=args.quiet,
            names=names,
            sources=sources or {},
            profile=ranking,
            failed=self.failed,
        )
        out: TextIO = sys.stdout
        if stdin_fixed is not None:
            # The fixed source owns stdout; the report goes to stderr.
            sys.stdout.flush()
            sys.stdout.buffer.write(stdin_fixed)
            sys.stdout.flush()
            out = sys.stderr
        if args.fix_only and args.format == "text":
            report = ""
            if total_fixed and not args.quiet:
                report = f"Fixed {total_fixed} error{'' if total_fixed == 1 else 's'}.\n"
            if diagnostics:  # file problems are still errors
                report = renderer(args.format)(summary)
        else:
            summary.color = args.format == "text" and not args.output_file and use_color(out)
            report = renderer(args.format)(summary)
        if args.output_file:
            try:
                _write_report(args.output_file, report)
            except OSError as error:
                _error(f"{args.output_file}: cannot write: {error.strerror or error}")
                return EXIT_ERROR
        else:
            out.write(report)
        if self.failed:
            return EXIT_ERROR
        if args.exit_non_zero_on_fix and total_fixed:
            return EXIT_FOUND
        if diagnostics and not args.exit_zero:
            return EXIT_FOUND
        return EXIT_CLEAN


def _write_report(name: str, report: str) -> None:
    """``-o/--output-file``: the report goes to ``name`` (its directory
    made when missing, as ruff does)."""
    directory = os.path.dirname(name)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(name, "w", encoding="utf-8", newline="") as stream:
        stream.write(report)


def _show_settings(targets: List[str], resolver: Any) -> int:
    """``--show-settings``: the resolved configuration of the first file
    that would be checked (of the current directory when there is none)."""
    import json

    from perf_lint.cache import config_data

    first = next(iter(sorted(targets)), None)
    path = os.path.abspath(first) if first not in (None, "-") else os.path.abspath(".")
    config = resolver.for_path(path)
    data = config_data(config)
    data["selected"] = list(config.selected_codes(path))
    sys.stdout.write(f"Resolved settings for: {json.dumps(path)}\n")
    source = "none (defaults)" if config.source is None else str(config.source)
    sys.stdout.write(f"Settings path: {source}\n\n")
    for key in sorted(data):
        sys.stdout.write(f"{key} = {json.dumps(data[key])}\n")
    return EXIT_CLEAN


class ProfileProblem(Exception):
    """A profile that cannot be used (the message names the file)."""


def _shown(path: str) -> str:
    """A configured profile's path as the header names it: relative to the
    working directory when that is shorter."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # pragma: no cover - another drive on Windows
        return path
    return relative if len(relative) < len(path) else path


def _before_fixes(
    diagnostics: List[Diagnostic], sources: Dict[str, str], originals: Dict[str, str]
) -> Tuple[List[Diagnostic], List[Tuple[Diagnostic, Diagnostic]]]:
    """The diagnostics to rank: those of fixed files moved to their lines
    in the text before fixing (``fixing.lines_moved``), the others as they
    are; and each (moved copy, diagnostic it stands for). A diagnostic on a
    line the fixes changed is left out: no profile describes it."""
    import dataclasses

    from perf_lint.diagnostic import Location
    from perf_lint.fixing import lines_moved

    ranked: List[Diagnostic] = []
    pairs: List[Tuple[Diagnostic, Diagnostic]] = []
    maps = {path: lines_moved(sources[path], text) for path, text in originals.items()}
    for diagnostic in diagnostics:
        lines = maps.get(diagnostic.path)
        if lines is None or diagnostic.is_file_problem:
            ranked.append(diagnostic)
            continue
        start, end = diagnostic.location, diagnostic.end_location
        if start.row in lines and end.row in lines:
            copy = dataclasses.replace(
                diagnostic,
                location=Location(lines[start.row], start.column),
                end_location=Location(lines[end.row], end.column),
            )
            ranked.append(copy)
            pairs.append((copy, diagnostic))
    return ranked, pairs


def _text_of(result: Any, data: bytes) -> str:
    """The text the diagnostics of ``result`` point into: the analysed text,
    or, for results that come without it (from the cache or a worker
    process), ``data`` decoded as Python decodes source files."""
    text = getattr(result, "fixed_source", None) or getattr(result, "source", None)
    if text:
        return str(text)
    import tokenize

    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return data.decode("utf-8", "replace")


def _diff(path: str, before: str, after: str) -> str:
    import difflib  # only --diff needs it

    from perf_lint.noqa import lines as source_lines

    lines = difflib.unified_diff(
        source_lines(before),
        source_lines(after),
        fromfile=path,
        tofile=path,
    )
    text = ""
    for row in lines:
        text += row if row.endswith(("\n", "\r")) else row + "\n\\ No newline at end of file\n"
    return text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
