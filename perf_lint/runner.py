"""Running the engine over many files: results cache first, then the files
that missed, in this process or in worker processes (``--jobs``).

Results come back in the order the files were given, whatever the number of
workers, so the output of ``--jobs 1`` and ``--jobs N`` is identical."""

from __future__ import annotations

import dataclasses
import gc
import os
import sys
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, FrozenSet, List, Optional, Sequence, Tuple

from perf_lint.cache import Cache, CachedResult, config_identity, diagnostics_from_bytes, file_key
from perf_lint.config import Config
from perf_lint.timings import QUIET
from perf_lint.trust import FixMode

if TYPE_CHECKING:  # pragma: no cover - only --timings imports it
    from perf_lint.timings import Timings

#: Below this many bytes to analyse, worker processes cost more than they save.
PARALLEL_MIN_BYTES = 256 * 1024


def default_jobs() -> int:
    """All the cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except OSError:  # pragma: no cover
            pass
    return max(1, os.cpu_count() or 1)


@dataclasses.dataclass
class Task:
    """One file to check: ``target`` is the path on disk (``-`` for stdin),
    ``display`` the name in diagnostics."""

    target: str
    display: str
    data: bytes
    config: Config
    #: What reading the file saw (``reading.Read``; ``None`` for stdin).
    read: Any = None
    #: When fixing: the findings whose fixes may be applied (``--min-share``;
    #: ``fixing.finding``), or ``None`` for all of them.
    only: Optional[FrozenSet[Any]] = None
    #: The profile facts for the profile-guided rules (``heat.HeatSource``),
    #: when the file has a profile.
    heat: Any = None


@dataclasses.dataclass
class Outcome:
    """A file's result (a ``FileResult``, or a ``CachedResult`` on a cache
    hit), or the text of an internal error."""

    task: Task
    result: Any = None
    error: Optional[str] = None


# -- in a worker (or in this process) -------------------------------------------
_ENGINES: Dict[str, Any] = {}
_TIMINGS: Optional[Timings] = None


def _engine(identity: str, config: Config, timed: bool, heat: Any = None) -> Any:
    key = identity if heat is None else f"{identity}\0{heat.identity}"
    engine = _ENGINES.get(key)
    if engine is None:
        from perf_lint.engine import Engine

        if not _ENGINES:
            quiet_collector()
        engine = _ENGINES[key] = Engine(config, heat=heat)
    engine.hooks = _TIMINGS if timed and _TIMINGS is not None else QUIET
    return engine


def quiet_collector() -> None:
    """Analysis makes millions of short-lived objects (syntax trees) that
    reference counting frees; at the default thresholds the cycle collector
    still spent 1.3 s of a 19 s cold run on Django walking them and the
    objects of the modules loaded (libcst's among them), 0.36 s after this.
    Move what exists now out of the collector's sight and collect less
    often; the rare cycles are still collected."""
    gc.freeze()
    gc.set_threshold(100_000, 10, 10)


def _check(
    item: Tuple[int, str, bytes, Config, str, str, bool, Optional[FrozenSet[Any]], Any],
) -> Tuple[int, Any, Optional[str], Optional[Dict[str, Any]]]:
    index, display, data, config, identity, mode, want_timings, only, heat = item
    global _TIMINGS
    if want_timings and _TIMINGS is None:
        from perf_lint import timings

        _TIMINGS = timings.Timings()
    started = time.perf_counter()
    try:
        engine = _engine(identity, config, want_timings, heat)
        if only is None:
            result = engine.check_bytes(data, display, fix=mode)
        else:  # --min-share: the fixes of these findings alone
            result = engine.check_bytes(data, display, fix=mode, only=only)
        error = None
        if mode is FixMode.NONE:
            result.source = ""  # not needed by the command; less to send back
    except Exception as problem:
        result, error = None, f"internal error: {type(problem).__name__}: {problem}"
    report = None
    if want_timings and _TIMINGS is not None:
        _TIMINGS.add("check (total)", time.perf_counter() - started)
        report = _TIMINGS.take()
    return index, result, error, report


def _init_worker(parent: int) -> None:  # pragma: no cover - runs in the workers
    # The parent handles Ctrl-C; workers just stop with it.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Have the kernel kill this process when its parent dies, however the
    parent died (``kill -9`` included): a worker left behind would hold the
    run's stdout and stderr open, and a CI step reading them would never
    end. Linux only (``PR_SET_PDEATHSIG``); elsewhere the pool's own
    shutdown is all there is."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - no prctl
        return
    if os.getppid() != parent:
        os._exit(1)  # the parent died before the request took effect


def profile_identity(task: Task) -> str:
    """What of the task's profile enters its cache key: the profile's
    identity when a profile-guided rule is selected for the file (its
    findings depend on the profile), else nothing."""
    if task.heat is None:
        return ""
    from perf_lint.registry import BY_CODE

    codes = task.config.selected_codes(task.display)
    if not any(BY_CODE[code].NEEDS_PROFILE for code in codes):
        return ""
    return "\0profile:" + task.heat.identity


# -- the runner -----------------------------------------------------------------
class Runner:
    """Checks tasks with the cache, and ``jobs`` processes for the misses."""

    def __init__(
        self,
        mode: FixMode,
        jobs: int = 1,
        cache: Optional[Cache] = None,
        timings: Optional[Timings] = None,
        on_done: Optional[Callable[[Outcome], None]] = None,
    ) -> None:
        self.mode = mode
        self.jobs = max(1, jobs)
        self.cache = cache if mode is FixMode.NONE else None
        self.timings = timings
        self.on_done = on_done
        self._identities: Dict[int, str] = {}
        #: How many worker processes the last ``run`` used (0: none).
        self.workers = 0

    def _identity(self, config: Config) -> str:
        found = self._identities.get(id(config))
        if found is None:
            found = self._identities[id(config)] = config_identity(config)
        return found

    def run(self, tasks: Sequence[Task]) -> List[Outcome]:
        outcomes: List[Optional[Outcome]] = [None] * len(tasks)
        keys: Dict[int, str] = {}
        work: List[int] = []
        started = time.perf_counter()
        for index, task in enumerate(tasks):
            if self.cache is not None:
                identity = self._identity(task.config) + profile_identity(task)
                key = keys[index] = file_key(
                    self.cache, task.display, task.data, identity, self.mode
                )
                data = self.cache.get(key)
                if data is not None:
                    try:
                        diagnostics = diagnostics_from_bytes(data, task.display)
                    except ValueError:
                        pass  # corrupt: analyse again and rewrite it
                    else:
                        outcomes[index] = Outcome(task, CachedResult(diagnostics))
                        self._done(outcomes[index])  # type: ignore[arg-type]
                        continue
            work.append(index)
        if self.timings is not None and self.cache is not None:
            self.timings.add("cache lookup", time.perf_counter() - started)
        for index, result, error in self._analyse(tasks, work):
            outcome = outcomes[index] = Outcome(tasks[index], result, error)
            self._done(outcome)
            if self.cache is not None and error is None and not result.messages:
                from perf_lint.cache import diagnostics_to_bytes

                stored = time.perf_counter()
                self.cache.put(keys[index], diagnostics_to_bytes(result.diagnostics))
                if self.timings is not None:
                    self.timings.add("cache store", time.perf_counter() - stored)
        if self.cache is not None:
            pruned = time.perf_counter()
            self.cache.prune()
            if self.timings is not None and self.cache.written:
                self.timings.add("cache prune", time.perf_counter() - pruned)
        return outcomes  # type: ignore[return-value]

    def _done(self, outcome: Outcome) -> None:
        if self.on_done is not None:
            self.on_done(outcome)

    def _items(self, tasks: Sequence[Task], work: Sequence[int]) -> List[Tuple[Any, ...]]:
        want = self.timings is not None
        return [
            (
                index,
                tasks[index].display,
                tasks[index].data,
                tasks[index].config,
                self._identity(tasks[index].config),
                self.mode,
                want,
                tasks[index].only,
                tasks[index].heat,
            )
            for index in work
        ]

    def _analyse(self, tasks: Sequence[Task], work: List[int]):  # type: ignore[no-untyped-def]
        """Yield ``(index, result, error)`` for every index in ``work``."""
        size = sum(len(tasks[index].data) for index in work)
        jobs = min(self.jobs, len(work))
        if jobs > 1 and size >= PARALLEL_MIN_BYTES:
            yield from self._in_workers(tasks, work, jobs)
            return
        for item in self._items(tasks, work):
            yield self._finish(*_check(item))

    def _finish(
        self, index: int, result: Any, error: Optional[str], report: Optional[Dict[str, Any]]
    ) -> Tuple[int, Any, Optional[str]]:
        if report is not None and self.timings is not None:
            self.timings.merge(report)
        return index, result, error

    def _in_workers(self, tasks: Sequence[Task], work: List[int], jobs: int):  # type: ignore[no-untyped-def]
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        # Largest files first, one file per message: both cores stay busy to
        # the end instead of one finishing its share early.
        order = sorted(work, key=lambda index: -len(tasks[index].data))
        self.workers = jobs
        methods = multiprocessing.get_all_start_methods()
        method = "fork" if sys.platform == "linux" and "fork" in methods else "spawn"
        context = multiprocessing.get_context(method)
        pending = set(order)
        pool = ProcessPoolExecutor(
            jobs, mp_context=context, initializer=_init_worker, initargs=(os.getpid(),)
        )
        try:
            for answer in pool.map(_check, self._items(tasks, order), chunksize=1):
                pending.discard(answer[0])
                yield self._finish(*answer)
        except BrokenProcessPool:
            for index in sorted(pending):
                yield index, None, "internal error: a worker process died"
        finally:
            # On an interrupt, drop the files not started rather than wait for them.
            pool.shutdown(wait=True, cancel_futures=True)
