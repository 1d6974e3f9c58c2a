"""The ``perf-lint`` command: ``check``, ``rule`` and ``rules``.

Exit codes: 0 when no diagnostic is left, 1 when some are (or ``--diff``
would change a file), 2 for usage, configuration and internal errors."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path
from typing import Counter, Dict, List, Optional, Sequence, TextIO

from perf_lint import __version__

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2


def _codes(text: str) -> List[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


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
    output = check.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=("text", "json", "json-lines", "sarif", "github", "junit", "grouped"),
        default="text",
    )
    output.add_argument(
        "--stdin-filename", metavar="NAME", help="the name of the file read from stdin"
    )
    output.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when diagnostics remain"
    )
    output.add_argument(
        "--statistics",
        action="store_true",
        help="count diagnostics per rule instead of listing them",
    )
    output.add_argument("--quiet", "-q", action="store_true", help="print diagnostics only")
    check.add_argument("--config", type=Path, metavar="FILE", help="a pyproject.toml or TOML file")

    rule = commands.add_parser("rule", help="print one rule's documentation")
    rule.add_argument("code", metavar="CODE", help="a rule code or name, e.g. PRF101")
    commands.add_parser("rules", help="list every rule")
    commands.add_parser("server", help="run the language server on stdin/stdout")
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "rule":
            return _rule(args.code)
        if args.command == "rules":
            from perf_lint.docs import rules_table

            sys.stdout.write(rules_table())
            return EXIT_CLEAN
        if args.command == "server":
            return _server()
        return Check(args).run()
    except BrokenPipeError:  # pragma: no cover - e.g. piped into `head`
        return EXIT_CLEAN
    except KeyboardInterrupt:
        _error("interrupted")
        return 130


def _error(message: str) -> None:
    sys.stderr.write(f"perf-lint: error: {message}\n")


def _rule(code: str) -> int:
    from perf_lint.docs import rule_page
    from perf_lint.registry import rule_for

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


class Check:
    """One ``perf-lint check`` run."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.paths: List[str] = args.paths or ["."]
        self.failed = False  # an internal or configuration error happened

    def _resolver(self):  # type: ignore[no-untyped-def]
        from perf_lint import config as config_module

        args = self.args
        where = "command line"
        selection = config_module.Selection(
            select=(
                config_module.check_selectors(args.select, "--select", where)
                if args.select is not None
                else None
            ),
            extend_select=config_module.check_selectors(
                args.extend_select, "--extend-select", where
            ),
            ignore=config_module.check_selectors(args.ignore, "--ignore", where),
        )
        return config_module.Resolver(args.config, selection)

    def run(self) -> int:
        from perf_lint import files, progress
        from perf_lint.config import ConfigError
        from perf_lint.engine import Engine, FixMode
        from perf_lint.rule import Diagnostic, Location

        args = self.args
        engines: Dict[int, Engine] = {}
        try:
            resolver = self._resolver()
            targets, problems = files.discover(self.paths, resolver)
        except ConfigError as error:
            _error(str(error))
            return EXIT_ERROR
        mode = FixMode.NONE
        if args.fix or args.diff:
            mode = FixMode.UNSAFE if args.unsafe_fixes else FixMode.SAFE
        diagnostics: List[Diagnostic] = []
        for path, reason in problems:
            start = Location(1, 1)
            diagnostics.append(
                Diagnostic(None, "io-error", f"cannot read: {reason}", path, start, start)
            )
        fixed: Dict[str, Counter[str]] = {}
        diffs: List[str] = []
        stdin_fixed: Optional[bytes] = None
        sources: Dict[str, str] = {}
        for target in progress.track(targets):
            display = (args.stdin_filename or "-") if target == "-" else target
            try:
                data = sys.stdin.buffer.read() if target == "-" else _read(target)
            except OSError as error:
                start = Location(1, 1)
                message = f"cannot read: {error.strerror or error}"
                diagnostics.append(Diagnostic(None, "io-error", message, display, start, start))
                continue
            try:
                config = resolver.for_path(display if target == "-" else target)
            except ConfigError as error:
                _error(str(error))
                return EXIT_ERROR
            if id(config) not in engines:
                engines[id(config)] = Engine(config)
            try:
                result = engines[id(config)].check_bytes(data, display, fix=mode)
            except Exception as error:
                self.failed = True
                _error(f"{display}: internal error: {type(error).__name__}: {error}")
                continue
            diagnostics.extend(result.diagnostics)
            if result.diagnostics:
                sources[display] = result.fixed_source or result.source
            for message in result.messages:
                sys.stderr.write(f"perf-lint: warning: {message}\n")
            if mode == FixMode.NONE:
                continue
            if target == "-":
                stdin_fixed = result.fixed_bytes() if result.changed else data
            if not result.changed:
                continue
            fixed[display] = result.fixed
            if args.diff:
                diffs.append(_diff(display, result.source, result.fixed_source or ""))
            elif target != "-":
                try:
                    files.write_atomically(target, result.fixed_bytes(), data)
                except files.ChangedOnDisk:
                    sys.stderr.write(
                        f"perf-lint: warning: {display} changed while it was being fixed; "
                        "left as it is\n"
                    )
                    del fixed[display]
                except OSError as error:
                    _error(f"{display}: cannot write: {error.strerror or error}")
                    self.failed = True
                    del fixed[display]
        diagnostics.sort(key=lambda d: d.sort_key)
        return self._finish(diagnostics, fixed, diffs, stdin_fixed, sources)

    def _finish(
        self,
        diagnostics: list,  # type: ignore[type-arg]
        fixed: Dict[str, Counter[str]],
        diffs: List[str],
        stdin_fixed: Optional[bytes],
        sources: Optional[Dict[str, str]] = None,
    ) -> int:
        from perf_lint.output import RunSummary, renderer, use_color
        from perf_lint.registry import RULES

        args = self.args
        if args.diff:
            sys.stdout.write("".join(diffs))
            total = sum(sum(counts.values()) for counts in fixed.values())
            if not args.quiet and total:
                sys.stderr.write(f"Would fix {total} error{'' if total == 1 else 's'}.\n")
            if self.failed:
                return EXIT_ERROR
            return EXIT_FOUND if diffs else EXIT_CLEAN
        summary = RunSummary(
            diagnostics=diagnostics,
            fixed=fixed,
            unsafe_fixes=args.unsafe_fixes,
            show_fixes=args.show_fixes,
            statistics=args.statistics,
            quiet=args.quiet,
            names={rule.CODE: rule.NAME for rule in RULES},
            sources=sources or {},
        )
        out: TextIO = sys.stdout
        if stdin_fixed is not None:
            # The fixed source owns stdout; the report goes to stderr.
            sys.stdout.flush()
            sys.stdout.buffer.write(stdin_fixed)
            sys.stdout.flush()
            out = sys.stderr
        summary.color = args.format == "text" and use_color(out)
        out.write(renderer(args.format)(summary))
        if self.failed:
            return EXIT_ERROR
        if diagnostics and not args.exit_zero:
            return EXIT_FOUND
        return EXIT_CLEAN


def _read(path: str) -> bytes:
    with open(path, "rb") as handle:
        return handle.read()


def _diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=path,
        tofile=path,
    )
    text = ""
    for row in lines:
        text += row if row.endswith(("\n", "\r")) else row + "\n\\ No newline at end of file\n"
    return text


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
