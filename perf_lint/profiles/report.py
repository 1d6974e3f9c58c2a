"""How the output formats show profile data: the ``[41% of run time, 1.2M
calls]`` suffix, the header naming the profiles, the hottest-first order
and the JSON object. ``Ranking`` is what ``RunSummary.profile`` holds."""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from perf_lint.diagnostic import Diagnostic
from perf_lint.profiles.attribution import AMBIGUOUS, NOT_RUN, Answer, ProfileSet, Share
from perf_lint.profiles.model import SECONDS

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
    if answer == NOT_RUN:
        return "[not run]"
    if answer == AMBIGUOUS:
        return "[no unique match in the profile]"
    assert isinstance(answer, Share)
    parts = [f"{percent(answer.cumulative_share)} of run time"]
    if answer.line_share is not None:
        parts.append(f"{percent(answer.line_share)} here")
    if answer.calls is not None:
        parts.append(calls(answer.calls))
    return "[" + ", ".join(parts) + "]"


class Ranking:
    """The profile data of one run: an answer per diagnostic (file
    problems have none) and the header lines."""

    def __init__(self, headers: List[str], answers: Dict[_Identity, Answer]) -> None:
        self.headers = headers
        self.answers = answers

    def answer(self, diagnostic: Diagnostic) -> Optional[Answer]:
        if diagnostic.is_file_problem:
            return None
        return self.answers.get(identity(diagnostic))

    def share(self, diagnostic: Diagnostic) -> Optional[Share]:
        found = self.answer(diagnostic)
        return found if isinstance(found, Share) else None

    def suffix(self, diagnostic: Diagnostic) -> str:
        """`` [41% of run time, ...]`` (with its leading space), or ``""``."""
        found = self.answer(diagnostic)
        return "" if found is None else " " + describe(found)

    def hover(self, diagnostic: Diagnostic) -> str:
        """A Markdown paragraph for an editor's hover: the numbers of the
        diagnostic's function, and the profiles they come from."""
        found = self.answer(diagnostic)
        source = "; ".join(self.headers)
        if isinstance(found, Share):
            parts = [f"{percent(found.cumulative_share)} of run time in `{found.function}`"]
            parts.append(f"{percent(found.self_share)} in its own code")
            if found.line_share is not None:
                parts.append(f"{percent(found.line_share)} on this statement")
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
        """SARIF's ``rank`` (0-100): the cumulative share as a percentage;
        0 for a function never run; ``None`` when unknown."""
        found = self.answer(diagnostic)
        if isinstance(found, Share):
            return round(found.cumulative_share * 100, 2)
        return 0.0 if found == NOT_RUN else None

    def ranked(self, diagnostics: Sequence[Diagnostic]) -> List[Diagnostic]:
        """Hottest first: by the time spent in the finding itself, its
        ``line_share`` where the profile has line numbers, else its
        function's ``cumulative_share`` (ties: the larger cumulative share,
        then position). The rest (not run, ambiguous, file problems) come
        after them, in order."""
        hot: List[Tuple[float, float, int, Diagnostic]] = []
        rest: List[Diagnostic] = []
        for position, diagnostic in enumerate(diagnostics):
            found = self.share(diagnostic)
            if found is None:
                rest.append(diagnostic)
            else:
                here = found.line_share
                own = found.cumulative_share if here is None else here
                hot.append((-own, -found.cumulative_share, position, diagnostic))
        hot.sort(key=lambda item: item[:3])
        return [item[3] for item in hot] + rest

    def below(self, diagnostic: Diagnostic, minimum: float) -> bool:
        """Whether ``--min-share`` drops the diagnostic (never a file problem)."""
        if diagnostic.is_file_problem:
            return False
        found = self.share(diagnostic)
        return found is None or found.cumulative_share * 100 < minimum
