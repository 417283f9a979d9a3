"""Tests of the headless runner (course.run), the course metadata (course) and recorded metrics.

The runner is exercised end to end on tiny notebooks that the tests write into a temporary folder.
"""

import json
import os
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course import check_bars, course_config, find_notebooks, is_lab, parse_bar, preset_parameters
from course.execution import clean_notebook
from course.plan import kernel_threads, parse_seeds, parse_value
from course.results import read_metrics
from course.run import main
from helpers.metrics import METRICS_MIME


def make_notebook(folder: Path, name: str = "01_tiny", body: str = "record_metrics(score=n / 10)",
                  bars: dict | None = None, second: tuple[str, str, str] = ("device", '"auto"', "['auto', 'cpu']"),
                  ) -> Path:
    """A minimal course notebook: parameters n and `second` (name, default, rule; device unless told), a setup
    cell, and a body that records metrics or claims."""
    other, default, rule = second
    nb = new_notebook(cells=[
        new_markdown_cell(f"# {name[:2]} · Tiny"),
        new_code_cell(f"n = 5  # a number\n{other} = {default}  # {other}", metadata={"tags": ["parameters"]}),
        new_code_cell("from helpers import ParameterError, check_params, claim, record_metrics\n"
                      f"check_params(dict(n=n, {other}={other}), n=(int, 0, 9), {other}={rule})"),
        new_code_cell(body),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["course"] = {"smoke": {"n": 9},
                             "bars": bars or {"full": {"score": ">= 0.5"}, "smoke": {"score": ">= 0.9"}}}
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, str(path))
    return path


# ---- course metadata, bars and metrics ----------------------------------------------------------------------

def test_parse_and_check_bars():
    assert parse_bar(">= 0.985") == (">=", 0.985) and parse_bar("<1e-3") == ("<", 0.001)
    with pytest.raises(ValueError, match="Bad quality bar 'about 0.9'"):
        parse_bar("about 0.9")
    rows = check_bars({"acc": 0.99, "loss": 0.2}, {"acc": ">= 0.985", "loss": "<= 0.1", "missing": ">= 1"})
    assert [r["met"] for r in rows] == [True, False, False]
    assert rows[2]["value"] is None


def test_course_config_and_presets(tmp_path):
    path = make_notebook(tmp_path)
    assert preset_parameters(path, "smoke") == {"n": 9} and preset_parameters(path, "full") == {}
    with pytest.raises(ValueError, match="Unknown preset 'fast'"):
        preset_parameters(path, "fast")
    nb = nbformat.read(str(path), as_version=4)
    del nb.metadata["course"]["bars"]["smoke"]
    with pytest.raises(ValueError, match="must have exactly the keys"):
        course_config(nb)


def test_find_notebooks_by_stem_or_number(tmp_path):
    a, b = make_notebook(tmp_path, "01_a"), make_notebook(tmp_path, "02_b")
    (tmp_path / "README.md").write_text("not a notebook")
    assert find_notebooks((), tmp_path) == [a, b]
    assert find_notebooks(("02",), tmp_path) == [b] and find_notebooks(("01_a.ipynb",), tmp_path) == [a]
    with pytest.raises(ValueError, match="No notebook called '03'.*Available: 01_a, 02_b"):
        find_notebooks(("03",), tmp_path)


def test_find_notebooks_puts_each_lab_after_its_lesson(tmp_path):
    a, b = make_notebook(tmp_path, "01_a"), make_notebook(tmp_path, "02_b")
    (tmp_path / "labs").mkdir()
    lab = make_notebook(tmp_path / "labs", "01_a_lab")
    assert find_notebooks((), tmp_path) == [a, lab, b]
    assert find_notebooks(("01",), tmp_path) == [a, lab]
    assert find_notebooks(("01_a",), tmp_path) == [a] and find_notebooks(("01_a_lab",), tmp_path) == [lab]
    assert is_lab(lab) and not is_lab(a)


def test_read_metrics_merges_records_later_ones_win():
    nb = new_notebook(cells=[new_code_cell("", outputs=[
        new_output("display_data", data={METRICS_MIME: {"a": 1.0, "b": 2}, "text/plain": "a 1"}),
        new_output("display_data", data={METRICS_MIME: {"a": 3.0}, "text/plain": "a 3"})])])
    assert read_metrics(nb) == {"a": 3.0, "b": 2}


def test_record_metrics_displays_json_and_text(monkeypatch):
    import IPython.display

    from helpers import record_metrics
    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, raw: shown.append(obj))
    record_metrics(test_accuracy=0.98765, epochs=3, name="cnn")
    assert shown[0][METRICS_MIME] == {"test_accuracy": 0.98765, "epochs": 3, "name": "cnn"}
    assert "test_accuracy  0.9877" in shown[0]["text/plain"]
    with pytest.raises(ValueError, match="metric loss is nan"):
        record_metrics(loss=float("nan"))


