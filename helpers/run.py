"""Headless runner: execute course notebooks with papermill at a preset, check their bars, write a summary.

    python -m helpers.run                        # every notebook, full preset, into runs/full/
    python -m helpers.run 01_cnn --preset smoke  # one notebook, a few seconds
    python -m helpers.run 01 -p num_epochs 5 -p device cpu --out my_runs
    python -m helpers.run --refresh              # re-run the committed notebooks in place (full preset)
"""

from __future__ import annotations

import argparse
import ast
import html
import json
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any

import nbformat

from .course import NOTEBOOK_DIR, REPO_ROOT, check_bars, course_config, find_notebooks, preset_parameters
from .metrics import read_metrics

_CR = re.compile(r"[^\n]*\r(?=[^\n])")  # text that a later carriage return on the same line overwrites


def parse_value(text: str) -> Any:
    """A command-line parameter value as Python: numbers, booleans and None are parsed, anything else is a string."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


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


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop run-specific metadata (machine paths, timings) and collapse progress-bar redraws in streams."""
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("jupytext", None)  # left by the authoring tool, if one was used
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        merged: list[nbformat.NotebookNode] = []
        for out in cell.outputs:
            if out.output_type == "stream" and merged and merged[-1].output_type == "stream" \
                    and merged[-1].name == out.name:
                merged[-1].text += out.text
            else:
                merged.append(out)
        for out in merged:
            if out.output_type == "stream":
                out.text = _CR.sub("", out.text).replace("\r", "")
        cell.outputs = merged
    return nb


def execute(path: Path, output: Path, parameters: dict[str, Any], preset: str,
            timeout: int | None = None) -> dict[str, Any]:
    """Execute one notebook with papermill into `output`; return its summary row (status, time, metrics, bars)."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    bars = course_config(path)["bars"][preset]
    output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    row: dict[str, Any] = {"notebook": path.stem, "preset": preset, "parameters": parameters}
    try:
        papermill.execute_notebook(str(path), str(output), parameters=parameters, kernel_name="python3",
                                   cwd=str(path.parent), progress_bar=False, execution_timeout=timeout)
        row["status"], row["error"] = "ok", ""
    except PapermillExecutionError as err:
        row["status"], row["error"] = "failed", f"{err.ename}: {err.evalue}"
    row["seconds"] = round(time.perf_counter() - start, 1)
    nb = clean_notebook(nbformat.read(str(output), as_version=4))
    nbformat.write(nb, str(output))
    row["metrics"] = read_metrics(nb)
    row["bars"] = check_bars(row["metrics"], bars)
    if row["status"] == "ok" and not all(b["met"] for b in row["bars"]):
        row["status"] = "missed bar"
    return row


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def summary_markdown(rows: list[dict[str, Any]]) -> str:
    """The run as a table a person reads: notebook, status, time, metrics, and each bar met or missed."""
    lines = ["| notebook | preset | status | time (s) | metrics | bars |", "|---|---|---|---|---|---|"]
    for r in rows:
        metrics = ", ".join(f"{k}={_fmt(v)}" for k, v in r["metrics"].items()) or "-"
        bars = ", ".join(f"{b['metric']} {b['bar']}: {'met' if b['met'] else 'MISSED'}" for b in r["bars"]) or "-"
        status = r["status"] + (f" ({r['error']})" if r["error"] else "")
        lines.append(f"| {r['notebook']} | {r['preset']} | {status} | {r['seconds']} | {metrics} | {bars} |")
    return "\n".join(lines) + "\n"


def summary_html(rows: list[dict[str, Any]]) -> str:
    """The same table as a standalone HTML page, with missed bars and failures in red."""
    def cell(text: str, bad: bool = False) -> str:
        return f'<td{" class=bad" if bad else ""}>{html.escape(text)}</td>'

    body = []
    for r in rows:
        metrics = "<br>".join(f"{html.escape(k)} = {html.escape(_fmt(v))}" for k, v in r["metrics"].items())
        bars = "<br>".join(f'<span{"" if b["met"] else " class=bad"}>{html.escape(b["metric"])} '
                           f'{html.escape(b["bar"])}: {"met" if b["met"] else "MISSED"}</span>' for b in r["bars"])
        status = r["status"] + (f" ({r['error']})" if r["error"] else "")
        body.append(f"<tr>{cell(r['notebook'])}{cell(r['preset'])}{cell(status, r['status'] != 'ok')}"
                    f"{cell(str(r['seconds']))}<td>{metrics or '-'}</td><td>{bars or '-'}</td></tr>")
    return ("<!doctype html><meta charset=utf-8><title>Course run summary</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}.bad{color:#b00;font-weight:bold}"
            "</style><h1>Course run summary</h1><table><tr><th>notebook</th><th>preset</th><th>status</th>"
            "<th>time (s)</th><th>metrics</th><th>bars</th></tr>" + "".join(body) + "</table>\n")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status (0: all ran and met their bars)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="names or numbers (01_cnn, 01); default: all")
    parser.add_argument("--preset", choices=("full", "smoke"), default="full")
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"),
                        help="override a parameter (repeatable), e.g. -p num_epochs 5")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: runs/<preset>)")
    parser.add_argument("--refresh", action="store_true",
                        help="overwrite the committed notebooks in notebooks/ with a fresh full run")
    parser.add_argument("--timeout", type=int, default=None, help="seconds allowed per cell")
    parser.add_argument("--dir", type=Path, default=NOTEBOOK_DIR,
                        help="folder of the notebooks to run (default: notebooks/; e.g. a student version)")
    args = parser.parse_args(argv)
    overrides = {name: parse_value(value) for name, value in args.parameter}
    if args.refresh and (args.preset != "full" or overrides):
        parser.error("--refresh re-runs the committed notebooks as readers see them: full preset, no -p overrides.")
    out = args.out or REPO_ROOT / "runs" / args.preset
    try:
        paths = find_notebooks(args.notebooks, args.dir)
        for path in paths:
            check_overrides(path, overrides)
            course_config(path)
    except ValueError as err:
        parser.error(str(err))
    if not paths:
        parser.error(f"no notebooks found in {args.dir}")
    rows = []
    for i, path in enumerate(paths, 1):
        params = {**preset_parameters(path, args.preset), **overrides}
        print(f"[{i}/{len(paths)}] {path.stem} ({args.preset}{', ' + str(overrides) if overrides else ''}) ...",
              flush=True)
        row = execute(path, out / path.name, params, args.preset, args.timeout)
        if args.refresh and row["status"] == "ok":
            shutil.copyfile(out / path.name, path)  # only a run that passed replaces the committed notebook
            row["refreshed"] = str(path)
        rows.append(row)
        metrics = ", ".join(f"{k}={_fmt(v)}" for k, v in row["metrics"].items())
        print(f"    {row['status']} in {row['seconds']} s  {metrics}  {row['error']}".rstrip(), flush=True)
    table = summary_markdown(rows)
    out.mkdir(parents=True, exist_ok=True)
    (out / "summary.md").write_text(table)
    (out / "summary.json").write_text(json.dumps(rows, indent=2) + "\n")
    (out / "summary.html").write_text(summary_html(rows))
    print("\n" + table + f"\nSummary written to {out}/summary.md, summary.html and summary.json", flush=True)
    return 0 if all(r["status"] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
