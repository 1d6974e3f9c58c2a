"""Side-by-side speed runs of perf-lint and its peers (SPEC §5).

Run by hand, never in CI:

    python bench/run.py              # full run: 5 rounds, every tool, every corpus
    python bench/run.py --quick      # smoke run: 1 round, small corpora
    python bench/run.py --tools perf-lint,ruff --corpora django --runs 3

Everything lives under ``bench/.work`` (git-ignored): a virtual environment
with the peers (ruff, pylint + perflint, flake8 + flake8-logging-format +
flake8-logging, fixit) and perf-lint installed from this checkout, and the
corpora: a copy of the interpreter's standard library, Django's sdist
downloaded from PyPI with ``pip download``, a generated 2,000+-line file and
the standard library's argparse.py (the last two timed through stdin).

Each tool runs as its own process; runs are interleaved (round 1 of every
tool, then round 2, ...) so that load on the machine spreads evenly. The
wall time of the whole process and the peak resident memory of the largest
process (``wait4``'s ``ru_maxrss``) are recorded; the table shows medians.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
VENV = WORK / "venv"
CORPORA = WORK / "corpora"
CACHES = WORK / "caches"
DJANGO_VERSION = "5.2.19"
PEERS = [
    "ruff",
    "pylint",
    "perflint",
    "flake8",
    "flake8-logging-format",
    "flake8-logging",
    "fixit",
    "libcst",
]
#: ``--select`` for perf-lint (``--select PRF``: every rule, the opt-in ones
#: too); empty: its default selection.
SELECT: List[str] = []
#: Lines of the generated file (the editor case).
BIG_FILE_LINES = 2400
#: The one-file corpora, timed through stdin as an editor runs perf-lint:
#: the generated file (a finding every few lines) and the standard library's
#: argparse.py (2,600 lines of ordinary code; issue 19's yardstick).
STDIN_CORPORA = ("big", "argparse")

# What each tool variant is compared with: the perf-lint variant of the same kind.
KINDS = {
    "cold-1": "perf-lint cold -j1",
    "cold-n": "perf-lint cold -j2",
    "warm": "perf-lint warm",
    "stdin": "perf-lint stdin",
}


@dataclasses.dataclass
class Tool:
    name: str
    kind: str
    argv: List[str]
    stdin: Optional[Path] = None
    prime: bool = False  # run once untimed first (warm caches)


@dataclasses.dataclass
class Sample:
    seconds: float
    max_rss_kb: int
    returncode: int


def bin_path(name: str) -> str:
    return str(VENV / ("Scripts" if os.name == "nt" else "bin") / name)


def log(message: str) -> None:
    sys.stderr.write(f"[bench] {message}\n")
    sys.stderr.flush()


# -- set-up -------------------------------------------------------------------
def make_venv(python: str, no_install: bool) -> None:
    """Create the venv with the peers (once), and install perf-lint from this
    checkout (every run, unless ``--no-install`` and the venv already exists)."""
    fresh = not Path(bin_path("python")).exists()
    if fresh:
        log(f"creating {VENV}")
        subprocess.run([python, "-m", "venv", str(VENV)], check=True)
    pip = [bin_path("python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    stamp = VENV / "peers-installed"
    if fresh or not stamp.exists():
        log("installing the peers: " + ", ".join(PEERS))
        subprocess.run([*pip, *PEERS], check=True)
        stamp.write_text("\n".join(PEERS) + "\n")
    if fresh or not no_install:
        log(f"installing perf-lint from {ROOT}")
        subprocess.run([*pip, str(ROOT)], check=True)
        subprocess.run([*pip, "--force-reinstall", "--no-deps", str(ROOT)], check=True)


def stdlib_corpus() -> Path:
    target = CORPORA / "stdlib"
    if target.exists():
        return target
    source = subprocess.run(
        [bin_path("python"), "-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    log(f"copying the standard library from {source}")
    shutil.copytree(
        source,
        target,
        ignore=shutil.ignore_patterns("site-packages", "dist-packages", "__pycache__", "*.pyc"),
        symlinks=True,
    )
    return target


def django_corpus(version: str) -> Path:
    target = CORPORA / f"django-{version}"
    if (target / "django").exists():
        return target / "django"
    downloads = WORK / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    log(f"downloading the Django {version} sdist")
    subprocess.run(
        [
            bin_path("python"),
            "-m",
            "pip",
            "download",
            "--quiet",
            "--no-deps",
            "--no-binary",
            ":all:",
            "--dest",
            str(downloads),
            f"Django=={version}",
        ],
        check=True,
    )
    archives = sorted(downloads.glob(f"[Dd]jango-{version}.tar.gz"))
    if not archives:
        raise SystemExit(f"pip download produced no Django {version} sdist in {downloads}")
    with tarfile.open(archives[0]) as archive:
        if hasattr(tarfile, "data_filter"):  # refuses links and paths out of the target
            archive.extractall(CORPORA, filter="data")
        else:  # pragma: no cover - interpreters without extraction filters
            archive.extractall(CORPORA)
    extracted = CORPORA / f"django-{version}"
    if not extracted.exists():
        extracted = CORPORA / f"Django-{version}"
        extracted.rename(target)
    return target / "django"


def big_file() -> Path:
    """A deterministic file of BIG_FILE_LINES lines of ordinary code with a
    few anti-patterns of every family scattered through it."""
    target = CORPORA / "big" / "big_module.py"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    lines = [
        '"""A generated module for the editor benchmark."""',
        "import logging",
        "import re",
        "",
        "logger = logging.getLogger(__name__)",
        "",
    ]
    index = 0
    while len(lines) < BIG_FILE_LINES:
        lines += [
            "",
            "",
            f"class Model{index}:",
            f'    """Model number {index}."""',
            "",
            "    def __init__(self, items, name):",
            "        self.items = list(items)",
            "        self.name = name",
            "",
            "    def names(self):",
            "        out = []",
            "        for item in self.items:",
            "            out.append(str(item))",
            "        return out",
            "",
            "    def kind(self, value):",
            f'        if value in ["a{index}", "b", "c"]:',
            "            return 1",
            "        elif value in (1, 2, 3):",
            "            return 2",
            "        return 3",
            "",
            "    def report(self):",
            '        logger.info(f"model {self.name} has {len(self.items)} items")',
            '        logger.debug("items: %s", self.items)',
            "        total = 0",
            "        for position, item in enumerate(self.items):",
            "            if position % 2:",
            "                total += position",
            "            else:",
            "                total -= 1",
            "        return total",
            "",
            "    def matches(self, texts):",
            "        found = {}",
            "        for text in texts:",
            "            found[text] = re.match(r'[a-z]+', text) is not None",
            "        return found",
        ]
        index += 1
    target.write_text("\n".join(lines) + "\n")
    return target


# -- the tools ------------------------------------------------------------------
def perflint_codes() -> List[str]:
    """perflint's message ids: pylint's messages with the plugin minus without."""

    def ids(extra: Sequence[str]) -> set:
        out = subprocess.run(
            [bin_path("pylint"), *extra, "--list-msgs"], capture_output=True, text=True
        ).stdout
        found = set()
        for line in out.splitlines():
            if line.startswith(":") and "(" in line and ")" in line:
                found.add(line[line.index("(") + 1 : line.index(")")])
        return found

    codes = sorted(ids(["--load-plugins=perflint"]) - ids([]))
    if not codes:
        raise SystemExit("could not list perflint's message ids")
    return codes


PARSE_SCRIPT = r"""
import os, sys, warnings
warnings.simplefilter("ignore")
mode, root = sys.argv[1], sys.argv[2]
if mode == "libcst":
    import libcst
    parse = libcst.parse_module
    errors = (libcst.ParserSyntaxError, RecursionError)