def test_parse_seeds_and_threads_per_kernel(monkeypatch):
    assert parse_seeds(["0-4"]) == [0, 1, 2, 3, 4] and parse_seeds(["3", "1", "1-2"]) == [3, 1, 2]
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    cores = os.cpu_count() or 1
    assert kernel_threads(1) == cores and kernel_threads(2) == max(1, cores // 2) and kernel_threads(10**6) == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # a value the user set wins
    assert kernel_threads(2) == 3


def test_parse_value():
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5 and parse_value("True") is True
    assert parse_value("cpu") == "cpu" and parse_value("'x'") == "x"


def test_clean_notebook_drops_run_metadata_and_progress_redraws():
    nb = new_notebook(cells=[new_code_cell("", outputs=[
        new_output("stream", name="stdout", text="\rtrain:  10%\rtrain:  50%"),
        new_output("stream", name="stdout", text="\rtrain: 100%\ndone\n")])])
    nb.metadata["papermill"] = {"input_path": "/home/me/x.ipynb"}
    nb.cells[0].metadata["papermill"] = {"duration": 1.0}
    nb.metadata["widgets"], nb.metadata["course"] = {"state": {}}, {"title": "kept"}
    nb.cells[0].metadata.update(lines_to_next_cell=2, tags=["parameters"], execution={"iopub": "2026"})
    clean = clean_notebook(nb)
    assert set(clean.metadata) == {"kernelspec", "course"}  # an allow-list: unknown keys go too
    assert clean.cells[0].metadata == {"tags": ["parameters"]}
    assert [o.text for o in clean.cells[0].outputs] == ["train: 100%\ndone\n"]


@pytest.mark.kernel
# ---- the runner, end to end ---------------------------------------------------------------------------------

def test_runner_runs_checks_bars_and_writes_summaries(tmp_path, capsys):
    folder, out = tmp_path / "nbs", tmp_path / "out"
    folder.mkdir()
    make_notebook(folder, "01_good")
    make_notebook(folder, "02_low", body="record_metrics(score=n / 100)")
    status = main(["--dir", str(folder), "--preset", "smoke", "--out", str(out)])
    printed = capsys.readouterr().out
    assert status == 1  # 02_low misses its bar
    assert "01_good: ok in" in printed and "02_low: missed bar in" in printed
    rows = json.loads((out / "summary.json").read_text())["runs"]
    assert [(r["notebook"], r["status"]) for r in rows] == [("01_good", "ok"), ("02_low", "missed bar")]
    assert rows[0]["metrics"] == {"score": 0.9} and rows[0]["parameters"] == {"n": 9}
    assert "| 02_low | default | smoke | missed bar |" in (out / "summary.md").read_text()
    page = (out / "summary.html").read_text()
    assert "MISSED" in page and "Some runs failed" in page and 'href="01_good.ipynb"' in page
    executed = nbformat.read(str(out / "01_good.ipynb"), as_version=4)
    assert "papermill" not in executed.metadata
    source = nbformat.read(str(folder / "01_good.ipynb"), as_version=4)
    assert source.cells[3].execution_count is None and not source.cells[3].outputs  # the source is untouched
    # a -p override reaches the notebook; a bad value fails it in the setup cell with a clear error
    assert main(["--dir", str(folder), "01", "-p", "n", "-1", "--out", str(out)]) == 1
    row = json.loads((out / "summary.json").read_text())["runs"][0]
    assert row["status"] == "failed" and "ParameterError: Parameter n=-1" in row["error"]

@pytest.mark.kernel

def test_runner_refuses_unknown_parameters_and_notebooks_before_running(tmp_path, capsys):
    folder = tmp_path / "nbs"
    folder.mkdir()
    make_notebook(folder)
    with pytest.raises(SystemExit) as info:
        main(["--dir", str(folder), "-p", "num_epochs", "3"])
    assert info.value.code == 2
    assert "01_tiny has no parameter 'num_epochs'. Its parameters: n, device" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--dir", str(folder), "09"])
    assert "No notebook called '09'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["--dir", str(folder), "--refresh", "-p", "n", "1"])
    assert "--refresh re-runs the committed notebooks as readers see them" in capsys.readouterr().err
    for bad, message in ((["--seeds", "4-2"], "--seeds '4-2'"), (["--seeds", "x"], "--seeds 'x'"),
                         (["-j", "0"], "-j 0"), (["--seeds", "0", "1", "-p", "seed", "3"], "either with --seeds"),
                         (["--claims-report", "--seeds", "0-1"], "--claims-report needs the whole course")):
        with pytest.raises(SystemExit):
            main(["--dir", str(folder), *bad])
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):  # a notebook without a seed parameter cannot run over seeds
        main(["--dir", str(folder), "--seeds", "0-1"])
    assert "01_tiny has no parameter 'seed'" in capsys.readouterr().err

