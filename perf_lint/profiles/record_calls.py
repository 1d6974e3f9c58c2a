"""Run a program and record, for the functions named in a targets file,
how often each is called with arguments equal to an earlier call's (see
``perf_lint.profiles.repeats``). Standard library only: it runs in the
program's interpreter, by path, like ``python -m cProfile``::

    python record_calls.py OUT TARGETS -- prog.py ARGS
    python record_calls.py OUT TARGETS -- -m module ARGS

A watched function of an imported module is replaced, right after its
module is executed, by a wrapper that records its arguments (in the
module's namespace, and in the classes the module defines: plain methods
and static methods); the rest of the program runs untouched. A watched
function of the script itself is recorded by a ``sys.settrace`` hook
instead, which slows every call of the run. Calls made through a
reference taken before the wrapping (an alias bound while the module was
executing, a nested function) are not recorded.
"""

import functools
import json
import os
import runpy
import sys
import threading
from importlib import machinery

MAX_DISTINCT = 10_000


def _by_value(value, depth=0):
    """Whether ``value`` is hashable by value (its type defines a hash;
    the items of a tuple or frozenset too)."""
    kind = type(value)
    if kind in (int, str, float, bool, bytes, type(None)):
        return True
    if depth > 4 or kind.__hash__ is None or kind.__hash__ is object.__hash__:
        return False
    if isinstance(value, (tuple, frozenset)):
        return all(_by_value(item, depth + 1) for item in value)
    return True


class Entry:
    """What was recorded of one function."""

    __slots__ = ("calls", "code", "hashes", "keyed", "missed")

    def __init__(self, code):
        self.code = code
        self.calls = 0
        self.keyed = 0
        self.hashes = set()
        self.missed = 0

    def add(self, arguments):
        """One call with the values ``arguments`` (a tuple)."""
        self.calls += 1
        try:
            if not all(_by_value(value) for value in arguments):
                return
            digest = hash(arguments)
        except Exception:  # an argument whose hash fails: not cacheable
            return
        self.keyed += 1
        if digest not in self.hashes:
            if len(self.hashes) < MAX_DISTINCT:
                self.hashes.add(digest)
            else:  # past the cap: a miss, as if it were a new tuple
                self.missed += 1

    def record(self):
        code = self.code
        return {
            "file": code.co_filename,
            "line": code.co_firstlineno,
            "name": getattr(code, "co_qualname", code.co_name),
            "calls": self.calls,
            "keyed": self.keyed,
            # A miss past the cap counts as one more distinct tuple.
            "distinct": len(self.hashes) + self.missed,
            "capped": self.missed > 0,
        }


class Recorder:
    def __init__(self, wanted):
        #: (file, first line, name) -> its Entry, once seen.
        self.wanted = wanted
        self.files = {os.path.abspath(f) for f, _, _ in wanted}
        self.entries = {}

    def entry(self, code):
        key = (code.co_filename, code.co_firstlineno, code.co_name)
        if key not in self.wanted:
            return None
        found = self.entries.get(key)
        if found is None:
            found = self.entries[key] = Entry(code)
        return found

    # -- functions of imported modules: wrapped ---------------------------------
    def wrapped(self, function):
        code = getattr(function, "__code__", None)
        entry = self.entry(code) if code is not None else None
        if entry is None:
            return None
        add = entry.add

        @functools.wraps(function)
        def recording(*args, **kwargs):
            add(args + tuple(sorted(kwargs.items())) if kwargs else args)
            return function(*args, **kwargs)

        return recording

    def wrap_module(self, module):
        path = getattr(module, "__file__", None)
        if not path or os.path.abspath(path) not in self.files:
            return
        for name, value in list(vars(module).items()):
            if isinstance(value, type) and value.__module__ == module.__name__:
                self.wrap_class(value, set())
                continue
            new = self.wrapped(value) if callable(value) else None
            if new is not None:
                setattr(module, name, new)

    def wrap_class(self, cls, seen):
        if cls in seen:
            return
        seen.add(cls)
        for name, value in list(vars(cls).items()):
            if isinstance(value, staticmethod):
                new = self.wrapped(value.__func__)
                if new is not None:
                    setattr(cls, name, staticmethod(new))
            elif isinstance(value, type) and value.__module__ == cls.__module__:
                self.wrap_class(value, seen)
            elif callable(value) and not isinstance(value, (classmethod, type)):
                new = self.wrapped(value)
                if new is not None:
                    setattr(cls, name, new)

    # -- functions of the script itself: traced ---------------------------------
    def trace(self, frame, event, arg):
        code = frame.f_code
        entry = self.entry(code)
        if entry is None:
            return None
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
        values = frame.f_locals
        # At the call event, every argument is a local variable.
        entry.add(tuple(values[name] for name in code.co_varnames[:count]))
        return None

    def save(self, out):
        records = [entry.record() for entry in self.entries.values()]
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "functions": records}, handle)


def main(argv):
    out, targets_file = argv[0], argv[1]
    program = argv[3:] if argv[2:3] == ["--"] else argv[2:]
    with open(targets_file, encoding="utf-8") as handle:
        wanted = {(f, int(line), name) for f, line, name in json.load(handle)}
    recorder = Recorder(wanted)
    original = machinery.SourceFileLoader.exec_module

    def exec_module(loader, module):
        original(loader, module)
        recorder.wrap_module(module)

    machinery.SourceFileLoader.exec_module = exec_module
    if program[:1] == ["-m"]:
        sys.argv = [program[1], *program[2:]]
        sys.path[0] = os.getcwd()
        script = None
        run = lambda: runpy.run_module(program[1], run_name="__main__", alter_sys=True)  # noqa: E731
    else:
        sys.argv = list(program)
        script = os.path.abspath(program[0])
        sys.path[0] = os.path.dirname(script)
        run = lambda: runpy.run_path(program[0], run_name="__main__")  # noqa: E731
    traced = script is not None and script in recorder.files
    code = 0
    if traced:
        threading.settrace(recorder.trace)
        sys.settrace(recorder.trace)
    try:
        run()
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        sys.settrace(None)
        threading.settrace(None)
        machinery.SourceFileLoader.exec_module = original
        recorder.save(out)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
