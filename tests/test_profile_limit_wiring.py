"""``max-profile-size`` reaches the command's reading of profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_profile_trust import FOLDED, assert_profile_error, check, project


def test_max_profile_size_limits_what_the_command_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, 'profile = ["run.folded"]\nmax-profile-size = 1\n')
    (tmp_path / "run.folded").write_text(FOLDED * 100_000)  # 2.8 MB
    (tmp_path / "roomy.toml").write_text("max-profile-size = 3\n")
    run = check(tmp_path, capsys, monkeypatch, "a.py")
    assert_profile_error(run, str(tmp_path / "run.folded"), "`max-profile-size` = 1 MB")
    run = check(tmp_path, capsys, monkeypatch, "--profile", "run.folded", "a.py")
    assert_profile_error(run, "run.folded", "`max-profile-size` = 1 MB")
    run = check(
        tmp_path, capsys, monkeypatch, "--config", "roomy.toml", "--profile", "run.folded", "a.py"
    )
    assert run.rc == 1 and "of run time" in run.out, run
