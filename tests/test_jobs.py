"""``--jobs``: worker processes give exactly the output and the fixed files
of a single process, on the fixtures and on a standard-library sample."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Dict, List

import pytest

from perf_lint.runner import PARALLEL_MIN_BYTES, default_jobs

pytestmark = pytest.mark.slow


ROOT = Path(__file__).resolve().parent.parent


def stdlib_sample() -> List[Path]:
    """Mid-sized modules of this interpreter's standard library, spread over
    the alphabet, just enough bytes that the run really uses workers."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    files = [p for p in sorted(stdlib.glob("*.py")) if 4000 < p.stat().st_size < 40000]
    sample: List[Path] = []
    for path in files[::3]:
        sample.append(path)
        if sum(p.stat().st_size for p in sample) > PARALLEL_MIN_BYTES * 5 // 4:
            return sample
    raise AssertionError("the standard library is too small for this test")


def copy_tree(tmp_path: Path) -> Path:
    target = tmp_path / "tree"
    (target / "stdlib").mkdir(parents=True)
    for path in stdlib_sample():
        shutil.copy(path, target / "stdlib" / path.name)
    shutil.copytree(ROOT / "fixtures", target / "fixtures")
    return target


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
    )


def snapshot(root: Path) -> Dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.py"))}


def test_jobs_give_the_output_of_one_process(tmp_path: Path) -> None:
    tree = copy_tree(tmp_path)
    one = run(tree, "--no-cache", "--jobs", "1", "--format", "json", ".")
    two = run(tree, "--jobs", "2", "--timings", "--format", "json", ".")  # fills the cache
    assert "worker processes: 2" in two.stderr
    warm = run(tree, "--jobs", "2", "--format", "json", ".")
    assert one.returncode == two.returncode == warm.returncode == 1
    assert one.stdout == two.stdout == warm.stdout and one.stdout.count('"code"') > 10


def test_jobs_fix_the_same_way(tmp_path: Path) -> None:
    first = copy_tree(tmp_path / "a")
    second = copy_tree(tmp_path / "b")
    one = run(first, "--jobs", "1", "--fix", "--unsafe-fixes", ".")
    two = run(second, "--jobs", "2", "--fix", "--unsafe-fixes", ".")
    assert one.stdout == two.stdout and "Found" in one.stdout
    assert snapshot(first) == snapshot(second) != snapshot(copy_tree(tmp_path / "c"))


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_jobs_must_be_a_positive_number(tmp_path: Path, value: str) -> None:
    done = run(tmp_path, "--jobs", value, ".")
    assert done.returncode == 2 and "--jobs" in done.stderr


def test_default_is_every_available_core() -> None:
    expected = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert default_jobs() == expected
