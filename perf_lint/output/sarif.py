"""SARIF 2.1.0, the format GitHub code scanning and other dashboards read.

Every registered rule is described in ``tool.driver.rules`` (help text from
its documentation, ``helpUri`` the same address as the JSON ``url``); every
diagnostic is a result pointing at its rule by id and index, with a region
in 1-based lines and Unicode code point columns, and its fix where one
exists. Artifact URIs are relative to ``%SRCROOT%``, the root of the git
work tree (else the working directory), so that the log is portable and
code scanning finds the files when the run was made in a subdirectory.
Problems with a file (syntax errors, unreadable files) are results of
the rule ``E902`` (described after the PRF rules) with ``level:
error``."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Dict, Type
from urllib.parse import quote

from perf_lint import __version__
from perf_lint.diagnostic import FILE_PROBLEM
from perf_lint.output import FILE_PROBLEM_NAME, RunSummary, rule_url
from perf_lint.rule import Diagnostic, FixRecord, Location, Rule

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/perf-lint/perf-lint"
_SECTION = re.compile(r"^## What it does\s*\n(?P<body>.*?)(?:\n## |\Z)", re.DOTALL | re.MULTILINE)


def _what_it_does(rule: Type[Rule]) -> str:
    text = rule.documentation()
    match = _SECTION.search(text)
    body = match.group("body") if match else text
    return " ".join(body.split()) or rule.MESSAGE


def _rule(rule: Type[Rule]) -> Dict[str, Any]:
    from perf_lint.docs import rule_page

    page = rule_page(rule)
    return {
        "id": rule.CODE,
        "name": rule.NAME,
        "shortDescription": {"text": rule.MESSAGE},
        "fullDescription": {"text": _what_it_does(rule)},
        "help": {"text": page, "markdown": page},
        "helpUri": rule_url(rule.CODE, rule.NAME),
        "defaultConfiguration": {"level": "warning"},
        "properties": {"fix": rule.FIX.value},
    }


def _file_problem_rule() -> Dict[str, Any]:
    from perf_lint.docs import FILE_PROBLEM_TEXT

    return {
        "id": FILE_PROBLEM,
        "name": FILE_PROBLEM_NAME,
        "shortDescription": {"text": "The file cannot be read, decoded or parsed"},
        "fullDescription": {"text": " ".join(FILE_PROBLEM_TEXT.split())},
        "help": {"text": FILE_PROBLEM_TEXT, "markdown": FILE_PROBLEM_TEXT},
        "helpUri": rule_url(FILE_PROBLEM, FILE_PROBLEM_NAME),
        "defaultConfiguration": {"level": "error"},
    }


def source_root(start: Path) -> Path:
    """``%SRCROOT%``: the top of the git work tree holding ``start`` (code
    scanning resolves a result's URI against the repository's root), else
    ``start`` (the working directory)."""
    start = Path(os.path.abspath(start))
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return start


def _artifact(path: str, base: Path) -> Dict[str, Any]:
    """A URI relative to ``%SRCROOT%`` (``base``) where the file lies below
    it, else an absolute ``file:`` URI."""
    if path == "-" or path.startswith("<"):
        return {"uri": quote(path)}
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(base)
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": "%SRCROOT%"}


def _directory_uri(base: Path) -> str:
    uri = base.as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _region(start: Location, end: Location) -> Dict[str, int]:
    return {
        "startLine": start.row,
        "startColumn": start.column,
        "endLine": end.row,
        "endColumn": end.column,
    }


def _fix(fix: FixRecord, artifact: Dict[str, Any]) -> Dict[str, Any]:
    unsafe = "" if fix.applicability.value == "safe" else " (unsafe)"
    return {
        "description": {"text": (fix.message or "Apply the fix") + unsafe},
        "artifactChanges": [
            {
                "artifactLocation": artifact,
                "replacements": [
                    {
                        "deletedRegion": _region(edit.location, edit.end_location),
                        "insertedContent": {"text": edit.content},
                    }
                    for edit in fix.edits
                ],
            }
        ],
        "properties": {"applicability": fix.applicability.value},
    }


def _result(
    diagnostic: Diagnostic, index: Dict[str, int], base: Path, profile: Any = None
) -> Dict[str, Any]:
    artifact = _artifact(diagnostic.path, base)
    result: Dict[str, Any] = {
        "ruleId": diagnostic.code,
        "level": "error" if diagnostic.is_file_problem else "warning",
        "message": {"text": diagnostic.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": _region(diagnostic.location, diagnostic.end_location),
                }
            }
        ],
    }
    if diagnostic.code in index:
        result["ruleIndex"] = index[diagnostic.code]
    if diagnostic.fix is not None:
        result["fixes"] = [_fix(diagnostic.fix, artifact)]
    if profile is not None and not diagnostic.is_file_problem:
        rank = profile.rank(diagnostic)
        if rank is not None:
            result["rank"] = rank
        result["properties"] = {"profile": profile.json(diagnostic)}
    return result


def document(summary: RunSummary, base: Path) -> Dict[str, Any]:
    """The SARIF log of one run, as a JSON-ready dictionary."""
    from perf_lint.registry import RULES

    index = {rule.CODE: position for position, rule in enumerate(RULES)}
    index[FILE_PROBLEM] = len(RULES)
    results = [_result(d, index, base, summary.profile) for d in summary.diagnostics]
    run: Dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "perf-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [*(_rule(rule) for rule in RULES), _file_problem_rule()],
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": _directory_uri(base)}},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if summary.profile is not None:
        run["properties"] = {"profiles": list(summary.profile.headers)}
    return {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}


def render(summary: RunSummary) -> str:
    base = source_root(Path(os.getcwd()))
    return json.dumps(document(summary, base), indent=2, ensure_ascii=False) + "\n"
