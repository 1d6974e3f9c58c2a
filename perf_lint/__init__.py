"""perf-lint: find performance anti-patterns in Python code and fix them.

Public API: ``lint``, ``fix``, ``Rule``, ``Diagnostic``. Importing the
package is cheap; libcst is loaded on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List, Optional, Union

__version__ = "0.1.0"
__all__ = ["Diagnostic", "Rule", "__version__", "fix", "lint"]

if TYPE_CHECKING:  # pragma: no cover
    from perf_lint.config import Config
    from perf_lint.rule import Diagnostic, Rule


def lint(
    source: Union[str, bytes], path: str = "<string>", config: Optional[Config] = None
) -> List[Diagnostic]:
    """The diagnostics for one source text (``bytes`` are decoded as Python
    decodes files: BOM, coding cookie, else UTF-8)."""
    from perf_lint.engine import Engine

    engine = Engine(config)
    if isinstance(source, bytes):
        return engine.check_bytes(source, path).diagnostics
    return engine.check_text(source, path).diagnostics


def fix(
    source: Union[str, bytes],
    path: str = "<string>",
    config: Optional[Config] = None,
    unsafe: bool = False,
) -> Union[str, bytes]:
    """The source with every safe fix (and unsafe ones if ``unsafe``)
    applied; returns the same type it was given."""
    from perf_lint.engine import Engine, FixMode

    engine = Engine(config)
    mode = FixMode.UNSAFE if unsafe else FixMode.SAFE
    if isinstance(source, bytes):
        return engine.check_bytes(source, path, fix=mode).fixed_bytes()
    result = engine.check_text(source, path, fix=mode)
    return result.fixed_source if result.fixed_source is not None else source


def __getattr__(name: str) -> Any:
    if name in ("Rule", "Diagnostic"):
        from perf_lint import rule

        return getattr(rule, name)
    raise AttributeError(f"module 'perf_lint' has no attribute {name!r}")
