"""Errors are exit 2 with a message, never a traceback with exit 1 (which CI
reads as "findings"), and a run with an error never says that all checks
passed (issue 28, items 10 and 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from perf_lint import cli
from perf_lint.engine import Engine

CLEAN = "x = 1\n"


def test_an_uncaught_exception_is_an_internal_error_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli.Check, "_profiles", broken)
    monkeypatch.delenv("PERF_LINT_TRACEBACK", raising=False)
    assert cli.main(["check", "--no-cache", "a.py"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "perf-lint: error: internal error: RuntimeError: boom" in err
    assert "please report it" in err and "Traceback" not in err
    monkeypatch.setenv("PERF_LINT_TRACEBACK", "1")
    assert cli.main(["check", "--no-cache", "a.py"]) == cli.EXIT_ERROR
    assert "Traceback" in capsys.readouterr().err


def test_a_file_that_crashed_never_gets_all_checks_passed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)

    def crash(*args: object, **kwargs: object) -> None:
        raise AttributeError("module 'ast' has no attribute 'MatchAs'")

    monkeypatch.setattr(Engine, "check_bytes", crash)
    assert cli.main(["check", "--no-cache", "--jobs", "1", "a.py"]) == cli.EXIT_ERROR
    out, err = capsys.readouterr()
    assert "a.py: internal error: AttributeError" in err
    assert "All checks passed" not in out
    assert "errors occurred" in out


@pytest.mark.parametrize("option", ["--select", "--ignore", "--extend-select"])
@pytest.mark.parametrize("value", [",", "", " , "])
def test_an_empty_code_list_is_a_usage_error(
    option: str, value: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.py").write_text(CLEAN)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["check", "--no-cache", f"{option}={value}", "a.py"])
    assert stopped.value.code == cli.EXIT_ERROR


def test_a_file_over_max_file_size_is_skipped_with_e902(tmp_path: Path) -> None:
    from tests.test_cli import run

    (tmp_path / "pyproject.toml").write_text("[tool.perf-lint]\nmax-file-size = 0.0001\n")
    (tmp_path / "big.py").write_text("x = 1\n" * 100)
    (tmp_path / "small.py").write_text("def f(x: str):\n    return x in [1, 2]\n")
    result = run(tmp_path, "check", "--no-cache", ".")
    assert result.rc == 1
    assert (
        "big.py:1:1: E902 cannot read: 600 bytes, more than the limit of 100 bytes (max-file-size)"
        in result.out
    )
    assert "small.py:2:17: PRF101" in result.out
    (tmp_path / "pyproject.toml").write_text("[tool.perf-lint]\nmax-file-size = 0\n")
    assert "E902" not in run(tmp_path, "check", "--no-cache", ".").out
    (tmp_path / "pyproject.toml").write_text("[tool.perf-lint]\nmax-file-size = -1\n")
    refused = run(tmp_path, "check", "--no-cache", ".")
    assert refused.rc == 2 and "`max-file-size` must be" in refused.err
