"""The pre-commit hooks, run by the real ``pre-commit`` in a throw-away git
repository against a snapshot of this checkout (uncommitted changes
included). pre-commit builds its own virtual environment and pip-installs
perf-lint into it, so this test is slow (about a minute): it carries the
``pre_commit`` marker, and runs in CI like every other test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

pytestmark = pytest.mark.slow


ROOT = Path(__file__).resolve().parent.parent
PROBLEM = "def f(x: int) -> bool:\n    return x in [1, 2]\n"
FIXED = "def f(x: int) -> bool:\n    return x in {1, 2}\n"


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=_env()
    )
    return done.stdout


def _env(home: Path = Path()) -> Dict[str, str]:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "NO_COLOR": "1",
    }
    if home != Path():
        env["PRE_COMMIT_HOME"] = str(home)
    for name in ("PYTHONWARNINGS", "VIRTUAL_ENV", "GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE"):
        env.pop(name, None)
    return env


def _project_files() -> List[str]:
    """This checkout's files as git sees them, untracked ones included (or,
    outside a git checkout, the files pip needs to build perf-lint)."""
    if not (ROOT / ".git").exists():
        names = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml"]
        names += [str(path.relative_to(ROOT)) for path in (ROOT / "perf_lint").rglob("*.py")]
        return names
    listed = _git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z")
    return [name for name in listed.split("\0") if name and (ROOT / name).is_file()]


def snapshot(destination: Path) -> str:
    """Commit the checkout's current files into a new repository; its HEAD."""
    destination.mkdir()
    for name in _project_files():
        target = destination / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    _git(destination, "init", "-q")
    _git(destination, "add", "-A")
    _git(destination, "commit", "-q", "-m", "snapshot")
    return _git(destination, "rev-parse", "HEAD").strip()


def pre_commit(cwd: Path, home: Path, *args: str) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(home),
        timeout=900,
    )


@pytest.mark.pre_commit
def test_hooks_with_the_real_pre_commit(tmp_path: Path) -> None:
    source = tmp_path / "perf-lint"
    rev = snapshot(source)
    home = tmp_path / "pre-commit-home"
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q")
    config = {
        "repos": [
            {
                "repo": str(source),
                "rev": rev,
                "hooks": [{"id": "perf-lint"}, {"id": "perf-lint-fix"}],
            }
        ]
    }
    (work / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    (work / "x.py").write_text(PROBLEM)
    (work / "notes.txt").write_text("x in [1, 2]\n")  # not Python: never passed to the hooks
    # Excluded by the project: staged, named to the hooks, never linted or rewritten.
    (work / "pyproject.toml").write_text('[tool.perf-lint]\nextend-exclude = ["generated"]\n')
    (work / "generated").mkdir()
    (work / "generated" / "g.py").write_text(PROBLEM)
    _git(work, "add", "-A")

    check = pre_commit(work, home, "run", "perf-lint")
    print(check.stdout, check.stderr)
    assert check.returncode == 1, check.stdout + check.stderr
    assert "x.py:2:17: PRF101 [*]" in check.stdout
    assert "notes.txt" not in check.stdout
    assert "generated" not in check.stdout
    assert (work / "x.py").read_text() == PROBLEM

    fix = pre_commit(work, home, "run", "perf-lint-fix")
    print(fix.stdout, fix.stderr)
    assert fix.returncode == 1, fix.stdout + fix.stderr
    assert "files were modified by this hook" in fix.stdout
    assert (work / "x.py").read_text() == FIXED
    assert (work / "generated" / "g.py").read_text() == PROBLEM

    _git(work, "add", "x.py")
    again = pre_commit(work, home, "run", "perf-lint-fix")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout
    check = pre_commit(work, home, "run", "perf-lint")
    assert check.returncode == 0, check.stdout + check.stderr
    assert (work / "x.py").read_text() == FIXED
    # Every file, as `pre-commit run --all-files` in CI names them.
    every = pre_commit(work, home, "run", "--all-files")
    assert every.returncode == 0, every.stdout + every.stderr
    assert (work / "generated" / "g.py").read_text() == PROBLEM


def test_hook_definitions() -> None:
    hooks = {
        hook["id"]: hook for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    }
    assert set(hooks) == {"perf-lint", "perf-lint-fix"}
    assert hooks["perf-lint"]["entry"] == "perf-lint check --force-exclude"
    assert hooks["perf-lint-fix"]["entry"] == "perf-lint check --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "pyi"]
        assert hook["require_serial"] is False
