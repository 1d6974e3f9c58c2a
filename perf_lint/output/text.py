"""``path:row:col: CODE [*] message`` lines and a ruff-style summary."""

from __future__ import annotations

from typing import List

from perf_lint.diagnostic import Diagnostic
from perf_lint.output import FILE_PROBLEM_NAME, RunSummary


def _plural(count: int, word: str, plural: str = "") -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


_BOLD, _RED, _CYAN, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[0m"


def _paint(summary: RunSummary, text: str, *styles: str) -> str:
    return "".join(styles) + text + _RESET if summary.color else text


def line(summary: RunSummary, diagnostic: Diagnostic) -> str:
    colon = _paint(summary, ":", _CYAN)
    where = colon.join(
        (
            _paint(summary, diagnostic.path, _BOLD),
            str(diagnostic.location.row),
            str(diagnostic.location.column),
        )
    )
    where += colon
    mark = _paint(summary, "[*]", _CYAN) + " " if summary.fixable(diagnostic) else ""
    code = _paint(summary, diagnostic.code, _BOLD, _RED)
    return f"{where} {code} {mark}{diagnostic.message}{summary.suffix(diagnostic)}"


def statistics(summary: RunSummary) -> List[str]:
    """ruff's layout: count (right-aligned), code, ``[*]`` when some are
    fixable in this run else ``[ ]``, name; tab-separated, most frequent first.
    With a profile, each row ends with what fixing the rule's findings can
    win at most (``Ranking.rule_shares``), and the rows come by that share."""
    rows: List[str] = []
    counts = summary.counts()
    if not counts:
        return rows
    count_width = len(str(max(counts.values())))
    code_width = max(len(code or "-") for code in counts)
    shares = None if summary.profile is None else summary.profile.rule_shares(summary.diagnostics)
    order = sorted(counts.items(), key=lambda item: (-item[1], item[0] or ""))
    if shares is not None:
        order.sort(key=lambda item: -shares.get(item[0], 0.0))
    for code, count in order:
        of_code = [d for d in summary.diagnostics if d.code == code]
        problem = any(d.is_file_problem for d in of_code)
        name = FILE_PROBLEM_NAME if problem else summary.names.get(code or "", "")
        mark = "[*]" if any(summary.fixable(d) for d in of_code) else "[ ]"
        row = f"{count:>{count_width}}\t{code or '-':<{code_width}}\t{mark} {name}"
        if shares is not None and code in shares:
            from perf_lint.profiles.report import percent

            row += f"\t[at most {percent(shares[code])} of run time]"
        rows.append(row)
    return rows


def fixes(summary: RunSummary) -> List[str]:
    if not summary.fixed_total:
        return []
    rows = [f"Fixed {_plural(summary.fixed_total, 'error')}:"]
    for path in sorted(summary.fixed):
        rows.append(f"- {path}:")
        for code, count in sorted(summary.fixed[path].items()):
            rows.append(f"    {count} × {code} ({summary.names.get(code, '')})")
    return rows


def closing(summary: RunSummary) -> List[str]:
    remaining = len(summary.diagnostics)
    fixed = summary.fixed_total
    if not remaining and not fixed:
        if summary.failed:
            return ["No findings in the files checked, but errors occurred (see above)."]
        return ["All checks passed!"]
    if fixed:
        rows = [
            f"Found {_plural(fixed + remaining, 'error')} ({fixed} fixed, {remaining} remaining)."
        ]
    else:
        rows = [f"Found {_plural(remaining, 'error')}."]
    fixable = sum(1 for d in summary.diagnostics if summary.fixable(d))
    hidden = sum(1 for d in summary.diagnostics if summary.hidden_fix(d))
    # ruff's (0.17) wording, which also holds after a partial --fix: the
    # unsafe fixes are "available", not "hidden" behind "no fixes".
    unsafe = f"{_plural(hidden, 'unsafe fix', 'unsafe fixes')} available with "
    unsafe += "`--fix --unsafe-fixes`"
    if fixable and hidden:
        rows.append(f"[*] {fixable} fixable with `--fix` ({unsafe}).")
    elif fixable:
        rows.append(f"[*] {fixable} fixable with `--fix`.")
    elif hidden:
        rows.append(f"{unsafe}.")
    return rows


def render(summary: RunSummary) -> str:
    rows = summary.header()
    if summary.statistics:
        rows += statistics(summary)
    else:
        rows += [line(summary, d) for d in summary.ordered()]
    rows += summary.hot_code()
    if not summary.quiet:
        if summary.show_fixes:
            rows.extend(fixes(summary))
        rows.extend(closing(summary))
    return "".join(row + "\n" for row in rows)
