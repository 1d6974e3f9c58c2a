"""``[tool.perf-lint]`` loading and validation, and rule selection.

Every key is checked: an unknown key or a bad value is a ``ConfigError``
naming the key and the file. Rule options are declared by the rules
themselves (a frozen dataclass on each rule), so a key exists exactly when a
rule reads it."""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import os
import re
import stat
import sys
from pathlib import Path, PurePath
from typing import (
    Any,
    Dict,
    Iterable,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Protocol,
    Sequence,
    Tuple,
    Type,
)

from perf_lint.diagnostic import FILE_PROBLEM
from perf_lint.targets import OLDEST_TARGET, TARGET_VERSIONS  # noqa: F401 (re-exported)

#: Unused noqa comments (``perf_lint.noqa.UNUSED_NOQA``; that module is
#: not imported here).
UNUSED_NOQA = "PRF001"

SECTION = "perf-lint"
#: ``select`` when nothing sets it: every rule that is not opt-in (the size
#: rules PRF201-PRF203 are; a selector that names them turns them on).
DEFAULT_SELECT: Optional[Tuple[str, ...]] = None
#: The selector of every rule.
EVERY_RULE = ("PRF",)
#: Directories never descended into unless named on the command line.
DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".hg",
    ".mypy_cache",
    ".nox",
    ".perf-lint-cache",
    ".pytest_cache",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    "__pycache__",
    "__pypackages__",
    "build",
    "dist",
    "node_modules",
    "venv",
)
#: ``max-profile-size`` when nothing sets it, in megabytes: a profile file
#: larger than this is refused (never read past it).
DEFAULT_MAX_PROFILE_SIZE = 100
#: The unit of ``max-profile-size`` and ``max-file-size`` (SI megabytes).
MEGABYTE = 1_000_000
#: ``max-file-size`` when nothing sets it, in megabytes: a larger source file
#: is not read (E902).
DEFAULT_MAX_FILE_SIZE = 10


class Key(NamedTuple):
    """A key of ``[tool.perf-lint]`` that is not a rule option (those are
    declared by the rules): its value, default and meaning, as
    ``docs/configuration.md`` shows them (``perf_lint.docs``)."""

    name: str
    value: str
    default: str
    help: str


#: Every key of ``[tool.perf-lint]`` besides the rules' options. A key is
#: known exactly when it is here (or a rule declares it), and documented
#: from here: a new key gets its row, and the generated docs follow.
KEYS = (
    Key(
        "select",
        "list of code prefixes",
        "every rule that is not opt-in",
        "The rules to run (`PRF1`, `PRF101`, `E902`); replaces the default selection. "
        "An empty prefix is an error, and so is an empty list without an `extend-select` "
        "(it would run nothing; `--select ,` likewise).",
    ),
    Key(
        "ignore",
        "list of code prefixes",
        "`[]`",
        "Rules not to run. Within a layer the most specific prefix wins, `ignore` a tie.",
    ),
    Key(
        "extend-select",
        "list of code prefixes",
        "`[]`",
        "Rules added to the selection (`PRF2`: the opt-in size rules).",
    ),
    Key(
        "per-file-ignores",
        "table of pattern = list of code prefixes",
        "`{}`",
        "Rules never reported in the files a pattern matches.",
    ),
    Key(
        "exclude",
        "list of patterns",
        "`.git`, `.venv`, `build`, `dist`, `__pycache__` and the like",
        "What discovery skips; replaces the default list. A pattern without `/` "
        "matches any file or directory name, one with `/` the path relative to this file.",
    ),
    Key("extend-exclude", "list of patterns", "`[]`", "Patterns added to `exclude`."),
    Key(
        "extend",
        "string, a path",
        "none",
        "Another configuration file (a `pyproject.toml` or TOML file, relative to this "
        "file) whose settings this one starts from, as in ruff: a key here replaces the "
        "same key there (paths in it are read relative to this file's directory).",
    ),
    Key(
        "cache-dir",
        "string",
        "`.perf-lint-cache` next to this file",
        "Where the results cache lives, relative to this file (`--cache-dir` wins).",
    ),
    Key(
        "profile",
        "list of file names",
        "`[]`",
        "Profiles of a real run that rank the findings (`--profile` replaces them), "
        "relative to this file. A file outside this file's directory (symbolic links "
        "followed) is read, with a warning naming this configuration file.",
    ),
    Key(
        "max-profile-size",
        "integer, megabytes (1 MB = 1,000,000 bytes), at least 1",
        f"`{DEFAULT_MAX_PROFILE_SIZE}`",
        "The largest profile file read (`profile` here, and `--profile` when this is the "
        "configuration of the current directory or `--config`): a larger one is refused "
        "with an error naming it, and no more than this is ever read. Only regular "
        "files are read: a FIFO, a device or a directory is refused.",
    ),
    Key(
        "max-file-size",
        "number, megabytes (1 MB = 1,000,000 bytes); `0`: no limit",
        f"`{DEFAULT_MAX_FILE_SIZE}`",
        "The largest source file read: a larger one is reported as `E902` (over the limit) "
        "and not analysed; the run goes on.",
    ),
)
GENERAL_KEYS = tuple(key.name for key in KEYS)


