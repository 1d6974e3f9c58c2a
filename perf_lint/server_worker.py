"""What the language server's worker processes run (``perf_lint.server``
starts them): the analysis of a document's text and its "fix all", away
from the server's event loop. This module does not load pygls, so that a
worker starts quickly.

A worker answers each request ``(kind, uri, source, path, keep)`` sent on
its connection with ``("ok", answer)`` or ``("error", message)``: ``kind``
``"analyse"`` answers ``findings``, ``"fix"`` answers ``fix_all``; the
incremental analyses of the documents in ``keep`` (the open ones) are kept
between requests."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from perf_lint.diagnostic import Diagnostic
from perf_lint.trust import FixMode

log = logging.getLogger("perf_lint.server")


def _path(document_path: Optional[str], uri: str) -> Tuple[str, Path]:
    """The path the engine reports and the directory whose configuration
    applies (the working directory for documents that are not files)."""
    if document_path and uri.startswith("file:"):
        return document_path, Path(document_path).parent
    return "untitled.py", Path.cwd()


def findings(
    source: str,
    document_path: Optional[str],
    uri: str,
    documents: Optional[Dict[str, Any]] = None,
) -> Tuple[List[Diagnostic], Optional[str], Optional[Any]]:
    """The diagnostics of one version of a document, the problem with its
    configuration or profile (if any) and what its profile says of them.
    With ``documents`` (the open documents' incremental analyses, by URI),
    only the definitions an edit changed are analysed again
    (``perf_lint.incremental``); the result is the same as a whole analysis."""
    from perf_lint.config import ConfigError, Resolver
    from perf_lint.engine import Engine
    from perf_lint.incremental import Document

    path, directory = _path(document_path, uri)
    try:
        config = Resolver().for_path(str(directory / Path(path).name))
    except ConfigError as error:
        return [], str(error), None
    heat = _heat(config, path)
    if documents is None or heat is not None:
        # With a profile for the profile-guided rules, the whole text is
        # analysed (their findings depend on the profile, not on the edit).
        diagnostics = Engine(config, heat=heat).check_text(source, path).diagnostics
    else:
        document = documents.get(uri)
        if document is None or document.config != config or document.path != path:
            rules = Engine(config).rules_for(path)
            document = documents[uri] = Document(path, rules, config)
        diagnostics = document.update(source).diagnostics
    ranking, problem = _profile(config, source, path, diagnostics)
    return diagnostics, problem, ranking


def _heat(config: Any, path: str) -> Optional[Any]:
    """The profile facts for the profile-guided rules (PRF6xx), when one of
    them is selected for ``path`` and the configuration names a profile."""
    from perf_lint.config import ConfigError, configured_profile_limit, configured_profiles
    from perf_lint.registry import BY_CODE

    if not any(BY_CODE[code].NEEDS_PROFILE for code in config.selected_codes(path)):
        return None
    try:
        paths = configured_profiles(config)
        limit = configured_profile_limit(config)
    except ConfigError:
        return None  # reported by ``_profile``
    if not paths:
        return None
    from perf_lint.profiles.heat import ProfileHeat

    return ProfileHeat(tuple(paths), limit, str(config.root))


def _profile(
    config: Any, source: str, path: str, diagnostics: List[Diagnostic]
) -> Tuple[Optional[Any], Optional[str]]:
    """What the ``profile`` of the document's configuration says of its
    diagnostics, or the problem with that profile (the diagnostics are
    shown all the same). Profiles are read again only when they change."""
    from perf_lint.config import ConfigError, configured_profile_limit, configured_profiles

    try:
        paths = configured_profiles(config)
        limit = configured_profile_limit(config)
    except ConfigError as error:
        return None, str(error)
    if not paths:
        return None, None
    from perf_lint import profiles

    try:
        loaded = profiles.load(paths, limit)
    except profiles.ProfileError as error:
        return None, str(error)
    names = [
        os.path.relpath(p, config.root) if p.startswith(str(config.root)) else p for p in paths
    ]
    ranking = profiles.rank(
        [(names, loaded, diagnostics)], {path: source}, {path: str(config.root)}
    )
    return ranking, None


def fix_all(source: str, document_path: Optional[str], uri: str) -> Optional[str]:
    """The document with every safe fix applied (``None`` if nothing changes)."""
    from perf_lint.config import ConfigError, Resolver
    from perf_lint.engine import Engine

    path, directory = _path(document_path, uri)
    try:
        config = Resolver().for_path(str(directory / Path(path).name))
    except ConfigError:
        return None  # reported as a diagnostic by ``analyse``
    result = Engine(config).check_text(source, path, fix=FixMode.SAFE)
    return result.fixed_source if result.changed else None


def serve(connection: Any, parent: int) -> None:
    """A worker process: answer requests from the server until it goes.
    Each open document's incremental analysis stays here between requests."""
    import signal
    import threading

    with contextlib.suppress(ValueError, OSError, AttributeError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server decides when to stop
    logging.basicConfig(level=os.environ.get("PERF_LINT_LOG", "WARNING"))

    def watchdog() -> None:  # die with the server, even mid-analysis
        while True:
            time.sleep(1.0)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watchdog, name="perf-lint watchdog", daemon=True).start()
    # Loaded now, while the editor is still starting, not on its first document.
    import perf_lint.config
    import perf_lint.engine
    import perf_lint.incremental  # noqa: F401

    try:
        connection.send(("ready", None))
    except (EOFError, OSError):
        return
    documents: Dict[str, Any] = {}
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            answer: Tuple[str, Any] = ("ok", _work(request, documents))
        except Exception as error:  # reported to the editor, never fatal
            log.exception("perf-lint failed on %s", request[1])
            answer = ("error", f"internal error: {error!r}")
        try:
            connection.send(answer)
        except (EOFError, OSError):
            return
        except Exception as error:  # a result that cannot be sent back
            connection.send(("error", f"internal error: {error!r}"))


def _work(request: Tuple[Any, ...], documents: Dict[str, Any]) -> Any:
    kind, uri, source, path, keep = request
    for gone in set(documents) - set(keep):
        del documents[gone]
    if kind == "fix":
        return fix_all(source, path, uri)
    return findings(source, path, uri, documents)
