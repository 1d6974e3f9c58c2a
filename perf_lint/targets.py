"""``target-version``: the Python versions the linted code runs on (ruff's
key and values), read by the rules whose fix pays only on some of them. A
module of its own, below both the configuration and the rules."""

from __future__ import annotations

#: The values of ``target-version``, oldest first.
TARGET_VERSIONS = ("py39", "py310", "py311", "py312", "py313")
#: ``target-version`` when neither the table nor ``requires-python`` sets it.
OLDEST_TARGET = TARGET_VERSIONS[0]