class ConfigError(Exception):
    """A configuration problem; the message names the key and the file."""


def target_from_requires_python(specifier: Any) -> Optional[str]:
    """The ``target-version`` that a ``[project] requires-python`` value
    implies, as ruff reads it: the lowest version it admits (``">=3.10"``,
    ``"~=3.11"``, ``">=3.9,<4"``), clamped to ``TARGET_VERSIONS``; ``None``
    when it sets no lower bound."""
    import re

    if not isinstance(specifier, str):
        return None
    lowest: Optional[Tuple[int, int]] = None
    for clause in specifier.split(","):
        found = re.fullmatch(r"\s*(>=|~=|==|===|>)\s*(\d+)(?:\.(\d+))?[\d.*]*\s*", clause)
        if found is None:
            continue
        bound = (int(found.group(2)), int(found.group(3) or 0))
        lowest = bound if lowest is None else max(lowest, bound)
    if lowest is None:
        return None
    known = [(int(v[2]), int(v[3:])) for v in TARGET_VERSIONS]
    chosen = min(max(lowest, known[0]), known[-1])
    return f"py{chosen[0]}{chosen[1]}"


def option_key(field_name: str) -> str:
    return field_name.replace("_", "-")


def rule_option_fields() -> Dict[str, Tuple[dataclasses.Field, List[Type[Any]]]]:
    """Every option key any rule declares, with the field and the rules."""
    from perf_lint.registry import RULES  # imports libcst: only when a table is read

    found: Dict[str, Tuple[dataclasses.Field, List[Type[Any]]]] = {}
    for rule in RULES:
        for field in dataclasses.fields(rule.OPTIONS):
            key = option_key(field.name)
            if key in found:
                found[key][1].append(rule)
            else:
                found[key] = (field, [rule])
    return found


def coerce_option(key: str, value: Any, field: dataclasses.Field, where: str) -> Any:
    """Check ``value`` against the option's default type and metadata."""
    default = field.default
    meta = field.metadata
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: `{key}` must be true or false, got {value!r}")
        return value
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: `{key}` must be an integer, got {value!r}")
        minimum = meta.get("min", 0)
        if value < minimum:
            raise ConfigError(f"{where}: `{key}` must be at least {minimum}, got {value}")
        return value
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"{where}: `{key}` must be a string, got {value!r}")
        choices = meta.get("choices")
        if choices and value not in choices:
            allowed = ", ".join(repr(choice) for choice in choices)
            raise ConfigError(f"{where}: `{key}` must be one of {allowed}, got {value!r}")
        return value
    if isinstance(default, tuple):
        return tuple(_string_list(key, value, where))
    raise TypeError(f"option {key} has an unsupported default {default!r}")  # pragma: no cover


def _string_list(key: str, value: Any, where: str) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: `{key}` must be a list of strings, got {value!r}")
    return value


def check_selectors(selectors: Iterable[str], key: str, where: str) -> Tuple[str, ...]:
    checked = []
    for selector in selectors:
        from perf_lint.registry import codes_matching

        normal = selector.strip().upper()
        if not normal:
            raise ConfigError(f"{where}: `{key}` has an empty rule selector")
        if not (
            codes_matching(normal)
            or FILE_PROBLEM.startswith(normal)
            or UNUSED_NOQA.startswith(normal)
        ):
            raise ConfigError(f"{where}: `{key}` has an unknown rule selector {selector!r}")
        checked.append(normal)
    return tuple(checked)


def _no_empty_select(selectors: Sequence[str], key: str, where: str) -> None:
    """A ``select`` that names no rule would run nothing and say "All checks
    passed!": refused (``--select ,`` is a slip, not a wish). In a table,
    ``select = []`` next to an ``extend-select`` that names rules is kept
    (it runs exactly those)."""
    if not selectors:
        raise ConfigError(
            f"{where}: `{key}` names no rule (it would select nothing); "
            "name at least one code prefix, e.g. PRF"
        )