@pytest.mark.kernel

def test_refresh_replaces_a_notebook_only_when_it_passes(tmp_path):
    folder, out = tmp_path / "nbs", tmp_path / "out"
    folder.mkdir()
    good = make_notebook(folder, "01_good")
    bad = make_notebook(folder, "02_bad", body="record_metrics(score=n / 100)")
    bad_before = bad.read_text()
    assert main(["--dir", str(folder), "--refresh", "--out", str(out)]) == 1
    refreshed = nbformat.read(str(good), as_version=4)
    assert refreshed.cells[3].execution_count == 3 and read_metrics(refreshed) == {"score": 0.5}
    assert bad.read_text() == bad_before

@pytest.mark.kernel

def test_refresh_keeps_a_notebook_edited_while_it_ran(tmp_path, capsys):
    """The run is of the version that was there when it started: an edit made meanwhile is never overwritten."""
    folder, out = tmp_path / "nbs", tmp_path / "out"
    folder.mkdir()
    path = folder / "01_edited.ipynb"
    make_notebook(folder, "01_edited", body=f"record_metrics(score=n / 10)\nopen({str(path)!r}, 'a').write('\\n')")
    assert main(["--dir", str(folder), "--refresh", "--out", str(out)]) == 0
    assert f"Not refreshed: {path} changed while it ran" in capsys.readouterr().out
    assert nbformat.read(str(path), as_version=4).cells[3].execution_count is None  # the edited source, unexecuted


# ---- seeds, parallel runs, claims ----------------------------------------------------------------------------

def seeded_notebook(folder: Path, name: str, body: str, bars: dict) -> Path:
    """A tiny course notebook with a seed parameter; `body` may use n and seed and call claim/record_metrics."""
    return make_notebook(folder, name, body, bars, second=("seed", "0", "(int, 0, 99)"))

@pytest.mark.kernel

