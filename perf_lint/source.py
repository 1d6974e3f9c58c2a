"""What every front shares before and after an analysis, without libcst:
decoding a file's bytes as Python does, the diagnostics about a file itself
(it cannot be read, decoded or parsed), the fix modes and the one answer to
"does this mode apply that fix", the ``FileResult`` of a check and the
``Hooks`` an analysis reports its time to.

The CLI, the runner, the output formats and the language server import this
module; a warm run (every file a cache hit) never loads libcst."""

from __future__ import annotations

import ast
import collections
import contextlib
import dataclasses
import enum
import io
import tokenize
import warnings
from typing import Any, Callable, ContextManager, Counter, List, Optional, Sequence, Tuple

from perf_lint.diagnostic import FILE_PROBLEM, Applicability, Diagnostic, Location


class FixMode(str, enum.Enum):
    """Which fixes a run applies: none (a lint run), the safe ones, or all."""

    NONE = "none"
    SAFE = "safe"
    UNSAFE = "unsafe"

    def applies(self, applicability: Optional[Applicability]) -> bool:
        """This mode applies a fix of ``applicability`` (``None``: no fix)."""
        if applicability is None or self is FixMode.NONE:
            return False
        return applicability is Applicability.SAFE or self is FixMode.UNSAFE

    def fixes_any(self, diagnostics: Sequence[Diagnostic]) -> bool:
        """One of ``diagnostics`` has a fix that this mode applies."""
        return any(d.fix is not None and self.applies(d.fix.applicability) for d in diagnostics)

    @classmethod
    def of(cls, unsafe_fixes: bool) -> FixMode:
        """The mode of ``--fix``, with or without ``--unsafe-fixes``."""
        return cls.UNSAFE if unsafe_fixes else cls.SAFE


class Hooks:
    """Where an analysis reports its time: ``phase(name)`` around each stage
    and ``wrap(rule, method)`` around each rule method. These do nothing;
    ``perf_lint.timings.Timings`` records (``--timings``)."""

    _NOTHING = contextlib.nullcontext()

    def phase(self, name: str) -> ContextManager[Any]:
        return self._NOTHING

    #: ``None``: rule methods run as they are.
    wrap: Optional[Callable[[Any, Callable[..., Any]], Callable[..., Any]]] = None


QUIET = Hooks()


@dataclasses.dataclass
class FileResult:
    """The outcome for one file: the diagnostics left, and when fixing, the
    new text and what was fixed."""

    path: str
    source: str
    encoding: str = "utf-8"
    diagnostics: List[Diagnostic] = dataclasses.field(default_factory=list)
    fixed_source: Optional[str] = None
    fixed: Counter[str] = dataclasses.field(default_factory=collections.Counter)
    messages: List[str] = dataclasses.field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.fixed_source is not None and self.fixed_source != self.source

    def fixed_bytes(self) -> bytes:
        return (self.fixed_source if self.fixed_source is not None else self.source).encode(
            self.encoding
        )


# -- decoding --------------------------------------------------------------------


class SourceError(Exception):
    """The bytes of a file are not Python source text."""


def decode(data: bytes) -> Tuple[str, str]:
    """Decode source bytes as Python does (BOM, PEP 263 cookie, else UTF-8).
    The BOM is dropped from the text and kept in the returned encoding."""
    if b"\0" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise SourceError("binary file (not Python source text)") from None
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        raise SourceError(_encoding_problem(data, error)) from error
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError) as error:
        raise SourceError(f"cannot decode as {encoding}: {error}") from error


def _encoding_problem(data: bytes, error: SyntaxError) -> str:
    """A clear account of why ``data`` cannot be decoded: where the first
    byte that is not UTF-8 sits, when that is the trouble."""
    message = str(error.msg if error.msg else error)
    if "encoding" in message and "unknown" not in message:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as bad:
            row = data.count(b"\n", 0, bad.start) + 1
            column = bad.start - (data.rfind(b"\n", 0, bad.start) + 1) + 1
            return (
                f"not valid UTF-8 (byte 0x{data[bad.start]:02x} at line {row}, column {column}) "
                "and no PEP 263 coding declaration names another encoding"
            )
    return message


# -- diagnostics about a file itself ------------------------------------------------


def file_problem(path: str, name: str, message: str, row: int = 1, column: int = 1) -> Diagnostic:
    """A diagnostic about the file itself, code ``E902`` in every format (no
    rule selection hides it; ``--ignore E902`` turns it into a warning):
    ``name`` is ``decode-error``, ``syntax-error``, ``parse-error`` or
    ``io-error``."""
    location = Location(row, column)
    return Diagnostic(FILE_PROBLEM, name, message, path, location, location)


def undecodable(path: str, error: SourceError) -> Diagnostic:
    return file_problem(path, "decode-error", f"cannot read source: {error}")


def python_syntax_error(source: str) -> Optional[Tuple[str, int, int]]:
    """CPython's account of why it rejects ``source`` (message, row,
    column), or ``None`` when it accepts it."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except SyntaxError as error:
            return error.msg, error.lineno or 1, max(error.offset or 1, 1)
        except (ValueError, MemoryError, RecursionError) as error:
            return str(error) or type(error).__name__, 1, 1
    return None


def syntax_error(
    path: str, source: str, fallback: str, fallback_row: int, fallback_column: int
) -> Diagnostic:
    """Where and why the file does not parse: CPython's account when it
    agrees that the file is invalid (it points where users expect), else the
    ``fallback`` (libcst's)."""
    found = python_syntax_error(source)
    if found is not None:
        message, row, column = found
    else:
        message, row, column = fallback, fallback_row, fallback_column
    return file_problem(path, "syntax-error", f"SyntaxError: {message}", row, column)


#: CPython's messages for nesting its parser or compiler cannot take. Such a
#: file must never reach libcst's native parser, which can overflow its
#: stack on the same input and take the whole process down.
_NESTING_MESSAGES = ("too many nested parentheses", "too many levels of indentation")


def too_deep(path: str, source: str) -> Optional[Diagnostic]:
    """A diagnostic when CPython rejects ``source`` for its nesting (or runs
    out of recursion or memory on it), else ``None``. Call it only for a
    text whose ``ast`` could not be built."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except SyntaxError as error:
            if not any(text in str(error.msg) for text in _NESTING_MESSAGES):
                return None
            row, column = error.lineno or 1, error.offset or 1
            return file_problem(path, "syntax-error", f"SyntaxError: {error.msg}", row, column)
        except (RecursionError, MemoryError) as error:
            message = f"cannot parse: nested too deeply for Python ({type(error).__name__})"
            return file_problem(path, "parse-error", message)
        except ValueError:
            return None  # null bytes: libcst reports them as a syntax error
    return None