@dataclasses.dataclass(frozen=True)
class Config:
    """Resolved settings for one run."""

    select: Optional[Tuple[str, ...]] = DEFAULT_SELECT
    ignore: Tuple[str, ...] = ()
    extend_select: Tuple[str, ...] = ()
    per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    exclude: Tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: Tuple[str, ...] = ()
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    root: Path = dataclasses.field(default_factory=Path.cwd)
    source: Optional[Path] = None
    #: Command-line selections applied after the file's, in order.
    overrides: Tuple[Selection, ...] = ()
    #: ``cache-dir``: where the results cache lives (relative to ``root``).
    cache_dir: Optional[str] = None
    #: ``max-file-size``: larger files are not read (0: no limit).
    max_file_size: int = DEFAULT_MAX_FILE_SIZE * MEGABYTE
    #: Whether noqa comments hide diagnostics (flake8's
    #: ``--disable-noqa`` turns them off).
    noqa: bool = True

    # -- selection --------------------------------------------------------
    def selected_codes(self, path: Optional[str] = None) -> Tuple[str, ...]:
        """The codes that run on ``path``. Selections apply in layers over
        the default selection (every rule that is not opt-in), the file's
        first, then the command line's (as in ruff): within a layer the most
        specific selector wins and ``ignore`` wins a tie; a layer with
        ``select`` starts afresh. Per-file ignores always win. A rule that
        skips stubs does not run on a ``.pyi`` file."""
        from perf_lint.registry import RULES

        file_ignores = self._file_ignores(path) if path else ()
        stub = bool(path) and str(path).endswith(".pyi")
        layers = (Selection(self.select, self.extend_select, self.ignore), *self.overrides)
        chosen = []
        for rule in RULES:
            code = rule.CODE
            on = not rule.OPT_IN
            for layer in layers:
                on = layer.decide(code, on)
            if stub and not rule.STUBS:
                continue
            if on and not any(code.startswith(s) for s in file_ignores):
                chosen.append(code)
        return tuple(chosen)

    def selects_opt_in(self, code: str, path: Optional[str] = None) -> bool:
        """Whether an opt-in check outside the registry of rules (``PRF001``,
        unused noqa) runs on ``path``: off unless a layer's selection names
        it by more than the family (``PRF0``, ``PRF001``; ``PRF`` alone, which
        means every rule, does not turn it on)."""

        def named(selectors: Sequence[str]) -> Tuple[str, ...]:
            return tuple(s for s in selectors if len(s) > len(EVERY_RULE[0]))

        on = False
        for layer in (Selection(self.select, self.extend_select, self.ignore), *self.overrides):
            select = None if layer.select is None else named(layer.select)
            on = Selection(select, named(layer.extend_select), layer.ignore).decide(code, on)
        file_ignores = self._file_ignores(path) if path else ()
        return on and not any(code.startswith(s) for s in file_ignores)

    def reports_file_problems(self, path: Optional[str] = None) -> bool:
        """Whether file problems (``E902``) are reported for ``path``: always,
        unless a layer's ``ignore`` (or a per-file ignore) names them more
        specifically than its ``select``/``extend-select``. A ``select`` of
        rules alone does not turn them off (``--select PRF1`` keeps them);
        an ignored one is printed as a warning instead."""
        on = True
        for layer in (Selection(self.select, self.extend_select, self.ignore), *self.overrides):
            chosen = (layer.select or ()) + layer.extend_select
            best_select = max((len(s) for s in chosen if FILE_PROBLEM.startswith(s)), default=-1)
            best_ignore = max(
                (len(s) for s in layer.ignore if FILE_PROBLEM.startswith(s)), default=-1
            )
            if best_select >= 0 or best_ignore >= 0:
                on = best_select > best_ignore
        file_ignores = self._file_ignores(path) if path else ()
        return on and not any(FILE_PROBLEM.startswith(s) for s in file_ignores)

    def _file_ignores(self, path: str) -> Tuple[str, ...]:
        found: List[str] = []
        for pattern, codes in self.per_file_ignores:
            if path_matches(pattern, path, self.root):
                found.extend(codes)
        return tuple(found)

    def is_excluded(self, path: str, below: Optional[str] = None) -> bool:
        """Whether discovery skips ``path``. Name patterns look only at the
        parts of the path below ``below`` (a directory named on the command
        line is linted whatever its own name)."""
        patterns = self.exclude + self.extend_exclude
        return bool(patterns) and _any_matches(patterns, path, self.root, below)

    def excludes_entry(self, name: str, path: str) -> bool:
        """``is_excluded(path, below)`` for an entry ``name`` of a directory
        whose own parts below ``below`` this configuration has already
        passed: of the parts, only ``name`` is left to match a name
        pattern (discovery asks this for every entry of the tree)."""
        patterns = self.exclude + self.extend_exclude
        if not patterns:
            return False
        by_name, by_path = _compiled(tuple(patterns))
        if by_name is not None and by_name.match(name):
            return True
        if by_path is None:
            return False
        return (
            by_path.match(_relative_parts(os.path.abspath(path), os.path.abspath(self.root))[1])
            is not None
        )

    def rule_options(self, rule: Type[Any]) -> Any:
        """The rule's options dataclass filled from this configuration."""
        values = {}
        for field in dataclasses.fields(rule.OPTIONS):
            key = option_key(field.name)
            if key in self.options:
                values[field.name] = self.options[key]
        return rule.OPTIONS(**values)

    def with_overrides(self, selection: Selection) -> Config:
        """Apply a command-line selection on top of the file's."""
        if selection.is_empty():
            return self
        return dataclasses.replace(self, overrides=(*self.overrides, selection))


