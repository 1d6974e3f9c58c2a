"""Profiles a user or a checked-out tree names are read safely (issue 28,
the profile parts of items 6, 7, 10 and 12): only regular files, never
more than ``max-profile-size``, numbers too large to add up are an error
naming the file, and a configuration that names a profile outside its
own directory is warned about.

Runs that could hang (a FIFO) or fill memory (``/dev/zero``) go through a
subprocess with a timeout; the rest run in-process."""

from __future__ import annotations

import json
import marshal
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List, NamedTuple

import pytest

from perf_lint.cli import main

SOURCE = "def f(x):\n    return x in [1, 2]\n"
#: A folded-stacks profile of ``a.py`` (py-spy's raw format).
FOLDED = "main (a.py:1);f (a.py:2) 10\n"
NEEDS_FIFO = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
NEEDS_DEV_ZERO = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero")


class Run(NamedTuple):
    rc: int
    out: str
    err: str


def check(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> Run:
    monkeypatch.chdir(cwd)
    capsys.readouterr()
    rc = main(["check", "--no-cache", *args])
    out, err = capsys.readouterr()
    return Run(rc, out, err)


def check_process(cwd: Path, *args: str, timeout: float = 30) -> Run:
    """A hang fails the test by ``TimeoutExpired``; a run that reads
    ``/dev/zero`` is stopped by the 1 GB address-space limit first."""

    def limit_memory() -> None:  # pragma: no cover - runs in the child
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (2**30 * 2, 2**30 * 2))

    done = subprocess.run(
        [sys.executable, "-m", "perf_lint", "check", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        timeout=timeout,
        env={**os.environ, "NO_COLOR": "1"},
        stdin=subprocess.DEVNULL,
        preexec_fn=limit_memory if sys.platform.startswith("linux") else None,
    )
    return Run(done.returncode, done.stdout.decode(), done.stderr.decode())


def project(root: Path, table: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "a.py").write_text(SOURCE)
    if table:
        (root / "pyproject.toml").write_text(f"[tool.perf-lint]\n{table}")
    return root


def assert_profile_error(run: Run, name: str, *words: str) -> None:
    assert run.rc == 2, run
    assert "Traceback" not in run.err
    assert run.err.startswith(f"perf-lint: error: {name}: "), run.err
    for word in words:
        assert word in run.err, run.err
    assert run.out == ""


# -- item 6: only regular files ------------------------------------------------------------


@NEEDS_FIFO
def test_a_fifo_as_profile_is_refused(tmp_path: Path) -> None:
    """On main, ``--profile FIFO`` (and ``profile = [FIFO]``) waited for a
    writer forever."""
    project(tmp_path)
    os.mkfifo(tmp_path / "run.folded")
    run = check_process(tmp_path, "--profile", "run.folded", "a.py")
    assert_profile_error(run, "run.folded", "a FIFO", "not a regular file")
    (tmp_path / "pyproject.toml").write_text('[tool.perf-lint]\nprofile = ["run.folded"]\n')
    run = check_process(tmp_path, "a.py")
    assert_profile_error(run, str(tmp_path / "run.folded"), "a FIFO")


@NEEDS_DEV_ZERO
def test_dev_zero_as_profile_is_refused(tmp_path: Path) -> None:
    """On main, reading ``/dev/zero`` grew without bound (17.9 GB in 60 s);
    here the child gets 2 GB of address space, and fails within it."""
    project(tmp_path)
    run = check_process(tmp_path, "--profile", "/dev/zero", "a.py")
    assert_profile_error(run, "/dev/zero", "a character device", "not a regular file")


def test_a_directory_as_profile_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path, 'profile = ["profiles"]\n')
    (tmp_path / "profiles").mkdir()
    run = check(tmp_path, capsys, monkeypatch, "a.py")
    assert_profile_error(run, str(tmp_path / "profiles"), "a directory, not a regular file")


def test_read_regular_never_opens_a_special_file(tmp_path: Path) -> None:
    from perf_lint.reading import NotRegular, read_regular

    with pytest.raises(NotRegular, match="a directory"):
        read_regular(str(tmp_path))
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe")
        with pytest.raises(NotRegular, match="a FIFO"):
            read_regular(str(tmp_path / "pipe"))


# -- item 7: a configurable size limit ---------------------------------------------------


def test_a_profile_over_the_default_limit_is_refused_before_it_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """100 MB by default. The file is sparse: refusing it costs nothing; on
    main it was read whole (a 200 MB speedscope profile took 127 s and
    3.15 GB)."""
    project(tmp_path)
    with open(tmp_path / "big.folded", "wb") as handle:
        handle.truncate(100_000_001)
    run = check(tmp_path, capsys, monkeypatch, "--profile", "big.folded", "a.py")
    assert_profile_error(
        run, "big.folded", "profile too large", "100,000,001 bytes", "`max-profile-size` = 100 MB"
    )