def test_seeds_in_parallel_aggregate_metrics_claims_and_bars_and_refresh_from_the_default_seed(tmp_path, capsys):
    folder, out = tmp_path / "nbs", tmp_path / "out"
    folder.mkdir()
    body = ("import os\n"
            "record_metrics(score=seed / 10, threads=int(os.environ['OMP_NUM_THREADS']))\n"
            "claim('seed_is_even', 'The seed is even.', seed % 2 == 0, seed=seed)")
    source = seeded_notebook(folder, "01_seeded", body, {"full": {"score": "<= 0.15", "claims": {
        "seed_is_even": "held"}}, "smoke": {"score": ">= 0"}})
    status = main(["--dir", str(folder), "--seeds", "0-2", "-j", "2", "--out", str(out), "--refresh"])
    printed = capsys.readouterr().out
    assert status == 1 and "2 at a time" in printed
    assert sorted(line.split(":")[0].split("] ")[1] for line in printed.splitlines() if line.startswith("[")) \
        == ["01_seeded seed 0", "01_seeded seed 1", "01_seeded seed 2"]
    summary = json.loads((out / "summary.json").read_text())
    runs = summary["runs"]
    assert [r["seed"] for r in runs] == [0, 1, 2] and (out / "seed2" / "01_seeded.ipynb").exists()
    assert {r["metrics"]["threads"] for r in runs} == {kernel_threads(2)}
    assert runs[1]["claims"]["seed_is_even"] == {"statement": "The seed is even.", "held": False,
                                                 "numbers": {"seed": 1}, "kind": "finding"}
    assert [r["status"] for r in runs] == ["ok", "missed bar", "missed bar"]  # claim bar at 1, score bar at 2
    agg = summary["notebooks"]["01_seeded"]
    assert agg["seconds"]["min"] > 0 and agg["seconds"]["max"] >= agg["seconds"]["mean"]
    assert agg["ok"] == 1 and agg["metrics"]["score"] == {"mean": 0.1, "min": 0.0, "max": 0.2, "n": 3,
                                                          "per_seed": {"0": 0.0, "1": 0.1, "2": 0.2}}
    assert agg["claims"]["seed_is_even"]["held"] == 2 and agg["claims"]["seed_is_even"]["of"] == 3
    assert agg["claims"]["seed_is_even"]["per_seed"] == [{"seed": k, "held": k % 2 == 0, "numbers": {"seed": k}}
                                                         for k in range(3)]  # every seed's value, kept
    assert agg["bars"]["score <= 0.15"] == {"kind": "metric", "met": 2, "of": 3}
    assert agg["bars"]["seed_is_even held"] == {"kind": "claim", "met": 2, "of": 3}
    table = (out / "summary.md").read_text()
    assert "seed_is_even: held 2/3" in table and "score=0.1 [0, 0.2]" in table
    # the default seed's run is the notebook's plain run: it has no injected cell and refreshed the source
    refreshed = nbformat.read(str(source), as_version=4)
    assert read_metrics(refreshed)["score"] == 0.0 and len(refreshed.cells) == 4
    assert len(nbformat.read(str(out / "seed1" / "01_seeded.ipynb"), as_version=4).cells) == 5

@pytest.mark.kernel