@dataclasses.dataclass(frozen=True)
class Selection:
    """One layer of rule selection: ``select`` (``None``: keep what earlier
    layers chose), ``extend_select`` and ``ignore``."""

    select: Optional[Tuple[str, ...]] = None
    extend_select: Tuple[str, ...] = ()
    ignore: Tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self.select is None and not self.extend_select and not self.ignore

    def decide(self, code: str, before: bool) -> bool:
        chosen = (self.select or ()) + self.extend_select
        best_select = max((len(s) for s in chosen if code.startswith(s)), default=-1)
        best_ignore = max((len(s) for s in self.ignore if code.startswith(s)), default=-1)
        if best_select < 0 and best_ignore < 0:
            return before if self.select is None else False
        return best_select > best_ignore


def path_matches(pattern: str, path: str, root: Path, below: Optional[str] = None) -> bool:
    """ruff-style matching: a pattern without ``/`` matches any file or
    directory name in the path (below ``below`` when given); with ``/`` it
    matches the path relative to the project root (``*`` crosses
    directories, as in fnmatch)."""
    pure = PurePath(os.path.abspath(path))
    relative = _relative(pure, os.path.abspath(root))
    if "/" not in pattern:
        parts = _relative(pure, os.path.abspath(below)).parts if below else relative.parts
        return any(fnmatch.fnmatchcase(part, pattern) for part in parts)
    text = relative.as_posix()
    pattern = pattern[2:] if pattern.startswith("./") else pattern
    return fnmatch.fnmatchcase(text, pattern) or fnmatch.fnmatchcase(
        text, pattern.rstrip("/") + "/*"
    )


def _relative_parts(path: str, base: str) -> Tuple[Tuple[str, ...], str]:
    """The parts and the POSIX text of ``path`` relative to ``base`` (both
    absolute), as ``PurePath.relative_to`` gives them, by string operations
    when ``path`` is below ``base`` (discovery calls this for every file)."""
    if path == base:
        return (), "."
    prefix = base if base.endswith(os.sep) else base + os.sep
    if path.startswith(prefix) and (os.altsep is None or os.altsep not in path):
        relative = path[len(prefix) :]
        if relative and "." not in relative.split(os.sep):
            return tuple(relative.split(os.sep)), relative.replace(os.sep, "/")
    if os.sep == "/" and os.altsep is None and path.startswith("/") and "/." not in path:
        # Not below ``base``: the absolute path itself (POSIX, normalised).
        return ("/", *path[1:].split("/")) if path != "/" else ("/",), path
    pure = _relative(PurePath(path), base)
    return pure.parts, pure.as_posix()


def _any_matches(
    patterns: Iterable[str], path: str, root: Path, below: Optional[str] = None
) -> bool:
    """``any(path_matches(p, path, root, below) for p in patterns)``, with the
    relative paths computed once."""
    absolute = os.path.abspath(path)
    parts, text = _relative_parts(absolute, os.path.abspath(root))
    names = _relative_parts(absolute, os.path.abspath(below))[0] if below else parts
    by_name, by_path = _compiled(tuple(patterns))
    if by_name is not None and any(by_name.match(part) for part in names):
        return True
    return by_path is not None and by_path.match(text) is not None


@functools.lru_cache(maxsize=64)
def _compiled(patterns: Tuple[str, ...]) -> Tuple[Optional[Any], Optional[Any]]:
    """One regular expression for the name patterns and one for the path
    patterns (``path_matches``'s rules, fnmatch's translation)."""
    import re

    names = [fnmatch.translate(p) for p in patterns if "/" not in p]
    paths = []
    for pattern in patterns:
        if "/" in pattern:
            pattern = pattern[2:] if pattern.startswith("./") else pattern
            paths += [fnmatch.translate(pattern), fnmatch.translate(pattern.rstrip("/") + "/*")]
    return (
        re.compile("|".join(names)) if names else None,
        re.compile("|".join(paths)) if paths else None,
    )


def _relative(path: PurePath, base: str) -> PurePath:
    try:
        return path.relative_to(base)
    except ValueError:
        return path


