"""The runner's summary: one row per run, an aggregate per notebook over seeds, as Markdown, HTML and JSON."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from statistics import mean
from typing import Any

from helpers.metrics import format_number


def spread(values: list[float]) -> dict[str, float]:
    """Mean, min and max of a list of numbers."""
    return {"mean": mean(values), "min": min(values), "max": max(values)}


def fmt_spread(s: dict[str, float]) -> str:
    """'mean [min, max]', or one value when they coincide."""
    if s["min"] == s["max"]:
        return format_number(s["mean"], 4)
    return f"{format_number(s['mean'], 4)} [{format_number(s['min'], 4)}, {format_number(s['max'], 4)}]"


def _numeric(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def aggregate(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per notebook over its runs: runs ok, each metric's mean/min/max, each claim held k of n, bars met k of n."""
    out: dict[str, dict[str, Any]] = {}
    for name in dict.fromkeys(r["notebook"] for r in rows):
        runs = [r for r in rows if r["notebook"] == name]
        agg: dict[str, Any] = {"runs": len(runs), "ok": sum(r["status"] == "ok" for r in runs),
                               "seeds": [r.get("seed") for r in runs], "metrics": {}, "claims": {}, "bars": {}}
        hashes = {r.get("code_sha256") for r in runs}
        agg["code_sha256"] = hashes.pop() if len(hashes) == 1 else None  # the code every run ran
        seconds = [r["seconds"] for r in runs if _numeric(r.get("seconds"))]
        if seconds:
            agg["seconds"] = spread(seconds)
        for metric in dict.fromkeys(k for r in runs for k in r["metrics"]):
            values = [r["metrics"][metric] for r in runs if _numeric(r["metrics"].get(metric))]
            if values:
                agg["metrics"][metric] = {**spread(values), "n": len(values),
                                          "per_seed": {str(r.get("seed")): r["metrics"][metric] for r in runs
                                                       if _numeric(r["metrics"].get(metric))}}
        for claim in dict.fromkeys(k for r in runs for k in r.get("claims", {})):
            found = [r["claims"][claim] for r in runs if claim in r.get("claims", {})]
            numbers = {k: spread([c["numbers"][k] for c in found if _numeric(c["numbers"].get(k))])
                       for k in dict.fromkeys(k for c in found for k in c["numbers"])
                       if any(_numeric(c["numbers"].get(k)) for c in found)}
            per_seed = [{"seed": r.get("seed"), "held": c["held"], "numbers": c["numbers"],
                         **{k: c[k] for k in ("effect", "effect_se") if _numeric(c.get(k))}}
                        for r in runs for c in [r.get("claims", {}).get(claim)] if c is not None]
            agg["claims"][claim] = {"statement": found[-1]["statement"], "kind": found[-1].get("kind", "finding"),
                                    "held": sum(c["held"] for c in found), "recorded": len(found), "of": len(runs),
                                    "numbers": numbers, "per_seed": per_seed}  # anyone can recompute an interval
        for bar in dict.fromkeys((b["kind"] if "kind" in b else "metric", b["metric"], str(b["bar"]))
                                 for r in runs for b in r["bars"]):
            met = [b["met"] for r in runs for b in r["bars"]
                   if (b.get("kind", "metric"), b["metric"], str(b["bar"])) == bar]
            agg["bars"][f"{bar[1]} {bar[2]}"] = {"kind": bar[0], "met": sum(met), "of": len(runs)}
        out[name] = agg
    return out


def _run_line(r: dict[str, Any]) -> tuple[str, str, str, str]:
    metrics = ", ".join(f"{k}={format_number(v, 4)}" for k, v in r["metrics"].items()) or "-"
    claims = ", ".join(f"{k}: {'held' if c['held'] else 'NOT held'}" for k, c in r.get("claims", {}).items()) or "-"
    bars = ", ".join(f"{b['metric']} {b['bar']}: {'met' if b['met'] else 'MISSED'}" for b in r["bars"]) or "-"
    status = r["status"] + (f" ({r['error']})" if r["error"] else "")
    return status, metrics, claims, bars


