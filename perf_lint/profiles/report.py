"""How the output formats show profile data: the ``[at most 3.1% of run
time (this statement), function 26% with callees, 1.2M calls]`` suffix,
the header naming the profiles, the hottest-first order, the JSON object,
the summary of the hottest functions and the warnings about a profile that
holds little of the linted code. ``Ranking`` is what ``RunSummary.profile``
holds."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from perf_lint.diagnostic import Diagnostic
from perf_lint.profiles.attribution import (
    AMBIGUOUS,
    NOT_IN_PROFILE,
    NOT_RUN,
    NOT_SAMPLED,
    Answer,
    Coverage,
    HotFunction,
    ProfileSet,
    Share,
)
from perf_lint.profiles.model import SECONDS

#: Below this share of its weight in the linted files, a profile is
#: reported as describing little of them.
LITTLE = 0.01
#: How many functions the summary of hot code lists.
HOTTEST = 10
#: How pyinstrument exports a speedscope profile without pruning frames
#: (its documented options: every frame shown, no threshold).
PYINSTRUMENT_HINT = (
    "pyinstrument prunes the frames of its speedscope export; export without pruning: "
    "pyinstrument -r speedscope --show-all -p processor_options.filter_threshold=0 "
    "-o profile.json PROGRAM"
)

_Identity = Tuple[str, int, int, int, int, Optional[str]]


def identity(diagnostic: Diagnostic) -> _Identity:
    start, end = diagnostic.location, diagnostic.end_location
    return (diagnostic.path, start.row, start.column, end.row, end.column, diagnostic.code)


def percent(share: float) -> str:
    value = share * 100
    if value == 0:
        return "0%"
    if value < 0.1:
        return "<0.1%"
    if value < 10:
        return f"{value:.1f}%"
    return f"{value:.0f}%"


def calls(count: int) -> str:
    """``1 call``, ``999 calls``, ``12.3k calls``, ``1.2M calls``."""
    if count == 1:
        return "1 call"
    value, letter = float(count), ""
    for next_letter in ("k", "M", "G"):
        if round(value) < 1000:
            break
        value, letter = value / 1000, next_letter
    if not letter:
        return f"{count} calls"
    text = f"{value:.1f}" if value < 9.95 else f"{value:.0f}"
    if text == "1000" and letter != "G":  # 999.9k is shown as 1M
        text, letter = "1", {"k": "M", "M": "G"}[letter]
    return f"{text.removesuffix('.0')}{letter} calls"


def amount(profiles: ProfileSet) -> str:
    if profiles.unit == SECONDS:
        seconds = profiles.total
        if seconds < 10:
            return f"{seconds:.2f} s"
        if seconds < 100:
            return f"{seconds:.1f} s"
        return f"{seconds:,.0f} s"
    samples = round(profiles.total)
    return f"{samples:,} sample{'' if samples == 1 else 's'}"


def header(names: Sequence[str], profiles: ProfileSet) -> str:
    label = "Profile" if len(names) == 1 else "Profiles"
    return f"{label}: {', '.join(names)} ({amount(profiles)})"


def describe(answer: Answer) -> str:
    """The suffix shown after a diagnostic's message."""
    if answer == AMBIGUOUS:
        return "[no unique match in the profile]"
    if not isinstance(answer, Share):
        return f"[{answer}]"  # not run, not sampled, file not in the profile
    where = "function's own time" if answer.line_share is None else "this statement"
    parts = [f"at most {percent(answer.at_most)} of run time ({where})"]
    parts.append(f"function {percent(answer.cumulative_share)} with callees")
    if answer.calls is not None:
        parts.append(calls(answer.calls))
    return "[" + ", ".join(parts) + "]"


def coverage_warnings(coverage: Sequence[Coverage], linted: bool) -> List[str]:
    """A warning for each profile that holds none of the linted files, or
    less than ``LITTLE`` of its weight in them (with, for a pyinstrument
    export, how to export without pruning). ``linted``: the run has files
    a profile could hold."""
    found = []
    for entry in coverage:
        if not linted:
            continue
        path = entry.profile.path
        if entry.files == 0:
            text = f"{path}: none of the linted files is in this profile; findings are not ranked"
        elif entry.share < LITTLE:
            text = (
                f"{path}: only {percent(entry.share)} of this profile lies in the linted files"
                " (is it a profile of this code?)"
            )
        else:
            continue
        if _exporter(path).startswith("pyinstrument"):
            text += f"; {PYINSTRUMENT_HINT}"
        found.append(text)
    return found


def _exporter(path: str) -> str:
    """The ``exporter`` a speedscope file names in its first 4 KiB (where
    pyinstrument and py-spy write it), else ``""``."""
    import re

    try:
        with open(path, "rb") as stream:
            head = stream.read(4096)
    except OSError:
        return ""
    match = re.search(rb'"exporter"\s*:\s*"([^"]*)"', head)
    return match.group(1).decode("utf-8", "replace") if match else ""