def parse_table(table: Mapping[str, Any], where: str, root: Path, source: Optional[Path]) -> Config:
    """Validate a ``[tool.perf-lint]`` table and build a ``Config``."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: [tool.{SECTION}] must be a table")
    option_fields = rule_option_fields()
    known = set(GENERAL_KEYS) | set(option_fields)
    for key in table:
        if key not in known:
            hint = ""
            if key.replace("_", "-") in known:
                hint = f" (did you mean `{key.replace('_', '-')}`?)"
            raise ConfigError(f"{where}: unknown key `{key}` in [tool.{SECTION}]{hint}")
    values: Dict[str, Any] = {}
    for key in ("select", "ignore", "extend-select"):
        if key in table:
            selectors = _string_list(key, table[key], where)
            if key == "select" and not table.get("extend-select"):
                _no_empty_select(selectors, key, where)
            values[key.replace("-", "_")] = check_selectors(selectors, key, where)
    for key in ("exclude", "extend-exclude"):
        if key in table:
            values[key.replace("-", "_")] = tuple(_string_list(key, table[key], where))
    if "cache-dir" in table:
        if not isinstance(table["cache-dir"], str) or not table["cache-dir"]:
            raise ConfigError(f"{where}: `cache-dir` must be a non-empty string")
        values["cache_dir"] = table["cache-dir"]
    if "profile" in table:
        _profile_list(table["profile"], where)
    if "max-profile-size" in table:
        _profile_limit(table["max-profile-size"], where)
    if "max-file-size" in table:
        size = table["max-file-size"]
        if type(size) not in (int, float) or not 0 <= size < float("inf"):
            raise ConfigError(
                f"{where}: `max-file-size` must be a number of megabytes (0: no limit)"
            )
        values["max_file_size"] = round(size * MEGABYTE)
    if "per-file-ignores" in table:
        raw = table["per-file-ignores"]
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: `per-file-ignores` must be a table of pattern = [codes]")
        pairs = []
        for pattern, codes in raw.items():
            key = f"per-file-ignores.{pattern}"
            pairs.append((pattern, check_selectors(_string_list(key, codes, where), key, where)))
        values["per_file_ignores"] = tuple(pairs)
    options = {
        key: coerce_option(key, table[key], option_fields[key][0], where)
        for key in table
        if key in option_fields
    }
    return Config(options=options, root=root, source=source, **values)


def _profile_list(value: Any, where: str) -> List[str]:
    paths = _string_list("profile", value, where)
    if not all(path.strip() for path in paths):
        raise ConfigError(f"{where}: `profile` has an empty file name")
    return paths


def _profile_limit(value: Any, where: str) -> int:
    """``max-profile-size`` (megabytes, at least 1), in bytes."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(
            f"{where}: `max-profile-size` must be an integer (megabytes), got {value!r}"
        )
    if value < 1:
        raise ConfigError(f"{where}: `max-profile-size` must be at least 1, got {value}")
    return value * MEGABYTE


def configured_profiles(config: Config) -> Tuple[str, ...]:
    """The ``profile`` files of ``config``'s table, as absolute paths
    (relative ones are relative to the configuration file's directory).

    They are read from the file itself, not kept on ``Config``: profiles
    never change a diagnostic, so they stay out of what the results cache
    keys its entries by (and out of the configurations it remembers).

    A file outside the directory of the configuration file (symbolic links
    followed) is kept, with a warning naming the configuration file, once
    per version of that file: a checked-out tree's configuration should not
    reach out of the tree unnoticed. Reading it is harmless (a profile is
    only read if it is a regular file, and never past ``max-profile-size``)."""
    return _profile_settings(config)[0]


def configured_profile_limit(config: Optional[Config]) -> int:
    """The ``max-profile-size`` of ``config``'s table, in bytes (the default
    when it has none, or for ``None``). Read from the file itself, as
    ``configured_profiles``: it never changes a diagnostic."""
    if config is None:
        return DEFAULT_MAX_PROFILE_SIZE * MEGABYTE
    return _profile_settings(config)[1]


def command_line_profile_limit(explicit: Optional[Path] = None) -> int:
    """The ``max-profile-size`` that applies to ``--profile`` files: that of
    ``--config`` (``explicit``), else of the configuration of the current
    directory (as ``cache-dir``), else the default; in bytes."""
    found = explicit if explicit is not None else find_pyproject(Path.cwd())
    if found is None:
        return DEFAULT_MAX_PROFILE_SIZE * MEGABYTE
    return configured_profile_limit(Config(source=found))


def _profile_settings(config: Config) -> Tuple[Tuple[str, ...], int]:
    default = DEFAULT_MAX_PROFILE_SIZE * MEGABYTE
    if config.source is None:
        return (), default
    try:
        info = os.stat(config.source)
    except OSError:
        return (), default
    return _profiles_in(str(config.source), info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=64)
def _profiles_in(source: str, mtime_ns: int, size: int) -> Tuple[Tuple[str, ...], int]:
    path = Path(source)
    table = perf_lint_table(path)
    if table is None:
        return (), DEFAULT_MAX_PROFILE_SIZE * MEGABYTE
    limit = DEFAULT_MAX_PROFILE_SIZE * MEGABYTE
    if "max-profile-size" in table:
        limit = _profile_limit(table["max-profile-size"], source)
    if "profile" not in table:
        return (), limit
    directory = path.resolve().parent
    paths = tuple(
        os.path.normpath(os.path.join(directory, os.path.expanduser(entry)))
        for entry in _profile_list(table["profile"], source)
    )
    from perf_lint.reading import lies_in

    for profile in paths:
        if not lies_in(os.path.realpath(profile), str(directory)):
            warn(
                f"{source}: `profile` names {profile}, outside {directory} (the directory "
                "of this configuration file); it is read anyway"
            )
    return paths, limit


def warn(message: str) -> None:
    """Tell the user of a configuration that works but may not be what they
    meant (on stderr, as the command prints its warnings)."""
    sys.stderr.write(f"perf-lint: warning: {message}\n")


