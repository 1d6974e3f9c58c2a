"""The results cache: warm runs reuse results without loading libcst, the
key follows content, configuration and code, entries are replaced whole,
corrupt ones are ignored and rewritten, and the directory stays bounded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Tuple

import pytest

from perf_lint.cache import Cache, diagnostics_from_bytes, diagnostics_to_bytes
from perf_lint.diagnostic import Applicability, Diagnostic, Edit, FixRecord, Location

SOURCE = "def f(x: str):\n    return x in ['a', 'b']\n\n\ny = 1 in (1, 2)\n"

# Runs the command in-process and says whether libcst was loaded.
PROBE = (
    "import sys\n"
    "from perf_lint.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "sys.stdout.flush()\n"
    "sys.stderr.write('LIBCST=%s\\n' % ('libcst' in sys.modules))\n"
    "sys.exit(code)\n"
)


def probe(cwd: Path, *args: str) -> Tuple[int, str, bool]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], cwd=cwd, capture_output=True, text=True, timeout=120
    )
    loaded = "LIBCST=True" in done.stderr
    assert "LIBCST=" in done.stderr, done.stderr
    return done.returncode, done.stdout, loaded


def project(tmp_path: Path, config: str = "") -> Path:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text(SOURCE)
    (tmp_path / "pkg" / "b.py").write_text("print('nothing to see')\n")
    (tmp_path / "pkg" / "c.py").write_text("x in [1, 2]\n")
    if config:
        (tmp_path / "pyproject.toml").write_text(config)
    return tmp_path


CONFIG = '[tool.perf-lint]\nselect = ["PRF1"]\nper-file-ignores = {"c.py" = ["PRF101"]}\n'


def test_warm_run_gives_the_same_output_without_importing_libcst(tmp_path: Path) -> None:
    root = project(tmp_path, CONFIG)
    args = ("check", "--format", "json", "--select", "PRF10", ".")
    rc1, out1, loaded1 = probe(root, *args)
    rc2, out2, loaded2 = probe(root, *args)
    assert loaded1 and not loaded2
    assert (rc1, out1) == (rc2, out2)
    found = json.loads(out1)
    assert sorted((Path(d["filename"]).name, d["code"]) for d in found) == [
        ("a.py", "PRF101"),
        ("a.py", "PRF102"),
    ]
    rc3, out3, loaded3 = probe(root, "check", "--no-cache", "--format", "json", ".")
    assert loaded3 and (rc3, out3) == (rc1, out1)


def test_changed_content_and_changed_config_are_analysed_again(tmp_path: Path) -> None:
    root = project(tmp_path, CONFIG)
    probe(root, "check", ".")
    (root / "pkg" / "b.py").write_text("y in [3]\n")
    _, out, loaded = probe(root, "check", ".")
    assert loaded and "b.py:1:6: PRF101" in out
    (root / "pyproject.toml").write_text(CONFIG.replace('["PRF1"]', '["PRF102"]'))
    _, out, loaded = probe(root, "check", ".")
    assert loaded and "PRF101" not in out and "PRF102" in out
    _, again, loaded = probe(root, "check", ".")
    assert not loaded and again == out


def test_fixing_bypasses_the_cache(tmp_path: Path) -> None:
    root = project(tmp_path)
    rc, _, _ = probe(root, "check", "--fix", "--unsafe-fixes", ".")
    assert rc == 0 and not (root / ".perf-lint-cache").exists()
    assert "{'a', 'b'}" in (root / "pkg" / "a.py").read_text()


def entries(directory: Path) -> List[Path]:
    from perf_lint.cache import FORMAT

    return sorted(p for p in (directory / f"v{FORMAT}").rglob("*") if p.is_file())


def test_corrupt_entries_are_ignored_and_rewritten(tmp_path: Path) -> None:
    root = project(tmp_path)
    _, clean, _ = probe(root, "check", "--no-cache", ".")
    probe(root, "check", ".")
    found = entries(root / ".perf-lint-cache")
    assert found
    for index, entry in enumerate(found):
        entry.write_bytes([b"", b"{not json", b'{"format": 1}', b"\x00\xff"][index % 4])
    _, out, loaded = probe(root, "check", ".")
    assert out == clean and loaded
    _, out, loaded = probe(root, "check", ".")
    assert out == clean and not loaded


def test_cache_dir_option_and_config_key(tmp_path: Path) -> None:
    root = project(tmp_path, '[tool.perf-lint]\ncache-dir = "build/lint-cache"\n')
    probe(root, "check", ".")
    assert (root / "build" / "lint-cache" / "CACHEDIR.TAG").is_file()
    assert not (root / ".perf-lint-cache").exists()
    probe(root, "check", "--cache-dir", "elsewhere", ".")
    assert entries(root / "elsewhere")
    (root / "pyproject.toml").write_text("[tool.perf-lint]\ncache-dir = 3\n")
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", "."],
        cwd=root,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2 and "cache-dir" in done.stderr


def test_two_runs_sharing_a_cache(tmp_path: Path) -> None:
    root = project(tmp_path)
    for index in range(30):
        (root / "pkg" / f"m{index}.py").write_text(f"v = {index}\nv in [{index}, 'x']\n")
    _, expected, _ = probe(root, "check", "--no-cache", ".")
    command = [sys.executable, "-m", "perf_lint", "check", "--jobs", "1", "."]
    runs = [subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) for _ in "ab"]
    outputs = [process.communicate(timeout=120)[0] for process in runs]
    assert outputs == [expected, expected]
    _, warm, loaded = probe(root, "check", ".")
    assert warm == expected and not loaded
    assert not [p for p in (root / ".perf-lint-cache").rglob(".tmp-*")]


def test_least_recently_used_entries_go_first(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", max_entries=10)
    keys = [cache.key(str(index).encode()) for index in range(12)]
    for index, key in enumerate(keys):
        cache.put(key, b"x")
        past = time.time() - 1000 + index
        os.utime(cache._path(key), (past, past))
    assert cache.get(keys[0]) == b"x"  # used again: now the most recent
    assert cache.prune() == 12 - 9
    left = {key for key in keys if os.path.exists(cache._path(key))}
    assert left == {keys[0], *keys[4:]}
    assert cache.prune() == 0  # within bounds


def test_size_bound_in_bytes(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c", max_bytes=1000)
    for index in range(20):
        key = cache.key(str(index).encode())
        cache.put(key, b"y" * 100)
        os.utime(cache._path(key), (1000 + index, 1000 + index))
    cache.prune()
    sizes = sum(path.stat().st_size for path in entries(tmp_path / "c"))
    assert sizes <= 900


def test_a_cache_that_cannot_be_written_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    cache = Cache(blocker / "cache")
    key = cache.key(b"k")
    cache.put(key, b"data")
    assert cache.get(key) is None and cache.written == 0


def test_diagnostics_round_trip() -> None:
    start, end = Location(3, 5), Location(3, 12)
    fix = FixRecord(Applicability.UNSAFE, "Convert", (Edit("{1}", start, end),))
    found = [
        Diagnostic("PRF101", "list-literal-membership", "m", "p.py", start, end, fix),
        Diagnostic("E902", "syntax-error", "SyntaxError: x", "p.py", start, start),
    ]
    assert diagnostics_from_bytes(diagnostics_to_bytes(found), "p.py") == found
    assert diagnostics_from_bytes(diagnostics_to_bytes(found), "p.py")[1].is_file_problem
    # An entry of the previous format (file problems without a code) is a miss.
    with pytest.raises(ValueError):
        diagnostics_from_bytes(b'{"format": 1, "diagnostics": []}', "p.py")
    with pytest.raises(ValueError):
        diagnostics_from_bytes(b'{"format": 1, "diagnostics": [[1]]}', "p.py")


def test_the_cache_lives_next_to_the_projects_pyproject(tmp_path: Path) -> None:
    # As ruff keeps its cache: a run from a subdirectory of the project
    # writes to the project's cache, not a new one in the subdirectory.
    (tmp_path / "pyproject.toml").write_text("[tool.perf-lint]\n", encoding="utf-8")
    sub = tmp_path / "pkg"
    sub.mkdir()
    (sub / "a.py").write_text("x in [1, 2]\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "a.py"],
        cwd=sub,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert (tmp_path / ".perf-lint-cache" / "CACHEDIR.TAG").is_file()
    assert not (sub / ".perf-lint-cache").exists()