def test_max_profile_size_is_the_limit_of_a_configured_profile(tmp_path: Path) -> None:
    """``max-profile-size`` (megabytes) in the table that names the profile.
    On main the key was unknown (an error)."""
    from perf_lint import profiles
    from perf_lint.config import configured_profile_limit, configured_profiles, load_file

    project(tmp_path, 'profile = ["run.folded"]\nmax-profile-size = 1\n')
    (tmp_path / "run.folded").write_text(FOLDED * 100_000)  # 2.8 MB
    config = load_file(tmp_path / "pyproject.toml")
    assert configured_profile_limit(config) == 1_000_000
    with pytest.raises(profiles.ProfileError) as raised:
        profiles.load(configured_profiles(config), configured_profile_limit(config))
    assert str(raised.value).startswith(str(tmp_path / "run.folded") + ": profile too large")
    assert "`max-profile-size` = 1 MB" in str(raised.value)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.perf-lint]\nprofile = ["run.folded"]\nmax-profile-size = 3\n'
    )
    config = load_file(tmp_path / "pyproject.toml")
    loaded = profiles.load(configured_profiles(config), configured_profile_limit(config))
    assert loaded.total == 1_000_000


def test_the_command_line_limit_comes_from_the_config_of_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perf_lint.config import command_line_profile_limit

    project(tmp_path / "plain")
    project(tmp_path / "set", "max-profile-size = 7\n")
    (tmp_path / "other.toml").write_text("max-profile-size = 9\n")
    monkeypatch.chdir(tmp_path / "plain")
    if not any((parent / "pyproject.toml").exists() for parent in (tmp_path / "plain").parents):
        assert command_line_profile_limit() == 100_000_000
    assert command_line_profile_limit(tmp_path / "other.toml") == 9_000_000
    monkeypatch.chdir(tmp_path / "set")
    assert command_line_profile_limit() == 7_000_000


def test_a_section_that_is_not_a_table_is_an_error_for_the_profile_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from perf_lint.config import ConfigError, command_line_profile_limit

    (tmp_path / "pyproject.toml").write_text('[tool]\nperf-lint = "x"\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"\[tool.perf-lint\] must be a table"):
        command_line_profile_limit()


@pytest.mark.parametrize("value", ["0", "-5", "true", '"100MB"', "1.5"])
def test_a_bad_max_profile_size_is_an_error_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    value: str,
) -> None:
    project(tmp_path, f"max-profile-size = {value}\n")
    run = check(tmp_path, capsys, monkeypatch, "a.py")
    assert run.rc == 2 and "Traceback" not in run.err
    assert str(tmp_path / "pyproject.toml") in run.err
    assert "`max-profile-size` must be" in run.err