def read_toml(path: Path) -> Dict[str, Any]:
    """The TOML document in the file at ``path``. Every problem is a
    ``ConfigError`` naming the file: it is not a regular file (a directory
    or FIFO is never opened for reading), cannot be read, is not UTF-8, is
    not TOML, nests too deeply, or is a ``pyproject.toml`` whose ``tool`` is
    not a table."""
    # Imported here: most runs find no configuration file to parse.
    import tomllib

    data = read_config_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise ConfigError(
            f"{path}: not UTF-8 text (TOML must be UTF-8): invalid byte "
            f"0x{data[error.start]:02x} at line {line}, column {column}"
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from error
    except RecursionError:
        raise ConfigError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    if path.name == "pyproject.toml" and not isinstance(document.get("tool", {}), dict):
        raise ConfigError(
            f"{path}: `tool` must be a table ([tool.NAME] sections), "
            f"got {type(document['tool']).__name__} {_shown(document['tool'])}"
        )
    return document


def _shown(value: Any, width: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def read_config_bytes(path: Path) -> bytes:
    """The bytes of a configuration file; ``ConfigError`` names the file
    when it is not a regular file or cannot be read."""
    from perf_lint.reading import Refused, read_regular

    try:
        return read_regular(str(path))
    except Refused as refused:
        raise ConfigError(f"{path}: cannot read configuration: {refused.reason}") from None
    except OSError as error:
        raise ConfigError(
            f"{path}: cannot read configuration: {error.strerror or error}"
        ) from error


def perf_lint_table(path: Path) -> Optional[Dict[str, Any]]:
    """The perf-lint table of a configuration file: ``[tool.perf-lint]`` of
    a ``pyproject.toml`` (``None`` when it has none), the top level of any
    other TOML file. It is not validated (``parse_table`` does that), but a
    ``ConfigError`` names the file that cannot be read as TOML."""
    return _table_of(path, read_toml(path))


def _table_of(path: Path, data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    if path.name != "pyproject.toml":
        return data
    table = data.get("tool", {}).get(SECTION)
    if table is not None and not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.{SECTION}] must be a table")
    return table


def _extended(path: Path, table: Dict[str, Any], seen: Tuple[Path, ...]) -> Dict[str, Any]:
    """``table`` on top of the configuration its ``extend`` names (ruff's
    key: a path relative to ``path``'s directory, to a ``pyproject.toml``
    or another TOML file, which may extend another in turn): a key of
    ``table`` replaces the same key of the one it extends."""
    if "extend" not in table:
        return table
    value = table["extend"]
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{path}: `extend` must be the path of a configuration file")
    base = Path(os.path.abspath(path.parent / os.path.expanduser(value)))
    if base in seen:
        chain = " -> ".join(str(item) for item in (*seen, base))
        raise ConfigError(f"{path}: `extend` makes a circle: {chain}")
    if not base.is_file():
        raise ConfigError(f"{path}: `extend` names {base}, which is not a file")
    extended = _table_of(base, read_toml(base))
    if extended is None:
        raise ConfigError(f"{path}: `extend` names {base}, which has no [tool.{SECTION}] table")
    if not isinstance(extended, dict):
        raise ConfigError(f"{base}: [tool.{SECTION}] must be a table")
    merged = _extended(base, extended, (*seen, base))
    merged.pop("extend", None)
    return {**merged, **{key: item for key, item in table.items() if key != "extend"}}


#: A configuration file with ``extend`` depends on another file's content.
_EXTEND = re.compile(rb"^[ \t]*extend[ \t]*=", re.MULTILINE)


def load_file(path: Path) -> Config:
    """Load an explicit configuration file: a ``pyproject.toml`` (its
    ``[tool.perf-lint]`` table) or any other TOML file (its top level),
    on top of the file its ``extend`` names."""
    data = read_toml(path)
    table = _table_of(path, data)
    if isinstance(table, dict):
        table = _extended(path, table, (Path(os.path.abspath(path)),))
    root = path.resolve().parent
    if path.name == "pyproject.toml" and isinstance(table, dict) and "target-version" not in table:
        project = data.get("project")
        if isinstance(project, dict):
            # ruff's default: the lower bound of the project's requires-python.
            implied = target_from_requires_python(project.get("requires-python"))
            if implied is not None:
                table = {**table, "target-version": implied}
    if path.name == "pyproject.toml" and isinstance(table, dict) and "line-length" not in table:
        implied_length = _formatter_line_length(data)
        if implied_length is not None:
            table = {**table, "line-length": implied_length}
    return parse_table({} if table is None else table, str(path), root, path)


def _formatter_line_length(data: Dict[str, Any]) -> Optional[int]:
    """The project's line length, as its formatter reads it: ``line-length``
    of ``[tool.ruff]``, else of ``[tool.black]`` (a positive integer; any
    other value is that tool's to report, and is passed over here)."""
    tools = data.get("tool")
    if not isinstance(tools, dict):
        return None
    for tool in ("ruff", "black"):
        table = tools.get(tool)
        if isinstance(table, dict):
            value = table.get("line-length")
            if isinstance(value, int) and not isinstance(value, bool) and value > 0:
                return value
    return None


def _existing_directory(path: Path) -> Path:
    """``path`` if it is a directory, else the nearest existing ancestor
    (files and not-yet-saved editor buffers alike)."""
    path = Path(os.path.abspath(path))
    if path.is_dir():
        return path
    for parent in path.parents:
        if parent.is_dir():
            return parent
    return Path.cwd()  # pragma: no cover - "/" always exists


def find_pyproject(start: Path) -> Optional[Path]:
    """The nearest ``pyproject.toml`` at or above ``start`` that has a
    ``[tool.perf-lint]`` table."""
    directory = _existing_directory(start)
    for candidate in (directory, *directory.parents):
        pyproject = candidate / "pyproject.toml"
        if _configures(str(pyproject)):
            return pyproject
    return None


def _configures(pyproject: str) -> bool:
    """``pyproject`` exists and has a ``[tool.perf-lint]`` table. One that
    exists but is not a regular file (a directory, a FIFO) is a
    ``ConfigError``: it is never opened, and never silently passed over."""
    try:
        info = os.stat(pyproject)
    except OSError:
        return False
    if not stat.S_ISREG(info.st_mode):
        from perf_lint.reading import kind

        raise ConfigError(
            f"{pyproject}: cannot read configuration: {kind(info.st_mode)}, "
            "not a regular file; only regular files are read"
        )
    return _has_section(pyproject, info.st_mtime_ns, info.st_size)


@functools.lru_cache(maxsize=256)
def _has_section(path: str, mtime_ns: int, size: int) -> bool:
    """Whether the ``pyproject.toml`` has a ``[tool.perf-lint]`` table (read
    once per version of the file, not once per directory below it)."""
    return SECTION in read_toml(Path(path)).get("tool", {})


def discover(start: Path, explicit: Optional[Path] = None) -> Config:
    """The configuration for ``start`` (a file or directory): ``explicit``
    if given, else the nearest ``pyproject.toml`` with a table."""
    if explicit is not None:
        return load_file(explicit)
    found = find_pyproject(start)
    if found is None:
        return Config(root=_existing_directory(start))
    return load_file(found)


class Memo(Protocol):
    """Where validated configuration is remembered between runs (the results
    cache), so that a warm run does not load the rules to validate the same
    tables and selectors again. It stores; ``Resolver`` validates."""

    def get_config(self, path: Path, text: bytes) -> Optional[Config]: ...

    def put_config(self, path: Path, text: bytes, config: Config) -> None: ...

    def known_selectors(self, selectors: Sequence[str]) -> bool: ...

    def remember_selectors(self, selectors: Sequence[str]) -> None: ...


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the command line sets on top of every file's configuration
    besides the selection (ruff's flags of the same names): ``--exclude``
    replaces ``exclude``, ``--extend-exclude`` adds to ``extend-exclude``,
    ``--per-file-ignores`` replaces ``per-file-ignores`` and
    ``--extend-per-file-ignores`` adds to it, ``options`` (such as
    ``--target-version``) replace the file's values, ``noqa=False``
    (``--ignore-noqa``) makes noqa comments hide nothing."""

    exclude: Optional[Tuple[str, ...]] = None
    extend_exclude: Tuple[str, ...] = ()
    per_file_ignores: Optional[Tuple[Tuple[str, Tuple[str, ...]], ...]] = None
    extend_per_file_ignores: Tuple[Tuple[str, Tuple[str, ...]], ...] = ()
    options: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    noqa: bool = True

    def apply(self, config: Config) -> Config:
        changes: Dict[str, Any] = {}
        if self.exclude is not None:
            changes["exclude"] = self.exclude
        if self.extend_exclude:
            changes["extend_exclude"] = config.extend_exclude + self.extend_exclude
        if self.per_file_ignores is not None or self.extend_per_file_ignores:
            base = (
                config.per_file_ignores if self.per_file_ignores is None else self.per_file_ignores
            )
            changes["per_file_ignores"] = base + self.extend_per_file_ignores
        if self.options:
            changes["options"] = {**config.options, **self.options}
        if not self.noqa:
            changes["noqa"] = False
        return dataclasses.replace(config, **changes) if changes else config


def per_file_ignores_argument(
    values: Sequence[str], flag: str
) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """``--per-file-ignores`` values as ruff writes them: comma-separated
    ``PATTERN:CODE`` pairs (``"tests/*:PRF101,PRF102"`` gives the pattern
    both codes: a part without ``:`` adds a code to the pattern before it).
    ``ConfigError`` names the flag."""
    pairs: List[Tuple[str, List[str]]] = []
    for value in values:
        for part in value.split(","):
            part = part.strip()
            if not part:
                continue
            if ":" in part:
                pattern, _, code = part.rpartition(":")
                if not pattern.strip():
                    raise ConfigError(f"command line: `{flag}` has an empty pattern in {value!r}")
                pairs.append((pattern.strip(), [code]))
            elif pairs:
                pairs[-1][1].append(part)
            else:
                raise ConfigError(
                    f"command line: `{flag}` wants PATTERN:CODES (e.g. 'tests/*:PRF101'), "
                    f"got {value!r}"
                )
    return tuple(
        (pattern, check_selectors(codes, flag, "command line")) for pattern, codes in pairs
    )


class Resolver:
    """The configuration of each file, as ruff resolves it: the nearest
    ``pyproject.toml`` with a ``[tool.perf-lint]`` table above the file
    (or the ``--config`` file for every file), with the command line's
    selection and ``Settings`` on top. Each configuration file is read and
    validated once (once ever, with a ``memo``)."""

    def __init__(
        self,
        explicit: Optional[Path] = None,
        overrides: Optional[Selection] = None,
        memo: Optional[Memo] = None,
        settings: Optional[Settings] = None,
    ):
        self.memo = memo
        self.overrides = overrides or Selection()
        self.settings = settings or Settings()
        self._explicit = self._finish(self.load(explicit)) if explicit else None
        self._by_file: Dict[Optional[Path], Config] = {}
        self._found: Dict[str, Optional[Path]] = {}
        self._by_name: Dict[str, Config] = {}

    @classmethod
    def for_command_line(
        cls,
        explicit: Optional[Path],
        select: Optional[Sequence[str]],
        extend_select: Sequence[str],
        ignore: Sequence[str],
        memo: Optional[Memo] = None,
        settings: Optional[Settings] = None,
    ) -> Resolver:
        """The resolver of a ``check`` run: ``--config`` and the command
        line's selectors, validated (``ConfigError`` names the flag)."""

        if select is not None:
            _no_empty_select(select, "--select", "command line")

        def checked(selectors: Sequence[str], key: str) -> Tuple[str, ...]:
            if memo is not None and selectors and memo.known_selectors(selectors):
                return tuple(selector.strip().upper() for selector in selectors)
            found = check_selectors(selectors, key, "command line")
            if memo is not None and selectors:
                memo.remember_selectors(selectors)
            return found

        selection = Selection(
            select=checked(select, "--select") if select is not None else None,
            extend_select=checked(extend_select, "--extend-select"),
            ignore=checked(ignore, "--ignore"),
        )
        return cls(explicit, selection, memo, settings)

    def _finish(self, config: Config) -> Config:
        """A file's configuration with the command line's on top."""
        return self.settings.apply(config.with_overrides(self.overrides))

    def load(self, path: Path) -> Config:
        """Read and validate one configuration file (or take what the memo
        remembers of the same file with the same content)."""
        if self.memo is None:
            return load_file(path)
        text = read_config_bytes(path)
        if _EXTEND.search(text):
            return load_file(path)  # depends on another file: never memoised
        found = self.memo.get_config(path, text)
        if found is None:
            found = load_file(path)
            self.memo.put_config(path, text, found)
        return found

    def _nearest(self, directory: str, listed: Optional[bool] = None) -> Optional[Path]:
        """``find_pyproject(directory)`` for an existing absolute directory,
        remembering every directory on the way up (discovery asks for each
        directory of the tree). ``listed``: whether the directory's listing
        holds a ``pyproject.toml`` (``None``: not known)."""
        found = self._found.get(directory, False)
        if found is not False:
            return found  # type: ignore[return-value]
        pyproject = os.path.join(directory, "pyproject.toml")
        if listed is False:
            has = False
        else:
            has = self._configures(pyproject)
        parent = os.path.dirname(directory)
        if has:
            found = Path(pyproject)
        else:
            found = None if parent == directory else self._nearest(parent)
        self._found[directory] = found
        return found

    @staticmethod
    def _configures(pyproject: str) -> bool:
        """``pyproject`` is a file with a ``[tool.perf-lint]`` table."""
        return _configures(pyproject)

    def for_path(self, path: str) -> Config:
        if self._explicit is not None:
            return self._explicit
        absolute = os.path.abspath(path)
        if os.path.isdir(absolute):
            return self._for(absolute, exists=True)
        return self._for(os.path.dirname(absolute))

    def for_directory(self, directory: str, listed: Optional[bool] = None) -> Config:
        """``for_path`` of a path known to be a directory (discovery asks
        for every directory of the tree, and knows from its listing whether
        it holds a ``pyproject.toml``: ``listed``)."""
        if self._explicit is not None:
            return self._explicit
        return self._for(os.path.abspath(directory), exists=True, listed=listed)

    def _for(self, where: str, exists: bool = False, listed: Optional[bool] = None) -> Config:
        # Answer from the containing directory's name, by string operations.
        known = self._by_name.get(where)
        if known is None:
            directory = where  # the nearest existing directory, as _existing_directory
            while (
                not exists
                and not os.path.isdir(directory)
                and os.path.dirname(directory) != directory
            ):
                directory = os.path.dirname(directory)
            found = self._nearest(directory, listed if directory == where else None)
            if found not in self._by_file:
                base = self.load(found) if found is not None else Config(root=Path.cwd())
                self._by_file[found] = self._finish(base)
            known = self._by_name[where] = self._by_file[found]
        return known
