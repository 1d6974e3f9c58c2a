"""``[tool.perf-lint]``: discovery, validation and what each key does.

The loading functions are tested directly; what the command does with the
result (exit 2, which files and codes are reported) through the real
``python -m perf_lint`` in throw-away projects."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, NamedTuple, Tuple, Union

import pytest

from perf_lint import config
from perf_lint.config import Config, ConfigError
from perf_lint.registry import RULES

# -- helpers --------------------------------------------------------------------------


class Run(NamedTuple):
    rc: int
    out: str
    err: str


def run(cwd: Path, *args: str, stdin: Union[str, None] = None) -> Run:
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", *args],
        cwd=cwd,
        input=(stdin or "").encode(),
        capture_output=True,
        env=env,
        timeout=60,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


LINE = re.compile(r"^(?P<path>.+?):(?P<row>\d+):(?P<col>\d+): (?P<code>PRF\d{3}) ")


def reported(text: str) -> List[Tuple[str, int, str]]:
    """(path, row, code) of each diagnostic line, sorted."""
    found = []
    for row in text.splitlines():
        match = LINE.match(row)
        if match:
            found.append((match["path"].replace(os.sep, "/"), int(match["row"]), match["code"]))
    return sorted(found)


def pyproject(table: str) -> str:
    return '[project]\nname = "demo"\n\n[tool.perf-lint]\n' + table


# One of each rule: PRF101 on row 1, PRF102 on row 2.
BOTH = "a in [1]\nb in (1,)\n"


def outside_config(path: Path) -> bool:
    """Whether a directory above ``path`` has its own ``[tool.perf-lint]``
    (then "no configuration" cannot be observed there)."""
    for parent in path.resolve().parents:
        candidate = parent / "pyproject.toml"
        if candidate.is_file() and "tool.perf-lint" in candidate.read_text(errors="replace"):
            return True
    return False


# -- discovery ---------------------------------------------------------------------------


def test_find_pyproject_takes_the_nearest_with_the_table(tmp_path: Path) -> None:
    top = write(tmp_path, "pyproject.toml", pyproject('ignore = ["PRF102"]\n'))
    write(tmp_path, "sub/pyproject.toml", '[project]\nname = "sub"\n')  # no table: skipped
    deep = tmp_path / "sub" / "deep"
    deep.mkdir()
    assert config.find_pyproject(deep) == top
    assert config.find_pyproject(tmp_path / "sub") == top
    assert config.find_pyproject(tmp_path) == top
    # A file: its directory is where the search starts.
    module = write(tmp_path, "sub/deep/m.py", BOTH)
    assert config.find_pyproject(module) == top
    # A nearer table wins.
    nearer = write(tmp_path, "sub/pyproject.toml", pyproject("select = []\n"))
    assert config.find_pyproject(deep) == nearer
    # An empty table counts as a configuration.
    empty = write(tmp_path, "sub/deep/pyproject.toml", "[tool.perf-lint]\n")
    assert config.find_pyproject(deep) == empty


def test_discover_reads_the_found_table(tmp_path: Path) -> None:
    found = write(tmp_path, "pyproject.toml", pyproject('ignore = ["PRF102"]\n'))
    write(tmp_path, "pkg/sub/m.py", BOTH)
    result = config.discover(tmp_path / "pkg" / "sub")
    assert result.ignore == ("PRF102",)
    assert result.source == found
    assert result.root == tmp_path.resolve()
    assert result.selected_codes("pkg/sub/m.py") == tuple(
        rule.CODE for rule in RULES if rule.CODE != "PRF102" and not rule.OPT_IN
    )


def test_discover_without_any_table_gives_the_defaults(tmp_path: Path) -> None:
    if outside_config(tmp_path):
        pytest.skip("a directory above the temporary directory has a [tool.perf-lint]")
    write(tmp_path, "pyproject.toml", '[project]\nname = "x"\n')
    result = config.discover(tmp_path)
    assert result.source is None
    assert result.select is None
    assert result.ignore == ()
    assert result.selected_codes() == tuple(rule.CODE for rule in RULES if not rule.OPT_IN)
    assert result.root == tmp_path.resolve()


def test_command_uses_the_nearest_table_from_any_directory(tmp_path: Path) -> None:
    write(tmp_path, "proj/pyproject.toml", pyproject('ignore = ["PRF102"]\n'))
    write(tmp_path, "proj/sub/pyproject.toml", '[project]\nname = "sub"\n')
    write(tmp_path, "proj/sub/deep/m.py", BOTH)
    inside = run(tmp_path / "proj" / "sub" / "deep", "check")
    assert reported(inside.out) == [("m.py", 1, "PRF101")]
    assert inside.rc == 1
    outside = run(tmp_path, "check", "proj/sub/deep/m.py")
    assert reported(outside.out) == [("proj/sub/deep/m.py", 1, "PRF101")]
    assert outside.rc == 1


def test_nested_project_uses_its_own_table(tmp_path: Path) -> None:
    # "the nearest pyproject.toml": ruff resolves configuration per file, so a
    # sub-project's own table governs its files even in a run from the top.
    write(tmp_path, "pyproject.toml", pyproject('ignore = ["PRF102"]\n'))
    write(tmp_path, "top.py", BOTH)
    write(tmp_path, "sub/pyproject.toml", pyproject('ignore = ["PRF101"]\n'))
    write(tmp_path, "sub/inner.py", BOTH)
    result = run(tmp_path, "check", ".")
    assert reported(result.out) == [("sub/inner.py", 2, "PRF102"), ("top.py", 1, "PRF101")]


def test_stdin_filename_locates_the_configuration(tmp_path: Path) -> None:
    # An editor sends an unsaved buffer: the table is looked up from the
    # directory of --stdin-filename (as ruff does), not from the cwd.
    write(tmp_path, "proj/pyproject.toml", pyproject('ignore = ["PRF101"]\n'))
    (tmp_path / "proj" / "pkg").mkdir()
    result = run(tmp_path, "check", "-", "--stdin-filename", "proj/pkg/new.py", stdin=BOTH)
    assert reported(result.out) == [("proj/pkg/new.py", 2, "PRF102")]


# -- validation --------------------------------------------------------------------------

WHERE = "/somewhere/pyproject.toml"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ({"selec": ["PRF"]}, "selec"),
        ({"max_complexity": 3}, "max_complexity"),
        ({"select": "PRF"}, "select"),
        ({"select": ["PRF", 1]}, "select"),
        ({"ignore": "PRF101"}, "ignore"),
        ({"extend-select": {"PRF": True}}, "extend-select"),
        ({"per-file-ignores": ["tests/*"]}, "per-file-ignores"),
        ({"per-file-ignores": {"tests/*": "PRF1"}}, "per-file-ignores"),
        ({"per-file-ignores": {"tests/*": [101]}}, "per-file-ignores"),
        ({"exclude": 3}, "exclude"),
        ({"exclude": "build"}, "exclude"),
        ({"extend-exclude": [1]}, "extend-exclude"),
        ({"select": ["PRF9"]}, "PRF9"),
        ({"ignore": ["E501"]}, "E501"),
        ({"extend-select": ["PRF1O"]}, "PRF1O"),
        ({"per-file-ignores": {"tests/*": ["PRF999"]}}, "PRF999"),
    ],
)
def test_bad_table_is_an_error_naming_key_and_file(table: Dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config.parse_table(table, WHERE, Path("/somewhere"), None)
    message = str(caught.value)
    assert key in message
    assert WHERE in message


def test_valid_table(tmp_path: Path) -> None:
    parsed = config.parse_table(
        {
            "select": ["PRF1"],
            "ignore": ["prf102"],
            "extend-select": ["PRF102"],
            "per-file-ignores": {"tests/*": ["PRF1"], "conftest.py": ["PRF101"]},
            "exclude": ["build"],
            "extend-exclude": ["migrations"],
        },
        "pyproject.toml",
        tmp_path,
        None,
    )
    assert parsed.select == ("PRF1",)
    assert parsed.ignore == ("PRF102",)
    assert parsed.extend_select == ("PRF102",)
    assert dict(parsed.per_file_ignores) == {"tests/*": ("PRF1",), "conftest.py": ("PRF101",)}
    assert parsed.exclude == ("build",)
    assert parsed.extend_exclude == ("migrations",)
    assert parsed.root == tmp_path


def test_defaults_cover_the_documented_directories() -> None:
    documented = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".tox", "node_modules"}
    assert documented <= set(config.DEFAULT_EXCLUDE)
    assert Config().select is None


def test_the_default_selection_leaves_the_opt_in_rules_out() -> None:
    """Every rule runs by default but the opt-in ones (the size rules, and
    PRF402 and PRF403, whose replacement is not faster, and PRF504, below
    80% precision on real code); a selector that
    names them (in ``select``, ``extend-select``, on the command line) turns
    them on, an explicit ``select`` of the whole prefix too."""
    from perf_lint.config import Selection

    opt_in = {rule.CODE for rule in RULES if rule.OPT_IN}
    assert opt_in == {"PRF201", "PRF202", "PRF203", "PRF402", "PRF403", "PRF504"}
    every = {rule.CODE for rule in RULES}
    assert set(Config().selected_codes()) == every - opt_in
    not_faster = {"PRF402", "PRF403", "PRF504"}
    assert set(Config(extend_select=("PRF2",)).selected_codes()) == every - not_faster
    assert set(Config(extend_select=("PRF40",)).selected_codes()) == every - {
        "PRF201",
        "PRF202",
        "PRF203",
        "PRF504",
    }
    assert set(Config(select=("PRF",)).selected_codes()) == every
    assert set(Config(select=("PRF202",)).selected_codes()) == {"PRF202"}
    assert set(Config(extend_select=("PRF201",)).selected_codes()) == (every - opt_in) | {"PRF201"}
    on_command_line = Config(overrides=(Selection(extend_select=("PRF203",)),))
    assert set(on_command_line.selected_codes()) == (every - opt_in) | {"PRF203"}
    ignored = Config(extend_select=("PRF2",), ignore=("PRF201",))
    assert set(ignored.selected_codes()) == every - {"PRF201"} - not_faster


def test_oversized_class_skips_stubs() -> None:
    selected = Config(select=("PRF",))
    assert "PRF203" in selected.selected_codes("pkg/m.py")
    assert "PRF203" not in selected.selected_codes("pkg/m.pyi")
    assert "PRF201" in selected.selected_codes("pkg/m.pyi")


def test_load_file_invalid_toml_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "pyproject.toml", "[tool.perf-lint]\nselect = [\n")
    with pytest.raises(ConfigError) as caught:
        config.load_file(path)
    assert str(path) in str(caught.value)
    with pytest.raises(ConfigError) as missing:
        config.load_file(tmp_path / "nothere.toml")
    assert "nothere.toml" in str(missing.value)


def test_load_file_pyproject_uses_its_table_other_toml_its_top_level(tmp_path: Path) -> None:
    project = write(
        tmp_path, "pyproject.toml", pyproject('ignore = ["PRF101"]\n') + "\n[tool.other]\nx = 1\n"
    )
    assert config.load_file(project).ignore == ("PRF101",)
    plain = write(tmp_path, "conf/perf.toml", 'ignore = ["PRF102"]\nextend-exclude = ["gen"]\n')
    loaded = config.load_file(plain)
    assert loaded.ignore == ("PRF102",)
    assert loaded.extend_exclude == ("gen",)
    assert loaded.root == (tmp_path / "conf").resolve()
    assert loaded.source == plain
    # A pyproject.toml without the table: the defaults.
    bare = write(tmp_path, "bare/pyproject.toml", '[project]\nname = "x"\n')
    assert config.load_file(bare).select is None
    # A TOML file holding a whole pyproject-style document is not the table.
    nested = write(tmp_path, "nested.toml", pyproject("select = []\n"))
    with pytest.raises(ConfigError) as caught:
        config.load_file(nested)
    assert "nested.toml" in str(caught.value)


# -- selection ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("select", "ignore", "extend", "expected"),
    [
        (("PRF",), (), (), ("PRF101", "PRF102")),
        (("PRF101",), (), (), ("PRF101",)),
        (("PRF",), ("PRF1",), (), ()),
        (("PRF101",), ("PRF1",), (), ("PRF101",)),  # most specific wins
        (("PRF1",), ("PRF101",), (), ("PRF102",)),
        (("PRF102",), ("PRF102",), (), ()),  # ignore wins a tie
        ((), (), ("PRF102",), ("PRF102",)),
        (("PRF101",), (), ("PRF102",), ("PRF101", "PRF102")),
        (("PRF",), ("PRF1",), ("PRF102",), ("PRF102",)),
    ],
)
def test_selected_codes(
    select: Tuple[str, ...],
    ignore: Tuple[str, ...],
    extend: Tuple[str, ...],
    expected: Tuple[str, ...],
) -> None:
    chosen = Config(select=select, ignore=ignore, extend_select=extend).selected_codes()
    # Only the two rules this table is about (later PRF1xx rules may join).
    assert tuple(code for code in chosen if code in ("PRF101", "PRF102")) == expected


def test_per_file_ignores_always_win(tmp_path: Path) -> None:
    settings = Config(
        select=("PRF101", "PRF102"),
        per_file_ignores=(("tests/*", ("PRF1",)), ("test_*.py", ("PRF102",))),
        root=tmp_path,
    )
    assert settings.selected_codes(str(tmp_path / "tests" / "a.py")) == ()
    assert settings.selected_codes(str(tmp_path / "tests" / "deep" / "a.py")) == ()
    assert settings.selected_codes(str(tmp_path / "src" / "test_b.py")) == ("PRF101",)
    assert settings.selected_codes(str(tmp_path / "src" / "c.py")) == ("PRF101", "PRF102")
    # "tests/*" is anchored at the root: src/tests/ is another directory.
    assert settings.selected_codes(str(tmp_path / "src" / "tests" / "a.py")) == (
        "PRF101",
        "PRF102",
    )


@pytest.mark.parametrize(
    ("pattern", "relative", "matches"),
    [
        ("build", "build", True),
        ("build", "src/build/x.py", True),  # no "/": any name in the path
        ("build", "builder/x.py", False),
        ("*_pb2.py", "pkg/api_pb2.py", True),
        ("pkg/gen", "pkg/gen", True),  # with "/": relative to the root
        ("pkg/gen", "pkg/gen/x.py", True),
        ("pkg/gen", "other/pkg/gen/x.py", False),
        ("./pkg/gen", "pkg/gen/x.py", True),
        ("tests/*", "tests/a.py", True),
        ("tests/*", "src/tests/a.py", False),
    ],
)
def test_path_matches(tmp_path: Path, pattern: str, relative: str, matches: bool) -> None:
    assert config.path_matches(pattern, str(tmp_path / relative), tmp_path) is matches


def test_exclude_replaces_the_defaults_and_extend_exclude_adds(tmp_path: Path) -> None:
    default = Config(root=tmp_path)
    assert default.is_excluded(str(tmp_path / "build"))
    assert not default.is_excluded(str(tmp_path / "migrations"))
    extended = Config(extend_exclude=("migrations",), root=tmp_path)
    assert extended.is_excluded(str(tmp_path / "build"))
    assert extended.is_excluded(str(tmp_path / "migrations"))
    replaced = Config(exclude=("migrations",), root=tmp_path)
    assert not replaced.is_excluded(str(tmp_path / "build"))
    assert replaced.is_excluded(str(tmp_path / "migrations"))
    # The root's own location never counts: only the path below it.
    below_build = tmp_path / "build" / "proj"
    assert not Config(root=below_build).is_excluded(str(below_build / "m.py"))


# -- the command with a configuration ----------------------------------------------------------


def test_selection_keys_are_honoured(tmp_path: Path) -> None:
    # select alone would give PRF102; extend-select adds PRF101; the ignore
    # ties with the select of PRF102 and wins.
    write(
        tmp_path,
        "pyproject.toml",
        pyproject('select = ["PRF102"]\nextend-select = ["PRF101"]\nignore = ["PRF102"]\n'),
    )
    write(tmp_path, "a.py", BOTH)
    result = run(tmp_path, "check")
    assert reported(result.out) == [("a.py", 1, "PRF101")]
    assert result.rc == 1


def test_per_file_ignores_in_the_command(tmp_path: Path) -> None:
    write(
        tmp_path,
        "pyproject.toml",
        pyproject('per-file-ignores = { "tests/*" = ["PRF1"], "test_*.py" = ["PRF102"] }\n'),
    )
    for name in ("tests/a.py", "tests/deep/b.py", "src/test_c.py", "src/d.py"):
        write(tmp_path, name, BOTH)
    result = run(tmp_path, "check")
    assert reported(result.out) == [
        ("src/d.py", 1, "PRF101"),
        ("src/d.py", 2, "PRF102"),
        ("src/test_c.py", 1, "PRF101"),
    ]
    # The name given with --stdin-filename is what per-file-ignores match.
    stdin = run(tmp_path, "check", "-", "--stdin-filename", "tests/new.py", stdin=BOTH)
    assert reported(stdin.out) == []
    assert stdin.rc == 0


def test_exclude_and_extend_exclude_in_the_command(tmp_path: Path) -> None:
    for name in (
        "ok.py",
        "build/b.py",
        "venv/v.py",
        "migrations/0001.py",
        "app/migrations/0002.py",
        "pkg/gen/g.py",
        "other/pkg/gen/g.py",
        "api_pb2.py",
    ):
        write(tmp_path, f"extend/{name}", "a in [1]\n")
        write(tmp_path, f"replace/{name}", "a in [1]\n")
    write(
        tmp_path,
        "extend/pyproject.toml",
        pyproject('extend-exclude = ["migrations", "pkg/gen", "*_pb2.py"]\n'),
    )
    write(tmp_path, "replace/pyproject.toml", pyproject('exclude = ["migrations"]\n'))
    extended = run(tmp_path / "extend", "check", ".", "pkg/gen/g.py")
    assert [path for path, _, _ in reported(extended.out)] == [
        "ok.py",
        "other/pkg/gen/g.py",
        "pkg/gen/g.py",  # named on the command line
    ]
    replaced = run(tmp_path / "replace", "check")
    assert [path for path, _, _ in reported(replaced.out)] == [
        "api_pb2.py",
        "build/b.py",
        "ok.py",
        "other/pkg/gen/g.py",
        "pkg/gen/g.py",
        "venv/v.py",
    ]


def test_config_option_file(tmp_path: Path) -> None:
    write(tmp_path, "pyproject.toml", pyproject('ignore = ["PRF102"]\n'))
    write(tmp_path, "a.py", BOTH)
    write(tmp_path, "conf/perf.toml", 'ignore = ["PRF101"]\n')
    write(tmp_path, "other/pyproject.toml", pyproject('select = ["PRF101"]\n'))
    # --config replaces the discovered pyproject.toml.
    plain = run(tmp_path, "check", "--config", "conf/perf.toml", "a.py")
    assert reported(plain.out) == [("a.py", 2, "PRF102")]
    assert plain.rc == 1
    other = run(tmp_path, "check", "--config", "other/pyproject.toml", "a.py")
    assert reported(other.out) == [("a.py", 1, "PRF101")]


CONFIG_ERRORS = {
    "unknown-key": ("pyproject.toml", pyproject("selec = []\n"), "selec"),
    "select-string": ("pyproject.toml", pyproject('select = "PRF"\n'), "select"),
    "per-file-ignores-list": (
        "pyproject.toml",
        pyproject('per-file-ignores = ["tests/*"]\n'),
        "per-file-ignores",
    ),
    "exclude-int": ("pyproject.toml", pyproject("exclude = 3\n"), "exclude"),
    "unknown-code": ("pyproject.toml", pyproject('select = ["PRF9"]\n'), "PRF9"),
    "invalid-toml": ("pyproject.toml", pyproject("select = [\n"), None),
    "config-option": ("custom.toml", "exclude = 3\n", "exclude"),
    "config-option-missing": ("nothere.toml", None, None),
}


@pytest.fixture(scope="module")
def config_error_runs(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Tuple[Path, Run]]:
    jobs = {}
    for name, (filename, text, _) in CONFIG_ERRORS.items():
        root = tmp_path_factory.mktemp(name)
        write(root, "pkg/a.py", BOTH)
        if text is not None:
            write(root, filename, text)
        if filename == "pyproject.toml":  # discovered from the linted path
            jobs[name] = (root / filename, root, ("check", "pkg"))
        else:
            jobs[name] = (root / filename, root, ("check", "--config", filename))
    # Independent runs side by side: start-up dominates, so use every core.
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(lambda job: run(job[1], *job[2]), jobs.values()))
    return {name: (job[0], result) for (name, job), result in zip(jobs.items(), results)}


@pytest.mark.parametrize("case", list(CONFIG_ERRORS))
def test_configuration_errors_exit_2(
    config_error_runs: Dict[str, Tuple[Path, Run]], case: str
) -> None:
    path, result = config_error_runs[case]
    filename, _, key = CONFIG_ERRORS[case]
    assert result.rc == 2
    # The file as found, or as given with --config.
    assert (str(path) if filename == "pyproject.toml" else filename) in result.err
    if key is not None:
        assert key in result.err
    assert reported(result.out) == []