def test_ctrl_c_stops_the_kernels_and_writes_no_summary(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    folder, out = tmp_path / "nbs", tmp_path / "out"
    folder.mkdir()
    seeded_notebook(folder, "01_slow", "import os, time\nopen(f'pid{seed}', 'w').write(str(os.getpid()))\n"
                    "time.sleep(300)", {"full": {"x": ">= 0"}, "smoke": {"x": ">= 0"}})
    out.mkdir()
    (out / "summary.md").write_text("an old summary")
    proc = subprocess.Popen([sys.executable, "-m", "course.run", "--dir", str(folder), "--seeds", "0", "1",
                             "-j", "2", "--out", str(out)], stdout=subprocess.PIPE, text=True)
    pid_files = [folder / "pid0", folder / "pid1"]
    deadline = time.time() + 120
    while not all(p.exists() and p.read_text() for p in pid_files) and time.time() < deadline:
        time.sleep(0.2)
    assert all(p.exists() for p in pid_files), "the kernels did not start"
    proc.send_signal(signal.SIGINT)
    printed, _ = proc.communicate(timeout=90)  # the runner allows its workers 20 s in all, then kills them
    assert proc.returncode == 130 and "Interrupted" in printed
    assert not (out / "summary.md").exists() and not (out / "summary.json").exists()
    time.sleep(1)
    for pid_file in pid_files:
        pid = int(pid_file.read_text())
        assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower() \
            or "(Z)" in Path(f"/proc/{pid}/stat").read_text(), f"kernel {pid} still runs"


def test_parallel_runs_start_longest_first_and_expected_times_come_from_the_claims_report(tmp_path):
    from course.plan import Job, longest_first
    from course.report import expected_seconds

    jobs = [Job(Path(f"{stem}.ipynb"), {}, tmp_path / f"{stem}.ipynb", "full", None)
            for stem in ("01_a", "02_b", "03_c", "01_a")]
    assert longest_first(jobs, {"02_b": 50.0, "03_c": 90.0, "01_a": 10.0}) == [2, 1, 0, 3]
    assert longest_first(jobs, {}) == [0, 1, 2, 3]  # no record: the given order
    report = tmp_path / "claims.json"
    report.write_text(json.dumps({"notebooks": {"01_a": {"seconds": {"mean": 12.5, "min": 10, "max": 15}},
                                                "02_b": {"seconds": None}}}))
    assert expected_seconds(report) == {"01_a": 12.5}
    report.write_text("{ not json")
    assert expected_seconds(report) == {} and expected_seconds(tmp_path / "missing.json") == {}


def test_run_problem_tells_a_half_run_notebook_from_a_clean_run():
    from course import restore_hint, run_problem

    nb = new_notebook(cells=[new_markdown_cell("# 01 · x"), new_code_cell("a = 1"), new_code_cell("b = 2"),
                             new_code_cell("  ")])
    assert run_problem(nb) == "it has not been run (no outputs)"
    nb.cells[1].execution_count = 1
    assert run_problem(nb) == "it was not run top to bottom in one go (1 of 2 code cells not run)"
    nb.cells[2].execution_count = 3
    assert "out of order" in run_problem(nb)
    nb.cells[2].execution_count = 2
    assert run_problem(nb) == ""
    nb.cells[2].outputs = [new_output("error", ename="ValueError", evalue="x", traceback=[])]
    assert run_problem(nb) == "a cell stopped with an error"
    hint = restore_hint(Path("notebooks/01_cnn.ipynb"))
    assert "git checkout -- notebooks/01_cnn.ipynb" in hint and "course.run 01_cnn --refresh" in hint


def test_runner_notes_a_notebook_whose_code_differs_from_the_claims_report(tmp_path, monkeypatch, capsys):
    from course import run as runner

    path = make_notebook(tmp_path)
    report = tmp_path / "claims.json"
    report.write_text(json.dumps({"notebooks": {"01_tiny": {"code_sha256": runner.code_hash(path)}}}))
    monkeypatch.setattr(runner, "REPORT_JSON", report)
    runner.edited([path])
    assert capsys.readouterr().out == ""
    report.write_text(json.dumps({"notebooks": {"01_tiny": {"code_sha256": "0" * 64}}}))
    runner.edited([path])
    assert "differs from the code behind CLAIMS.md" in capsys.readouterr().out

@pytest.mark.kernel

def test_a_kernel_that_dies_while_starting_is_started_again(tmp_path, monkeypatch, capsys):
    """A kernel that died before it answered ran no cell: the runner starts it again (at most 3 times in all)."""
    import papermill

    from course.execution import KERNEL_START_FAILED, execute

    real, calls = papermill.execute_notebook, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(KERNEL_START_FAILED)
        return real(*args, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", flaky)
    path = make_notebook(tmp_path)
    row = execute(path, tmp_path / "out" / path.name, {}, "full")
    assert row["status"] == "ok" and len(calls) == 2 and row["metrics"] == {"score": 0.5}
    assert "the kernel died while starting" in capsys.readouterr().out

    def dead(*args, **kwargs):
        calls.append(1)
        raise RuntimeError(KERNEL_START_FAILED)

    monkeypatch.setattr(papermill, "execute_notebook", dead)
    calls.clear()
    with pytest.raises(RuntimeError, match=KERNEL_START_FAILED):
        execute(path, tmp_path / "out2" / path.name, {}, "full")
    assert len(calls) == 3
