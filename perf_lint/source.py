"""Source text, without libcst: decoding a file's bytes as Python does, and
the diagnostics about a file itself (it cannot be read, decoded or parsed,
or nests too deeply for the parsers).

The CLI and the language server import this module; a warm run (every file
a cache hit) never loads libcst."""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from typing import Optional, Tuple

from perf_lint.diagnostic import FILE_PROBLEM, Diagnostic, Location

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
