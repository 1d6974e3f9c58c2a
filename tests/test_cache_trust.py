"""The results cache never touches what it did not write: its clean-up
deletes only entries it can prove are its own, a directory that is not
perf-lint's is refused with a warning, a configuration file cannot send it
outside its project, and a corrupt entry of any shape is a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from perf_lint import cache as cache_module
from perf_lint.cache import FORMAT, Cache, config_data, config_from_data, diagnostics_from_bytes
from perf_lint.cli import main
from perf_lint.config import Config

SOURCE = "x = 1\nx in [1, 2]\n"
#: Every entry starts with this (nothing before the header existed).
HEADER = getattr(cache_module, "MAGIC", b"")
REFUSED = "not a perf-lint cache directory; caching is off for this run"
Run = Callable[..., Tuple[int, str, str]]


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """``perf-lint ARGS`` in ``cwd``, in this process, with a cache bound of
    100 bytes so that every run that writes an entry cleans up."""
    defaults = Cache.__init__.__defaults__
    assert defaults is not None
    monkeypatch.setattr(Cache.__init__, "__defaults__", (defaults[0], 100))

    def call(cwd: Path, *args: str) -> Tuple[int, str, str]:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return call


def victim(directory: Path) -> List[Path]:
    """A directory of a user's files, laid out as the cache lays out its own
    (``v<FORMAT>/<bucket>/<entry>``), old enough to be cleaned up first."""
    photos = directory / f"v{FORMAT}" / "photos"
    photos.mkdir(parents=True)
    files = [
        photos / "holiday.jpg",
        directory / f"v{FORMAT}" / "ab" / ("c" * 62),
        directory / "notes",
    ]
    files[1].parent.mkdir()
    for path in files:
        path.write_bytes(b"precious " * 100)
        os.utime(path, (1000, 1000))
    return files


def snapshot(directory: Path) -> List[Tuple[str, bytes]]:
    return sorted(
        (str(path.relative_to(directory)), path.read_bytes())
        for path in directory.rglob("*")
        if path.is_file()
    )


def project(root: Path, config: str = "") -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "a.py").write_text(SOURCE)
    (root / "pkg" / "b.py").write_text("print('clean')\n")
    if config:
        (root / "pyproject.toml").write_text(config)
    return root


# -- item 1: the clean-up deletes only what perf-lint wrote ---------------------------
def test_a_configured_cache_dir_beside_the_project_loses_no_user_file(
    tmp_path: Path, run: Run
) -> None:
    # The reported loss: `cache-dir = "../victim"` in a checkout's pyproject,
    # a plain `check`, and the clean-up deleted victim/v2/photos/*.
    root = project(tmp_path / "proj", '[tool.perf-lint]\ncache-dir = "../victim"\n')
    files = victim(tmp_path / "victim")
    before = snapshot(tmp_path / "victim")
    code, out, err = run(root, "check", ".")
    assert code == 1 and "PRF101" in out
    assert all(path.exists() for path in files)
    assert snapshot(tmp_path / "victim") == before  # nothing written there either
    assert "Traceback" not in err


@pytest.mark.parametrize("where", [".", "../victim"])
def test_a_cache_dir_holding_other_files_is_refused(tmp_path: Path, run: Run, where: str) -> None:
    root = project(tmp_path / "proj")
    files = victim(tmp_path / "victim" if where != "." else root)
    directory = (root / where).resolve()
    before = snapshot(directory)
    _, clean, _ = run(root, "check", "--no-cache", ".")
    for _ in range(2):
        code, out, err = run(root, "check", "--cache-dir", where, ".")
        assert code == 1 and out == clean
        assert err == f"perf-lint: warning: {where}: {REFUSED}\n"
    assert all(path.exists() for path in files)
    assert snapshot(directory) == before
    assert not (directory / "CACHEDIR.TAG").exists()


def test_a_perf_lint_cache_with_anything_else_at_its_top_is_refused(
    tmp_path: Path, run: Run
) -> None:
    root = project(tmp_path)
    code, _, err = run(root, "check", "--cache-dir", "c", ".")
    assert code == 1 and err == ""
    assert (root / "c" / "CACHEDIR.TAG").is_file()
    (root / "c" / "thesis.tex").write_text("mine")
    before = snapshot(root / "c")
    _, _, err = run(root, "check", "--cache-dir", "c", ".")
    assert err == f"perf-lint: warning: c: {REFUSED}\n"
    assert snapshot(root / "c") == before


def test_another_tools_cache_directory_is_refused(tmp_path: Path, run: Run) -> None:
    root = project(tmp_path)
    ruff = root / ".ruff_cache"
    ruff.mkdir()
    (ruff / "CACHEDIR.TAG").write_text("Signature: 8a477f597d28d172789f06886806bc55")
    _, _, err = run(root, "check", "--cache-dir", ".ruff_cache", ".")
    assert err == f"perf-lint: warning: .ruff_cache: {REFUSED}\n"
    assert [p.name for p in ruff.iterdir()] == ["CACHEDIR.TAG"]


def test_an_empty_directory_becomes_a_marked_cache(tmp_path: Path, run: Run) -> None:
    # An empty directory holds nothing to lose (a CI step that restores a
    # cache creates it first): it is marked and used.
    root = project(tmp_path)
    (root / "c").mkdir()
    _, _, err = run(root, "check", "--cache-dir", "c", ".")
    assert err == ""
    assert (root / "c" / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d1")
    assert sorted(p.name for p in (root / "c").iterdir()) == [
        ".gitignore",
        "CACHEDIR.TAG",
        "README",
        f"v{FORMAT}",
    ]


def test_prune_removes_only_its_own_entries(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", max_entries=5)
    keys = [cache.key(str(index).encode()) for index in range(10)]
    for index, key in enumerate(keys):
        cache.put(key, b"x")
        os.utime(cache._path(key), (5000 + index, 5000 + index))
    entries = tmp_path / "c" / f"v{FORMAT}"
    bucket = Path(cache._path(keys[0])).parent
    outside = tmp_path / "outside.txt"
    outside.write_text("mine")
    foreign = [
        bucket / ("d" * 62),  # an entry's name, but not its header
        bucket / "notes.txt",
        bucket / ".tmp-abcdefgh",  # another program's temporary file
        bucket / ".tmp-perf-lint-user",  # perf-lint's prefix, not its bytes
        entries / "photos" / "holiday.jpg",
        entries / "AB" / ("e" * 62),
        bucket / ("f" * 62 + ".bak"),
    ]
    for path in foreign:
        path.parent.mkdir(exist_ok=True)
        path.write_text("user data")
        os.utime(path, (1000, 1000))
    link = bucket / ("a" * 62)
    link.symlink_to(outside)
    ours = [bucket / ".tmp-perf-lint-killed", tmp_path / "c" / ".tmp-perf-lint-marking"]
    ours[0].write_bytes(HEADER + b'{"form')  # left by a killed run
    ours[1].write_bytes(b"Signature: 8a477f")
    foreign.append(tmp_path / "c" / ".tmp-perf-lint-notes")
    foreign[-1].write_text("user data")
    for path in [*ours, foreign[-1]]:
        os.utime(path, (1000, 1000))
    assert cache.prune() == 6 + 2
    left = [key for key in keys if os.path.exists(cache._path(key))]
    assert left == keys[6:]
    assert all(path.read_text() == "user data" for path in foreign)
    assert link.is_symlink() and outside.read_text() == "mine"
    assert not any(path.exists() for path in ours)


def test_a_refused_directory_is_never_written_or_cleaned(tmp_path: Path) -> None:
    files = victim(tmp_path / "v")
    cache = Cache(tmp_path / "v", max_bytes=10)
    assert cache.refusal() == f"{tmp_path / 'v'}: {REFUSED}"
    key = cache.key(b"k")
    cache.put(key, b"data")
    assert cache.written == 0 and cache.get(key) is None and cache.prune() == 0
    assert all(path.exists() for path in files)
    assert not os.path.exists(cache._path(key))


def test_an_entry_without_the_header_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c")
    key = cache.key(b"k")
    cache.put(key, b"data")
    assert cache.get(key) == b"data"
    with open(cache._path(key), "rb") as handle:
        assert handle.read(len(HEADER)) == HEADER and HEADER
    Path(cache._path(key)).write_bytes(b"data")
    assert cache.get(key) is None


# -- item 10: a corrupt entry of any shape is a miss -------------------------------------
NESTED = b'{"format": %d, "diagnostics": ' % FORMAT + b"[" * 100_000 + b"]" * 100_000 + b"}"


def entry_files(directory: Path) -> List[Path]:
    return sorted(p for p in (directory / f"v{FORMAT}").rglob("*") if p.is_file())


def wrong_types() -> List[bytes]:
    good = ["PRF101", "n", "m", [2, 6], [2, 12], None, None]
    variants = []
    for index, value in [
        (0, 101),
        (1, None),
        (3, ["2", 6]),
        (3, [2]),
        (4, {"row": 2}),
        (5, ["unsafe", "m", "not edits"]),
        (5, ["never", "m", []]),
        (5, ["unsafe", "m", [["{1}", [2, 6], [2, True]]]]),
        (6, [1, 2]),
    ]:
        item = list(good)
        item[index] = value
        variants.append(json.dumps({"format": FORMAT, "diagnostics": [item]}).encode())
    variants.append(json.dumps({"format": FORMAT, "diagnostics": {"a": 1}}).encode())
    variants.append(json.dumps([FORMAT]).encode())
    return variants


def test_wrong_types_in_an_entry_are_not_an_entry() -> None:
    for data in [*wrong_types(), NESTED, b"\xff\xfe", b'{"format": 3, "diagnostics": [[']:
        with pytest.raises(ValueError):
            diagnostics_from_bytes(data, "p.py")


def test_a_configuration_entry_of_wrong_types_is_not_one() -> None:
    good = config_data(Config(ignore=("PRF101",), options={"max-items": 3, "names": ("a",)}))
    assert config_from_data(json.loads(json.dumps(good))).ignore == ("PRF101",)
    for key, value in [
        ("ignore", "PRF101"),
        ("select", [1]),
        ("options", {"x": {"y": 1}}),
        ("options", []),
        ("per_file_ignores", [["*.py"]]),
        ("per_file_ignores", [[1, ["PRF101"]]]),
        ("root", None),
        ("cache_dir", 3),
        ("overrides", [{"select": None}]),
    ]:
        with pytest.raises(ValueError):
            config_from_data({**good, key: value})
    for data in ([], None, "x"):
        with pytest.raises(ValueError):
            config_from_data(data)


@pytest.mark.parametrize("kind", ["nested", "wrong types"])
def test_corrupt_entries_of_any_shape_are_misses(tmp_path: Path, kind: str) -> None:
    # Every entry of the run is replaced: the files' results, the remembered
    # configuration and the remembered selectors.
    root = project(tmp_path, '[tool.perf-lint]\nignore = ["PRF102"]\n')
    command = [sys.executable, "-m", "perf_lint", "check", "--select", "PRF1", "."]
    clean = subprocess.run([*command, "--no-cache"], cwd=root, capture_output=True, text=True)
    subprocess.run(command, cwd=root, capture_output=True, check=False)
    found = entry_files(root / ".perf-lint-cache")
    assert len(found) >= 4
    contents = [NESTED] if kind == "nested" else wrong_types()
    for index, path in enumerate(found):
        path.write_bytes(HEADER + contents[index % len(contents)])
    for _ in range(2):  # read corrupt (and rewritten), then read again
        done = subprocess.run(command, cwd=root, capture_output=True, text=True)
        assert (done.returncode, done.stdout, done.stderr) == (1, clean.stdout, "")


# -- item 12: a configuration cannot send the cache outside its project ------------------
def outside_warning(root: Path, value: str) -> str:
    return (
        f"perf-lint: warning: {root / 'pyproject.toml'}: cache-dir {value!r} points outside "
        "the project; ignored, pass --cache-dir to use it\n"
    )


@pytest.mark.parametrize("value", ["../elsewhere", "ABSOLUTE", "link/cache", "a/../../elsewhere"])
def test_a_configured_cache_dir_outside_the_project_is_ignored(
    tmp_path: Path, run: Run, value: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    value = value.replace("ABSOLUTE", str(elsewhere))
    root = project(tmp_path / "proj", f'[tool.perf-lint]\ncache-dir = "{value}"\n')
    (root / "link").symlink_to(elsewhere, target_is_directory=True)
    elsewhere.mkdir()
    for _ in range(2):
        code, out, err = run(root, "check", ".")
        assert code == 1 and "PRF101" in out
        assert err == outside_warning(root, value)
    assert list(elsewhere.iterdir()) == []
    assert (root / ".perf-lint-cache" / "CACHEDIR.TAG").is_file()
    # The user's own flag may point anywhere.
    code, _, err = run(root, "check", "--cache-dir", str(elsewhere / "c"), ".")
    assert code == 1 and err == ""
    assert (elsewhere / "c" / "CACHEDIR.TAG").is_file()


def test_a_configured_cache_dir_inside_the_project_is_used(tmp_path: Path, run: Run) -> None:
    root = project(tmp_path, '[tool.perf-lint]\ncache-dir = "build/../.lint-cache"\n')
    _, _, err = run(root / "pkg", "check", ".")
    assert err == ""
    assert entry_files(root / ".lint-cache")
    assert not (root / "pkg" / ".perf-lint-cache").exists()


# -- concurrent runs -------------------------------------------------------------------
RACE = textwrap.dedent(
    """
    import sys, time
    from perf_lint.cache import Cache
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
    cache = Cache(sys.argv[1])
    refusal = cache.refusal()
    for index in range(20):
        cache.put(cache.key(sys.argv[3].encode(), bytes([index])), b"data")
    print(refusal, cache.written)
    """
)


def test_runs_creating_the_same_cache_at_once_all_use_it(tmp_path: Path) -> None:
    # Each run sees the directory absent, empty, being marked or marked:
    # none is refused, none loses an entry, no temporary file is left.
    directory = tmp_path / "new" / "cache"
    start = time.time() + 1.5
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RACE, str(directory), str(start), str(index)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for index in range(6)
    ]
    outputs = [process.communicate(timeout=60)[0] for process in runs]
    assert outputs == ["None 20\n"] * 6
    assert Cache(directory).refusal() is None
    assert len(entry_files(directory)) == 6 * 20
    assert not list(directory.rglob(".tmp-*"))
