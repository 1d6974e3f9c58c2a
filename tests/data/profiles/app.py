"""A workload whose findings sit in functions of very different cost.

The tests profile it with cProfile (``python app.py ROUNDS``); the other
files of this directory are profiles of it recorded by py-spy, austin and
pyinstrument (README.md says how). Each line marked ``# finding`` is one
perf-lint diagnostic."""

import sys

PRIMES = [value for value in range(50) if value in [2, 3, 5, 7]]  # finding


def traced(function):
    return function


def hot(values):
    """Most of the run: a membership test in a loop over many values."""
    count = 0
    for value in values:
        if value in [3, 5, 7, 11, 13]:  # finding
            count += 1
    return count


def warm(size):
    """A tenth of the run or so."""
    squares = {}
    for index in range(size):  # finding
        squares[index] = index * index
    return squares


def cold():
    """Called once."""
    return "x" in ["a", "b"]  # finding


def never():
    """Never called."""
    return 1 in [2, 3]  # finding


class Reader:
    def parse(self, values):
        return sum(1 for value in values if value in (1, 2))  # finding


class Writer:
    def parse(self, values):
        return len(values) in (0, 1)  # finding


@traced
def decorated(values):
    if len(values) in [0, 1]:  # finding
        return values
    return sorted(values, key=lambda value: value in [1, 4, 9])  # finding


def main(rounds):
    values = list(range(200))
    for _ in range(rounds):
        for _ in range(25):
            hot(values)
        warm(600)
        Reader().parse(values)
        Writer().parse(values)
        decorated(values[:20])
    cold()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