else:
    import ast
    parse = ast.parse
    errors = (SyntaxError, ValueError, RecursionError)
skip = {".git", ".venv", "venv", "build", "dist", "__pycache__", ".tox", "node_modules"}
def parse_bytes(data):
    try:
        parse(data.decode("utf-8") if mode == "libcst" else data)
    except (UnicodeDecodeError, *errors):
        pass
if root == "-":  # one file through stdin: the floor of the editor case
    parse_bytes(sys.stdin.buffer.read())
for directory, subdirs, files in os.walk(root) if root != "-" else ():
    subdirs[:] = [name for name in subdirs if name not in skip]
    for name in files:
        if name.endswith((".py", ".pyi")):
            with open(os.path.join(directory, name), "rb") as handle:
                parse_bytes(handle.read())
"""


def tools_for(corpus: str, path: Path, wanted: Sequence[str], jobs: int) -> List[Tool]:
    cache = CACHES / corpus
    python = bin_path("python")
    found: List[Tool] = []
    perf = [bin_path("perf-lint"), "check", "--exit-zero", "--quiet", *SELECT]
    if "perf-lint" in wanted:
        found += [
            Tool("perf-lint cold -j1", "cold-1", [*perf, "--no-cache", "--jobs", "1", str(path)]),
            Tool(
                f"perf-lint cold -j{jobs}",
                "cold-n",
                [*perf, "--no-cache", "--jobs", str(jobs), str(path)],
            ),
            Tool(
                "perf-lint warm",
                "warm",
                [*perf, "--cache-dir", str(cache / "perf-lint"), str(path)],
                prime=True,
            ),
        ]
    if "libcst" in wanted:
        found.append(
            Tool("libcst.parse_module", "cold-1", [python, "-c", PARSE_SCRIPT, "libcst", str(path)])
        )
    if "ast" in wanted:
        found.append(Tool("ast.parse", "cold-1", [python, "-c", PARSE_SCRIPT, "ast", str(path)]))
    if "ruff" in wanted:
        ruff = [
            bin_path("ruff"),
            "check",
            "--select",
            "PLR6201,PERF,G",
            "--preview",
            "--exit-zero",
            "--quiet",
        ]
        found += [
            Tool("ruff cold", "cold-n", [*ruff, "--no-cache", str(path)]),
            Tool(
                "ruff warm",
                "warm",
                [*ruff, "--cache-dir", str(cache / "ruff"), str(path)],
                prime=True,
            ),
        ]
    if "flake8" in wanted:
        found.append(
            Tool(
                f"flake8 + logging plugins -j{jobs}",
                "cold-n",
                [bin_path("flake8"), "--select=G,LOG", f"-j{jobs}", "--exit-zero", str(path)],
            )
        )
    if "pylint" in wanted:
        codes = ",".join(perflint_codes())
        found.append(
            Tool(
                f"pylint + perflint -j{jobs}",
                "cold-n",
                [
                    bin_path("pylint"),
                    "--load-plugins=perflint",
                    "--disable=all",
                    f"--enable={codes}",
                    f"-j{jobs}",
                    "--recursive=y",
                    "--persistent=n",
                    "--score=n",
                    "--exit-zero",
                    str(path),
                ],
            )
        )
    if "fixit" in wanted:
        found.append(Tool("fixit lint", "cold-n", [bin_path("fixit"), "lint", str(path)]))
    return found


def stdin_tools(path: Path, wanted: Sequence[str]) -> List[Tool]:
    python = bin_path("python")
    found: List[Tool] = []
    # The floors: a process that only imports the parser and parses the file.
    for mode, name in (("libcst", "libcst.parse_module stdin"), ("ast", "ast.parse stdin")):
        if mode in wanted:
            found.append(Tool(name, "stdin", [python, "-c", PARSE_SCRIPT, mode, "-"], stdin=path))
    if "perf-lint" in wanted:
        found.append(
            Tool(
                "perf-lint stdin",
                "stdin",
                [
                    bin_path("perf-lint"),
                    "check",
                    *SELECT,
                    "--no-cache",
                    "--exit-zero",
                    "--quiet",
                    "--stdin-filename",
                    str(path),
                    "-",
                ],
                stdin=path,
            )
        )
    if "ruff" in wanted:
        found.append(
            Tool(
                "ruff stdin",
                "stdin",
                [
                    bin_path("ruff"),
                    "check",
                    "--select",
                    "PLR6201,PERF,G",
                    "--preview",
                    "--no-cache",
                    "--exit-zero",
                    "--quiet",
                    "--stdin-filename",
                    str(path),
                    "-",
                ],
                stdin=path,
            )
        )
    if "flake8" in wanted:
        found.append(
            Tool(
                "flake8 stdin",
                "stdin",
                [
                    bin_path("flake8"),
                    "--select=G,LOG",
                    "--exit-zero",
                    "--stdin-display-name",
                    str(path),
                    "-",
                ],
                stdin=path,
            )
        )
    return found


# -- measuring --------------------------------------------------------------------
def measure(tool: Tool, cwd: Path) -> Sample:
    stdin = open(tool.stdin, "rb") if tool.stdin else subprocess.DEVNULL  # noqa: SIM115
    try:
        start = time.perf_counter()
        process = subprocess.Popen(
            tool.argv, cwd=cwd, stdin=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert process.stderr is not None
        errors = process.stderr.read()
        if hasattr(os, "wait4"):
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            process.returncode = os.waitstatus_to_exitcode(status)
            rss = usage.ru_maxrss
            if sys.platform == "darwin":  # bytes there, kilobytes on Linux
                rss //= 1024
        else:  # pragma: no cover - Windows
            process.wait()
            seconds = time.perf_counter() - start
            rss = 0
    finally:
        if tool.stdin:
            stdin.close()  # type: ignore[union-attr]
    if process.returncode not in (0, 1) and b"Traceback" in errors:
        log(f"{tool.name} failed ({process.returncode}): {errors.decode(errors='replace')[-800:]}")
    return Sample(seconds, rss, process.returncode)


def run_all(
    plan: List[Tuple[str, Tool]], runs: int, cwd: Path
) -> Dict[Tuple[str, str], List[Sample]]:
    samples: Dict[Tuple[str, str], List[Sample]] = {}
    for corpus, tool in plan:
        if tool.prime:
            log(f"priming {tool.name} on {corpus}")
            measure(tool, cwd)
    for round_ in range(runs):
        for corpus, tool in plan:
            sample = measure(tool, cwd)
            samples.setdefault((corpus, tool.name), []).append(sample)
            log(
                f"round {round_ + 1}/{runs} {corpus:7} {tool.name:34} "
                f"{sample.seconds:8.3f} s {sample.max_rss_kb / 1024:7.1f} MB"
            )
    return samples


def count_files(path: Path) -> Tuple[int, int]:
    if path.is_file():
        return 1, len(path.read_bytes().splitlines())
    files = lines = 0
    for file in path.rglob("*.py*"):
        if file.suffix in (".py", ".pyi") and file.is_file():
            files += 1
            lines += len(file.read_bytes().splitlines())
    return files, lines


def table(
    plan: List[Tuple[str, Tool]],
    samples: Dict[Tuple[str, str], List[Sample]],
    corpora: Dict[str, Path],
) -> str:
    out: List[str] = []
    medians: Dict[Tuple[str, str], float] = {}
    peaks: Dict[Tuple[str, str], int] = {}
    for key, values in samples.items():
        medians[key] = statistics.median(s.seconds for s in values)
        peaks[key] = max(s.max_rss_kb for s in values)
    for corpus, path in corpora.items():
        files, lines = count_files(path)
        out += [
            f"### {corpus} ({files} files, {lines:,} lines)",
            "",
            "| tool | kind | median s | × perf-lint | peak RSS MB | runs |",
            "|---|---|---:|---:|---:|---:|",
        ]
        for name_corpus, tool in plan:
            if name_corpus != corpus:
                continue
            key = (corpus, tool.name)
            reference = (corpus, KINDS[tool.kind].replace("-j2", f"-j{JOBS}"))
            ratio = ""
            if reference in medians and medians[reference] > 0:
                ratio = f"{medians[key] / medians[reference]:.2f}"
            out.append(
                f"| {tool.name} | {tool.kind} | {medians[key]:.3f} | {ratio} | "
                f"{peaks[key] / 1024:.0f} | {len(samples[key])} |"
            )
        out.append("")
    return "\n".join(out)


def checks(samples: Dict[Tuple[str, str], List[Sample]]) -> str:
    med = {key: statistics.median(s.seconds for s in v) for key, v in samples.items()}
    peak = {key: max(s.max_rss_kb for s in v) for key, v in samples.items()}
    lines = ["### SPEC §5 targets", ""]

    def line(ok: Optional[bool], text: str) -> None:
        mark = "n/a" if ok is None else ("ok" if ok else "MISSED")
        lines.append(f"- [{mark}] {text}")

    def get(corpus: str, name: str) -> Optional[float]:
        return med.get((corpus, name))

    j = f"-j{JOBS}"
    for corpus in ("django", "stdlib"):
        one, parse = get(corpus, "perf-lint cold -j1"), get(corpus, "libcst.parse_module")
        if corpus == "django" or (one and parse):
            line(
                None if one is None or parse is None else one <= parse,
                f"{corpus}: perf-lint cold -j1 {one} s <= bare libcst parse {parse} s",
            )
        many = get(corpus, f"perf-lint cold {j}")
        for peer in (f"flake8 + logging plugins {j}", f"pylint + perflint {j}", "fixit lint"):
            other = get(corpus, peer)
            line(
                None if many is None or other is None else many < other,
                f"{corpus}: perf-lint cold {j} {many} s < {peer} {other} s",
            )
        warm, ruff = get(corpus, "perf-lint warm"), get(corpus, "ruff warm")
        line(
            None if warm is None or ruff is None else warm <= 3 * ruff,
            f"{corpus}: perf-lint warm {warm} s <= 3 x ruff warm {ruff} s",
        )
    for corpus in STDIN_CORPORA:
        editor, floor = get(corpus, "perf-lint stdin"), get(corpus, "libcst.parse_module stdin")
        if editor is None:
            continue
        line(editor <= 0.25, f"{corpus} via stdin: {editor} s <= 0.25 s (SPEC)")
        line(
            None if floor is None else editor <= 1.25 * floor,
            f"{corpus} via stdin: {editor} s <= 1.25 x importing libcst and parsing"
            f" the file alone {floor} s (issue 19)",
        )
    rss = [peak[key] for key in peak if key[0] == "stdlib" and key[1].startswith("perf-lint")]
    worst = max(rss) / 1024 if rss else None
    line(
        None if worst is None else worst <= 300,
        f"stdlib peak RSS of perf-lint: {worst} MB <= 300 MB",
    )
    return "\n".join(lines) + "\n"


JOBS = 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    global JOBS
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="1 round, Django and the stdin files, no fixit"
    )
    parser.add_argument("--runs", type=int, help="rounds per tool (default 5, 1 with --quick)")
    parser.add_argument(
        "--tools",
        default="perf-lint,libcst,ast,ruff,flake8,pylint,fixit",
        help="comma-separated subset of perf-lint,libcst,ast,ruff,flake8,pylint,fixit",
    )
    parser.add_argument(
        "--corpora",
        default="django,stdlib,big,argparse",
        help="subset of django,stdlib,big,argparse",
    )
    parser.add_argument("--jobs", type=int, default=2, help="-j for the tools that take it (2)")
    parser.add_argument(
        "--select",
        help="rule selection for perf-lint (e.g. PRF: every rule, the opt-in size rules too)",
    )
    parser.add_argument("--python", default=sys.executable, help="interpreter for the venv")
    parser.add_argument("--django-version", default=DJANGO_VERSION)
    parser.add_argument("--no-install", action="store_true", help="reuse the venv as it is")
    parser.add_argument("--out", type=Path, default=HERE / "results.md", help="Markdown output")
    args = parser.parse_args(argv)
    JOBS = args.jobs
    if args.select:
        SELECT[:] = ["--select", args.select]
    runs = args.runs or (1 if args.quick else 5)
    wanted = [name.strip() for name in args.tools.split(",") if name.strip()]
    corpus_names = [name.strip() for name in args.corpora.split(",") if name.strip()]
    if args.quick:
        if args.corpora == parser.get_default("corpora"):
            corpus_names = ["django", "big", "argparse"]
        if args.tools == parser.get_default("tools"):
            wanted = [name for name in wanted if name != "fixit"]

    WORK.mkdir(parents=True, exist_ok=True)
    CORPORA.mkdir(parents=True, exist_ok=True)
    # fixit (through trailrunner) takes the nearest directory holding a
    # pyproject.toml or .git as the project and applies its .gitignore: without
    # a marker here the stdlib copy belongs to this repository, whose
    # .gitignore excludes bench/.work, and fixit lints no file at all. The
    # file configures no tool (perf-lint, ruff and pylint read only their own
    # tables).
    marker = CORPORA / "pyproject.toml"
    if not marker.exists():
        marker.write_text("# Marks bench/.work/corpora as a project root (see bench/run.py).\n")
    make_venv(args.python, args.no_install)
    corpora: Dict[str, Path] = {}
    for name in corpus_names:
        if name == "django":
            corpora[name] = django_corpus(args.django_version)
        elif name == "stdlib":
            corpora[name] = stdlib_corpus()
        elif name == "big":
            corpora[name] = big_file()
        elif name == "argparse":
            corpora[name] = stdlib_corpus() / "argparse.py"
        else:
            parser.error(f"unknown corpus {name!r}")
    if CACHES.exists():
        shutil.rmtree(CACHES)
    plan: List[Tuple[str, Tool]] = []
    for name, path in corpora.items():
        if name in STDIN_CORPORA:
            chosen = stdin_tools(path, wanted)
        else:
            chosen = tools_for(name, path, wanted, JOBS)
        plan += [(name, tool) for tool in chosen]
    scratch = WORK / "cwd"
    scratch.mkdir(exist_ok=True)
    samples = run_all(plan, runs, scratch)

    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    header = [
        "# perf-lint benchmark",
        "",
        f"- date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"- machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}",
        f"- load average after the run: {load}",
        f"- rounds: {runs} (interleaved); whole-process wall time, medians; "
        "peak RSS is the largest process's maximum resident set",
        f"- command: `python bench/run.py {' '.join(argv if argv is not None else sys.argv[1:])}`",
        "",
        "",
    ]
    text = "\n".join(header) + table(plan, samples, corpora) + "\n" + checks(samples)
    args.out.write_text(text)
    sys.stdout.write(text)
    log(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