def summary_markdown(rows: list[dict[str, Any]], agg: dict[str, dict[str, Any]]) -> str:
    """The run as tables a person reads: one row per run, then (over several seeds) one per notebook."""
    lines = ["| notebook | seed | preset | status | time (s) | metrics | claims | bars |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        status, metrics, claims, bars = _run_line(r)
        seed = "default" if r.get("seed") is None else r["seed"]
        lines.append(f"| {r['notebook']} | {seed} | {r['preset']} | {status} | {r['seconds']} | {metrics} "
                     f"| {claims} | {bars} |")
    if any(a["runs"] > 1 for a in agg.values()):
        lines += ["", "Over the seeds: each metric as mean [min, max], each claim held in k of n runs, each bar met "
                  "in k of n.", "", "| notebook | runs ok | metrics | claims | bars |", "|---|---|---|---|---|"]
        for name, a in agg.items():
            metrics = ", ".join(f"{k}={fmt_spread(s)}" for k, s in a["metrics"].items()) or "-"
            claims = ", ".join(f"{k}: held {c['held']}/{c['of']}" for k, c in a["claims"].items()) or "-"
            bars = ", ".join(f"{k}: met {b['met']}/{b['of']}" for k, b in a["bars"].items()) or "-"
            lines.append(f"| {name} | {a['ok']}/{a['runs']} | {metrics} | {claims} | {bars} |")
    return "\n".join(lines) + "\n"


def summary_html(rows: list[dict[str, Any]], info: dict[str, Any], out: Path) -> str:
    """The runs as a standalone HTML page: a verdict banner, time and date, links to the executed notebooks."""
    def cell(text: str, bad: bool = False) -> str:
        return f'<td{" class=bad" if bad else ""}>{html.escape(text)}</td>'

    body = []
    for r in rows:
        status, metrics, claims, bars = _run_line(r)
        link = Path(r["output"]).relative_to(out).as_posix() if r.get("output") else None
        name = (f'<a href="{html.escape(link)}">{html.escape(r["notebook"])}</a>' if link
                else html.escape(r["notebook"]))
        body.append(f"<tr><td>{name}</td>{cell(str(r.get('seed', '')))}{cell(status, r['status'] != 'ok')}"
                    f"{cell(str(r['seconds']))}{cell(metrics)}{cell(claims, 'NOT held' in claims)}"
                    f"{cell(bars, 'MISSED' in bars)}</tr>")
    ok = all(r["status"] == "ok" for r in rows)
    verdict = "All runs passed their bars" if ok else "Some runs failed or missed a bar"
    banner = (f'<p class="banner {"good" if ok else "bad"}">{verdict}'
              f" ({sum(r['status'] == 'ok' for r in rows)} of {len(rows)} ok) · wall time {info['wall_s']:.0f} s · "
              f"{html.escape(info['finished'])} · {html.escape(info['machine'])}</p>")
    return ("<!doctype html><meta charset=utf-8><title>Course run summary</title><style>"
            "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}.bad{color:#b00;font-weight:bold}"
            ".banner{padding:.6em 1em;border-radius:4px}.banner.good{background:#e6f4ea}.banner.bad{background:#fde7e9}"
            "</style><h1>Course run summary</h1>" + banner + "<table><tr><th>notebook</th><th>seed</th><th>status</th>"
            "<th>time (s)</th><th>metrics</th><th>claims</th><th>bars</th></tr>" + "".join(body) + "</table>\n")


def _write(path: Path, text: str) -> None:
    """Write a file atomically: a reader never sees half of it."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_summaries(out: Path, rows: list[dict[str, Any]], agg: dict[str, dict[str, Any]], wall: float,
                    num_parallel: int, threads: int) -> str:
    """Write summary.md, summary.html and summary.json into `out`; return the Markdown."""
    info = {"wall_s": round(wall, 1), "jobs": num_parallel, "threads_per_kernel": threads,
            "finished": dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
            "machine": f"{os.cpu_count()} CPU cores, {platform.machine()}, Python {platform.python_version()}"}
    out.mkdir(parents=True, exist_ok=True)
    table = summary_markdown(rows, agg)
    _write(out / "summary.md", f"Wall time {wall:.1f} s, {num_parallel} at a time, {info['finished']}, "
                               f"{info['machine']}.\n\n" + table)
    _write(out / "summary.html", summary_html(rows, info, out))
    _write(out / "summary.json", json.dumps({**info, "runs": rows, "notebooks": agg}, indent=2) + "\n")
    return table


def merge_summaries(summaries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """One summary from several runs: each notebook's runs come from the last summary that has it."""
    owner = {nb: i for i, summary in enumerate(summaries) for nb in summary["notebooks"]}
    used = sorted(set(owner.values()))
    order = sorted(owner)
    return {"machine": summaries[used[-1]]["machine"], "finished": max(summaries[i]["finished"] for i in used),
            "wall_s": sum(summaries[i]["wall_s"] for i in used), "jobs": max(summaries[i]["jobs"] for i in used),
            "merged": sum(summaries[i].get("merged", 1) for i in used),
            "notebooks": {nb: summaries[owner[nb]]["notebooks"][nb] for nb in order},
            "runs": [r for nb in order for r in summaries[owner[nb]].get("runs", []) if r["notebook"] == nb]}


def read_source(path: Path) -> dict[str, Any]:
    """A run folder's summary.json, or a claims report (claims.json), as a summary to merge; ValueError if neither."""
    file = path if path.suffix == ".json" else path / "summary.json"
    if not file.exists():
        raise ValueError(f"{file} does not exist: run `python -m course.run --seeds 0-4 -j 2 --claims-report` first.")
    try:
        summary = json.loads(file.read_text())
        notebooks = summary["notebooks"].values()
        if "runs" in summary:  # a run folder's summary: every run at the full preset, over several seeds
            usable = all(r["preset"] == "full" for r in summary["runs"]) and \
                len({r["seed"] for r in summary["runs"]}) >= 2
        else:  # a claims report: what it aggregated, each notebook over several seeds
            usable = all(len(set(a["seeds"])) >= 2 and {"code_sha256", "claims", "metrics"} <= set(a)
                         for a in notebooks)
        missing = {"machine", "finished", "wall_s", "jobs"} - set(summary)
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"{file} is neither a run's summary.json nor a claims report ({err!r}).") from err
    if missing:
        raise ValueError(f"{file} is neither a run's summary.json nor a claims report "
                         f"(no {', '.join(sorted(missing))}).")
    if not usable:
        raise ValueError(f"{file} is not a full-preset run over several seeds.")
    return summary