def test_reading_stops_one_byte_past_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file that grows after it was measured (told here by a ``stat`` and
    an ``fstat`` that say 10 bytes) is read only to the limit + 1 byte,
    then refused."""
    from perf_lint import reading

    path = tmp_path / "growing"
    path.write_bytes(b"x" * 10_000)
    real_stat, real_fstat, real_fdopen = os.stat, os.fstat, os.fdopen
    read: List[int] = []

    def small(info: os.stat_result) -> os.stat_result:
        return os.stat_result((*info[:6], 10, *info[7:]))

    class Counting:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> Counting:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def read(self, size: int = -1) -> bytes:
            data = self.handle.read(size)
            read.append(len(data))
            return bytes(data)

    monkeypatch.setattr(reading.os, "stat", lambda name: small(real_stat(name)))
    monkeypatch.setattr(reading.os, "fstat", lambda fd: small(real_fstat(fd)))
    monkeypatch.setattr(reading.os, "fdopen", lambda *a, **k: Counting(real_fdopen(*a, **k)))
    with pytest.raises(reading.TooLarge) as raised:
        reading.read_regular(str(path), limit=100)
    monkeypatch.undo()
    assert read == [101]
    assert raised.value.size is None and "grew" in str(raised.value)


# -- item 10: numbers too large to add up ----------------------------------------------


def speedscope(weight: Any) -> str:
    return json.dumps(
        {
            "shared": {"frames": [{"name": "f", "file": "a.py", "line": 1}]},
            "profiles": [
                {"type": "sampled", "unit": "none", "samples": [[0]], "weights": [weight]}
            ],
        }
    ).replace('"WEIGHT"', "1e400")


NOT_FINITE = {
    # On main: OverflowError (cannot convert float infinity to integer).
    "folded-330-digits": ("run.folded", ("main (a.py:1);f (a.py:2) " + "9" * 330 + "\n")),
    "speedscope-1e400": ("run.json", speedscope("WEIGHT")),
    "speedscope-400-digits": ("run.json", speedscope(10**400)),
}


@pytest.mark.parametrize("case", list(NOT_FINITE))
def test_a_number_too_large_is_an_error_naming_the_profile(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: str,
) -> None:
    name, text = NOT_FINITE[case]
    project(tmp_path)
    (tmp_path / name).write_text(text)
    run = check(tmp_path, capsys, monkeypatch, "--profile", name, "a.py")
    assert_profile_error(run, name)


@pytest.mark.parametrize(
    "number", [float("inf"), float("nan"), 10**400], ids=["inf", "nan", "400-digits"]
)
def test_a_cprofile_dump_with_a_number_too_large_is_an_error_naming_it(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    number: Any,
) -> None:
    project(tmp_path)
    stats = {(str(tmp_path / "a.py"), 1, "f"): (1, 1, number, number, {})}
    (tmp_path / "run.pstats").write_bytes(marshal.dumps(stats))
    run = check(tmp_path, capsys, monkeypatch, "--profile", "run.pstats", "a.py")
    assert_profile_error(run, "run.pstats", "too large or not a number")


def test_profiles_whose_totals_add_up_to_infinity_are_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project(tmp_path)
    line = "main (a.py:1);f (a.py:2) " + "9" * 308 + "\n"
    (tmp_path / "one.folded").write_text(line)
    (tmp_path / "two.folded").write_text(line)
    run = check(
        tmp_path, capsys, monkeypatch, "--profile", "one.folded", "--profile", "two.folded", "a.py"
    )
    assert run.rc == 2 and "Traceback" not in run.err
    assert "one.folded, two.folded: " in run.err


# -- item 12: a configured profile outside the configuration's tree ------------------------


def test_a_configured_profile_outside_the_tree_is_read_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On main: read silently, wherever it was."""
    outside = tmp_path / "elsewhere" / "run.folded"
    outside.parent.mkdir()
    outside.write_text(FOLDED)
    tree = project(tmp_path / "tree", 'profile = ["../elsewhere/run.folded"]\n')
    run = check(tree, capsys, monkeypatch, "a.py")
    assert run.rc == 1 and "PRF101" in run.out and "of run time" in run.out
    warnings = [line for line in run.err.splitlines() if "warning" in line]
    assert warnings == [
        f"perf-lint: warning: {tree / 'pyproject.toml'}: `profile` names {outside}, "
        f"outside {tree} (the directory of this configuration file); it is read anyway"
    ]


def test_a_link_inside_the_tree_to_a_profile_outside_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "elsewhere.folded"
    outside.write_text(FOLDED)
    tree = project(tmp_path / "tree", 'profile = ["run.folded"]\n')
    (tree / "run.folded").symlink_to(outside)
    run = check(tree, capsys, monkeypatch, "a.py")
    assert f"`profile` names {tree / 'run.folded'}, outside {tree}" in run.err


def test_a_configured_profile_inside_the_tree_gives_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = project(tmp_path, 'profile = ["profiles/run.folded"]\n')
    (tree / "profiles").mkdir()
    (tree / "profiles" / "run.folded").write_text(FOLDED)
    run = check(tree, capsys, monkeypatch, "a.py")
    assert run.rc == 1 and "of run time" in run.out
    assert run.err == ""


def test_a_command_line_profile_outside_the_tree_gives_no_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--profile`` is the user's own flag."""
    (tmp_path / "run.folded").write_text(FOLDED)
    tree = project(tmp_path / "tree")
    run = check(tree, capsys, monkeypatch, "--profile", str(tmp_path / "run.folded"), "a.py")
    assert run.rc == 1 and "of run time" in run.out
    assert run.err == ""


@NEEDS_FIFO
def test_the_language_server_refuses_a_configured_fifo(tmp_path: Path) -> None:
    """On main, ``profile = [FIFO]`` hung the language server's analysis."""
    pytest.importorskip("pygls")
    tree = project(tmp_path, 'profile = ["run.folded"]\n')
    os.mkfifo(tree / "run.folded")
    script = (
        "import sys\n"
        "from perf_lint import server\n"
        "from perf_lint.config import Resolver\n"
        "config = Resolver().for_path(sys.argv[1])\n"
        "ranking, problem = server._profile(config, open(sys.argv[1]).read(), sys.argv[1], [])\n"
        "print(ranking, problem)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(tree / "a.py")],
        capture_output=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode().startswith(
        f"None {tree / 'run.folded'}: cannot read profile: a FIFO"
    )
