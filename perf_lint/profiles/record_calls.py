"""Run a program and record, for the functions named in a targets file,
how often each is called with arguments equal to an earlier call's (see
``perf_lint.profiles.repeats``). Standard library only: it runs in the
program's interpreter, by path, like ``python -m cProfile``::

    python record_calls.py OUT TARGETS -- prog.py ARGS
    python record_calls.py OUT TARGETS -- -m module ARGS
"""

import json
import os
import runpy
import sys
import threading

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


def main(argv):
    out, targets_file = argv[0], argv[1]
    program = argv[3:] if argv[2:3] == ["--"] else argv[2:]
    with open(targets_file, encoding="utf-8") as handle:
        wanted = {(f, int(line), name) for f, line, name in json.load(handle)}
    stats = {}  # code -> [calls, keyed, hashes, capped]
    known = {}  # code -> its entry in stats, or None

    def watch(frame, event, arg):
        code = frame.f_code
        entry = known.get(code, 0)
        if entry == 0:
            key = (code.co_filename, code.co_firstlineno, code.co_name)
            entry = known[code] = [0, 0, set(), 0] if key in wanted else None
            if entry is not None:
                stats[code] = entry
        if entry is None:
            return None
        entry[0] += 1
        count = code.co_argcount + code.co_kwonlyargcount
        count += bool(code.co_flags & 0x04) + bool(code.co_flags & 0x08)
        values = frame.f_locals
        try:
            arguments = tuple(values[name] for name in code.co_varnames[:count])
            if not all(_by_value(value) for value in arguments):
                return None
            digest = hash(arguments)
        except Exception:  # an argument whose hash fails: not cacheable
            return None
        entry[1] += 1
        hashes = entry[2]
        if digest not in hashes:
            if len(hashes) < MAX_DISTINCT:
                hashes.add(digest)
            else:  # past the cap: a miss, as if it were a new tuple
                entry[3] += 1
        return None

    def save():
        sys.settrace(None)
        threading.settrace(None)
        records = []
        for code, (calls, keyed, hashes, missed) in stats.items():
            records.append(
                {
                    "file": code.co_filename,
                    "line": code.co_firstlineno,
                    "name": getattr(code, "co_qualname", code.co_name),
                    "calls": calls,
                    "keyed": keyed,
                    # A miss past the cap counts as one more distinct tuple.
                    "distinct": len(hashes) + missed,
                    "capped": missed > 0,
                }
            )
        with open(out, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "functions": records}, handle)

    if program[:1] == ["-m"]:
        sys.argv = [program[1], *program[2:]]
        sys.path[0] = os.getcwd()
        run = lambda: runpy.run_module(program[1], run_name="__main__", alter_sys=True)  # noqa: E731
    else:
        sys.argv = list(program)
        sys.path[0] = os.path.dirname(os.path.abspath(program[0]))
        run = lambda: runpy.run_path(program[0], run_name="__main__")  # noqa: E731
    code = 0
    threading.settrace(watch)
    sys.settrace(watch)
    try:
        run()
    except SystemExit as exit:
        code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
    finally:
        save()
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