class Ranking:
    """The profile data of one run: an answer per diagnostic (file
    problems have none), the header lines, the hottest functions of the
    linted files (and whether each holds a finding) and the warnings."""

    def __init__(
        self,
        headers: List[str],
        answers: Dict[_Identity, Answer],
        hottest: Optional[List[Tuple[HotFunction, bool]]] = None,
        warnings: Optional[List[str]] = None,
    ) -> None:
        self.headers = headers
        self.answers = answers
        ordered = sorted(hottest or [], key=lambda item: (-item[0].self_share, item[0].path))
        self.hottest = ordered[:HOTTEST]
        self.warnings = warnings or []

    def moved(self, pairs: Sequence[Tuple[Diagnostic, Diagnostic]]) -> None:
        """For each (ranked, shown) pair, give ``shown`` the answer of
        ``ranked``: the same finding at its place in the text the profile
        describes (before fixes)."""
        found = [self.answers.pop(identity(ranked), None) for ranked, _shown in pairs]
        for (_ranked, shown), answer in zip(pairs, found):
            if answer is not None:
                self.answers[identity(shown)] = answer

    def answer(self, diagnostic: Diagnostic) -> Optional[Answer]:
        if diagnostic.is_file_problem:
            return None
        return self.answers.get(identity(diagnostic))

    def share(self, diagnostic: Diagnostic) -> Optional[Share]:
        found = self.answer(diagnostic)
        return found if isinstance(found, Share) else None

    def suffix(self, diagnostic: Diagnostic) -> str:
        """`` [at most 3.1% of run time ...]`` (with its leading space), or ``""``."""
        found = self.answer(diagnostic)
        return "" if found is None else " " + describe(found)

    def hover(self, diagnostic: Diagnostic) -> str:
        """A Markdown paragraph for an editor's hover: the numbers of the
        diagnostic's function, and the profiles they come from."""
        found = self.answer(diagnostic)
        source = "; ".join(self.headers)
        if isinstance(found, Share):
            where = "its function's own time" if found.line_share is None else "this statement"
            parts = [f"fixing it can win at most {percent(found.at_most)} of run time ({where})"]
            parts.append(f"`{found.function}` takes {percent(found.cumulative_share)} with callees")
            parts.append(f"{percent(found.self_share)} in its own code")
            if found.calls is not None:
                parts.append(calls(found.calls))
            return f"**Profile:** {', '.join(parts)}. ({source})"
        if found is None:
            return f"**Profile:** nothing known. ({source})"
        return f"**Profile:** {describe(found)[1:-1]}. ({source})"

    def json(self, diagnostic: Diagnostic) -> Optional[Dict[str, object]]:
        found = self.share(diagnostic)
        return None if found is None else found.as_json()

    def rank(self, diagnostic: Diagnostic) -> Optional[float]:
        """SARIF's ``rank`` (0-100): the "at most" share as a percentage; 0
        for a function never run or sampled, or a file not in the profile;
        ``None`` when unknown."""
        found = self.answer(diagnostic)
        if isinstance(found, Share):
            return round(found.at_most * 100, 2)
        return 0.0 if found in (NOT_RUN, NOT_SAMPLED, NOT_IN_PROFILE) else None

    def ranked(self, diagnostics: Sequence[Diagnostic]) -> List[Diagnostic]:
        """Hottest first: by what fixing the finding can win at most
        (``Share.at_most``; ties: the larger cumulative share, then
        position). The rest (not run, not sampled, not in the profile,
        ambiguous, file problems) come after them, in order."""
        hot: List[Tuple[float, float, int, Diagnostic]] = []
        rest: List[Diagnostic] = []
        for position, diagnostic in enumerate(diagnostics):
            found = self.share(diagnostic)
            if found is None:
                rest.append(diagnostic)
            else:
                hot.append((-found.at_most, -found.cumulative_share, position, diagnostic))
        hot.sort(key=lambda item: item[:3])
        return [item[3] for item in hot] + rest

    def below(self, diagnostic: Diagnostic, minimum: float) -> bool:
        """Whether ``--min-share`` drops the diagnostic: what fixing it can
        win at most is under ``minimum`` percent (never a file problem)."""
        if diagnostic.is_file_problem:
            return False
        found = self.share(diagnostic)
        return found is None or found.at_most * 100 < minimum

    def rule_shares(self, diagnostics: Sequence[Diagnostic]) -> Dict[Optional[str], float]:
        """Per rule, what fixing all its findings can win at most: the sum
        over their functions of the findings' "at most" shares, each
        function counted at most once (its own time, or, with lines, its
        time with callees), the total at most 1."""
        per_function: Dict[Tuple[Optional[str], str, str], List[Share]] = {}
        for diagnostic in diagnostics:
            found = self.share(diagnostic)
            if found is not None:
                key = (diagnostic.code, diagnostic.path, found.function)
                per_function.setdefault(key, []).append(found)
        shares: Dict[Optional[str], float] = {}
        for (code, _path, _function), found in per_function.items():
            cap = found[0].self_share if found[0].line_share is None else found[0].cumulative_share
            summed = min(sum(share.at_most for share in found), cap)
            shares[code] = min(shares.get(code, 0.0) + summed, 1.0)
        return shares

    def summary(self) -> List[str]:
        """The lines after the findings: the functions of the linted files
        with the most own time, and which of them hold no finding."""
        if not self.hottest:
            return []
        width = max(len(percent(f.self_share)) for f, _ in self.hottest)
        rows = ["", "Most own time in the linted files (where to look next):"]
        for function, holds in self.hottest:
            note = "" if holds else "  (hot code with no finding)"
            share = percent(function.self_share)
            rows.append(
                f"  {share:>{width}}  {function.path}:{function.line} {function.function}{note}"
            )
        return rows
