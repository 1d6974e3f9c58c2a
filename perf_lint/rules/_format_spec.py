"""Which ``format()`` specifications ``%``-formatting reproduces exactly.

``translate(spec, conversion)`` returns the ``%`` conversion that renders a
value the way ``format(value, spec)`` does (after ``!r``/``!s``/``!a`` when
``conversion`` is given), together with the builtin types for which that
holds; ``None`` when no ``%`` conversion can. The invariant, tested as a
property over values of every listed type, is::

    format(v, spec) == ("%" + result.percent[1:]) % v   for v of result.types

(with ``v`` first passed through ``repr``/``str``/``ascii`` when a conversion
is given). Only this subset of the mini-language is accepted:

* no spec at all: ``%s`` (any value whose ``__format__`` is the builtin one),
  ``%r``/``%s``/``%a`` after a conversion (any value);
* strings (``s`` or no type; also any value after a conversion): ``<``/``>``
  alignment, a width and a precision (``%-10.3s``);
* integers (``d``, ``x``, ``X``, ``o``, also for ``bool``): alignment, a
  ``+``/space sign, ``#`` (not for ``d``), zero padding and a width;
* ``e``, ``E``, ``f``, ``F``, ``g``, ``G`` (``int``, ``float`` and ``bool``):
  alignment, sign, ``#``, zero padding, a width and a precision.

A fill character, ``=`` or ``^`` alignment, grouping (``,``/``_``), ``z``,
``n``, ``c``, ``%``, a precision with an integer type and a width without a
type on numbers (``bool`` prints ``1`` there where ``%s`` prints ``True``)
have no exact ``%`` counterpart and are refused."""

from __future__ import annotations

import re
from typing import FrozenSet, NamedTuple, Optional

STR = frozenset({"str"})
INTEGERS = frozenset({"int", "bool"})
FLOATS = frozenset({"int", "float", "bool"})

_SPEC = re.compile(
    r"(?P<align>[<>])?(?P<sign>[+ ])?(?P<alt>\#)?(?P<zero>0(?=[1-9]))?"
    r"(?P<width>[1-9][0-9]{0,3})?(?:\.(?P<precision>[0-9]{1,3}))?(?P<type>[sdxXoeEfFgG]?)"
)


class Translation(NamedTuple):
    """``percent`` is the ``%`` conversion (``"%-10s"``); it reproduces
    ``format()`` exactly for values whose type is among ``types`` (``None``
    meaning every value)."""

    percent: str
    types: Optional[FrozenSet[str]]


def translate(spec: str, conversion: Optional[str] = None) -> Optional[Translation]:
    """The ``%`` conversion equivalent to the format ``spec`` (see module doc)."""
    if conversion is not None and conversion not in "rsa":
        return None
    if spec == "":
        letter = conversion or "s"
        return Translation("%" + letter, None if conversion else frozenset({"*"}))
    match = _SPEC.fullmatch(spec)
    if match is None:
        return None
    align, sign, alt, zero, width, precision, kind = match.group(
        "align", "sign", "alt", "zero", "width", "precision", "type"
    )
    flags = "-" if align == "<" else ""
    if conversion is not None or kind in ("", "s"):
        # A string: left-aligned by default.
        if sign or alt or zero or kind not in ("", "s"):
            return None
        flags = "" if align == ">" else "-"
        if width is None:
            flags = ""
        body = flags + (width or "") + ("." + precision if precision is not None else "")
        return Translation("%" + body + (conversion or "s"), None if conversion else STR)
    if zero and align:
        return None
    if kind in "dxXo":
        if precision is not None or (alt and kind == "d"):
            return None
        types = INTEGERS
    else:
        types = FLOATS
    body = (
        flags
        + (sign or "")
        + (alt or "")
        + (zero or "")
        + (width or "")
        + ("." + precision if precision is not None else "")
    )
    return Translation("%" + body + kind, types)


def proven(translation: Translation, types: Optional[FrozenSet[str]]) -> bool:
    """Whether values of ``types`` (from ``_types.infer``; ``None`` when
    nothing is proven) are rendered identically by ``translation``."""
    if translation.types is None:
        return True
    if types is None:
        return False
    if translation.types == frozenset({"*"}):
        # An empty spec: format(v, "") is str(v) for every builtin type that
        # inference can prove.
        return "hashable" not in types
    return types <= translation.types


def contradicted(translation: Translation, types: Optional[FrozenSet[str]]) -> bool:
    """Whether the value is proven to have a type that ``translation``
    renders differently (``{n:5}`` with ``n: int`` right-aligns where
    ``%-5s`` left-aligns): then no fix at all is offered, not even an
    unsafe one, since it would be wrong for the code as written."""
    if types is None or translation.types is None or translation.types == frozenset({"*"}):
        return False
    return not types <= translation.types
