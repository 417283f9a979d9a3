"""The runner's plan: which notebooks run, at which parameters and seeds, into which files, checked before
anything runs (unknown parameters, bad seeds, conflicting options)."""

from __future__ import annotations

import argparse
import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import NOTEBOOK_DIR, REPO_ROOT, course_config, find_notebooks, preset_parameters
from .execution import execute
from .pool import Task

_SEEDS = re.compile(r"^(\d+)(?:-(\d+))?$")


def parse_value(text: str) -> Any:
    """A command-line parameter value as Python: numbers, booleans and None are parsed, anything else is a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_seeds(items: list[str]) -> list[int]:
    """Seeds from the command line: numbers and ranges, e.g. ["0-4"] or ["0", "1", "7"]; no repeats."""
    seeds: list[int] = []
    for item in items:
        match = _SEEDS.match(item)
        if not match or (match.group(2) and int(match.group(2)) < int(match.group(1))):
            raise ValueError(f"--seeds {item!r}: give whole numbers or ranges such as 0-4.")
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        seeds += [s for s in range(first, last + 1) if s not in seeds]
    return seeds


def notebook_parameters(path: Path) -> dict[str, Any]:
    """The names and default values in a notebook's `parameters` cell."""
    import papermill

    params = papermill.inspect_notebook(str(path))
    return {name: info["default"] for name, info in params.items()}


def check_overrides(path: Path, overrides: dict[str, Any]) -> None:
    """Raise ValueError if an override names no parameter of the notebook."""
    known = notebook_parameters(path)
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"{path.stem} has no parameter {', '.join(map(repr, unknown))}. "
                         f"Its parameters: {', '.join(known)}.")


def kernel_threads(num_parallel: int) -> int:
    """CPU threads per kernel: $OMP_NUM_THREADS when set, else the cores shared out among the parallel runs."""
    given = os.environ.get("OMP_NUM_THREADS", "")
    return int(given) if given.isdigit() and int(given) > 0 else max(1, (os.cpu_count() or 1) // num_parallel)


@dataclass
class Job:
    """One notebook run: which notebook, with which parameters, into which file."""

    path: Path
    parameters: dict[str, Any]
    output: Path
    preset: str
    timeout: int | None
    seed: int | None = None  # the run's seed when --seeds chose it (passed as a parameter unless the default)

    def label(self) -> str:
        seed = self.parameters.get("seed", self.seed)
        return self.path.stem + ("" if seed is None else f" seed {seed}")

    def task(self) -> Task:
        """The job for the process pool, with the row to report if its process dies."""
        died = {"notebook": self.path.stem, "preset": self.preset, "seed": self.parameters.get("seed"),
                "parameters": self.parameters, "output": None, "status": "crashed", "error": "the worker died",
                "seconds": None, "metrics": {}, "claims": {}, "bars": []}
        return Task(self.label(), execute, (self.path, self.output, self.parameters, self.preset, self.timeout), died)


@dataclass
class Plan:
    """What a command line asks for: the runs, where they go, how many at once, and what happens after."""

    paths: list[Path]
    jobs: list[Job]
    out: Path
    num_parallel: int
    threads: int
    refresh: bool = False
    claims_report: bool = False
    sources: dict[Path, bytes] = field(default_factory=dict)  # what --refresh may replace, as it was


def longest_first(jobs: list[Job], expected: dict[str, float]) -> list[int]:
    """Job indices in start order: the longest expected notebook first, so no long run is left alone at the end."""
    return sorted(range(len(jobs)), key=lambda i: -expected.get(jobs[i].path.stem, 0.0))


def make_plan(args: argparse.Namespace) -> Plan:
    """Check the command line and the notebooks it names before anything runs; ValueError says what is wrong."""
    overrides = {name: parse_value(value) for name, value in args.parameter}
    seeds = parse_seeds(args.seeds) if args.seeds else None
    if args.jobs < 1:
        raise ValueError(f"-j {args.jobs}: run at least one notebook at a time.")
    if args.refresh and (args.preset != "full" or overrides):
        raise ValueError("--refresh re-runs the committed notebooks as readers see them: full preset, no -p overrides.")
    if seeds and "seed" in overrides:
        raise ValueError("give the seed either with --seeds or with -p seed, not both.")
    if args.claims_report and (args.preset != "full" or overrides or not seeds or len(seeds) < 2
                               or args.notebooks or args.dir != NOTEBOOK_DIR):
        raise ValueError("--claims-report needs the whole course at the full preset over several seeds "
                         "(e.g. --seeds 0-4), with no notebooks named and no -p overrides.")
    paths = find_notebooks(args.notebooks, args.dir)
    if not paths:
        raise ValueError(f"no notebooks found in {args.dir}")
    defaults = {}
    for path in paths:
        check_overrides(path, {**overrides, **({"seed": 0} if seeds else {})})
        course_config(path)
        defaults[path] = notebook_parameters(path).get("seed")
    if args.refresh and seeds and not all(d is not None and int(d) in seeds for d in defaults.values()):
        raise ValueError("--refresh with --seeds needs each notebook's default seed among the seeds (it refreshes "
                         "from that run).")
    out = args.out or REPO_ROOT / "runs" / (args.preset + ("-seeds" if seeds else ""))
    # the run at a notebook's default seed is its plain run (no injected cell), so that it can refresh the source
    jobs = [Job(path, {**preset_parameters(path, args.preset), **overrides,
                       **({} if s is None or str(s) == defaults[path] else {"seed": s})},
                out / (f"seed{s}" if s is not None else "") / path.name, args.preset, args.timeout, s)
            for s in (seeds or [None]) for path in paths]
    return Plan(paths, jobs, out, args.jobs, kernel_threads(args.jobs), args.refresh, args.claims_report,
                {path: path.read_bytes() for path in paths} if args.refresh else {})

