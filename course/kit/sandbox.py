"""A bubblewrap sandbox per submission: what a student's notebook may see, write and use while it is graded.

Inside: a read-only system and Python environment, the student version of the course code (helpers/, course/
without the hidden checks, claims.json; `import helpers` resolves to it), the course data read-only, a private /tmp
and one writable scratch folder holding a copy of the submission. No network, no view of other processes, an
unprivileged uid, a memory cap per process and a wall-clock cap on the whole sandbox, which is killed with
everything it started. Outside its view: the repository, the instructor's notebooks, the hidden checks of
other lessons, the other submissions and the grades.
"""

from __future__ import annotations

import compileall
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from ..config import REPO_ROOT

SANDBOX_UID = 65534  # nobody
COURSE = Path("/course")  # where the sandbox sees the student version of the course code
SCRATCH = Path("/scratch")  # the submission's own writable folder
FIX = ("install bubblewrap (`apt-get install bubblewrap`) and allow unprivileged user namespaces "
       "(`sysctl -w kernel.unprivileged_userns_clone=1`; on Ubuntu 24.04 also "
       "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`), or pass --unsafe-no-sandbox to run every "
       "submission unsandboxed, as you, with your files and network")


@dataclass(frozen=True)
class Limits:
    """What one submission may use: bytes of memory per process, seconds in all, bytes per file it writes."""

    memory: int = 4 << 30
    seconds: float = 600.0
    file_size: int = 1 << 30


def course_copy(folder: Path) -> Path:
    """The student version of the course code that sandboxes see, written once per grade run into `folder`."""
    skip = shutil.ignore_patterns("__pycache__", "hidden", "*.pyc")
    shutil.copytree(REPO_ROOT / "helpers", folder / "helpers", ignore=skip)
    shutil.copytree(REPO_ROOT / "course", folder / "course", ignore=skip)
    if (REPO_ROOT / "claims.json").is_file():
        shutil.copy2(REPO_ROOT / "claims.json", folder / "claims.json")  # lesson_facts reads it
    (folder / "data").mkdir()  # where the course data is mounted, read-only
    compileall.compile_dir(str(folder), quiet=2)  # read-only inside: compiled once here
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def _dirs_above(path: Path) -> list[str]:
    """bwrap arguments that make every folder above `path` traversable by the sandbox's user."""
    return [a for parent in reversed(path.parents) if str(parent) != "/" for a in ("--perms", "0755", "--dir",
                                                                                   str(parent))]


def bwrap_args(course: Path, scratch: Path, extra: dict[Path, Path] | None = None) -> list[str]:
    """The bwrap command line that starts a sandbox (the program to run follows it)."""
    args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try"]
    if os.geteuid() != 0:  # as root, setpriv (below) drops to a real unprivileged uid, not one mapped to root
        args += ["--unshare-user", "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID)]
    for name in ("usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / name
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), str(host)]
        elif host.is_dir():
            args += ["--ro-bind", str(host), str(host)]
    for name in ("passwd", "group", "hosts", "nsswitch.conf", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
                 "localtime", "alternatives", "fonts"):
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for prefix in sorted({Path(sys.base_prefix).resolve(), Path(sys.prefix).absolute()}):
        args += [*_dirs_above(prefix), "--ro-bind", str(prefix), str(prefix)]
    args += ["--ro-bind", str(course), str(COURSE), "--bind", str(scratch), str(SCRATCH),
             "--bind", str(scratch / "tmp"), "/tmp", "--dev", "/dev", "--proc", "/proc", "--chdir", str(SCRATCH)]
    data = Path(os.environ.get("COURSE_DATA_DIR") or REPO_ROOT / "data")
    if data.is_dir():
        args += ["--ro-bind", str(data.resolve()), str(COURSE / "data")]
    for host, inside in (extra or {}).items():
        args += ["--ro-bind", str(host), str(inside)]
    environment = {"PATH": f"{Path(sys.prefix).absolute() / 'bin'}:/usr/bin:/bin", "HOME": str(SCRATCH / "home"),
                   "PYTHONPATH": str(COURSE), "COURSE_DATA_DIR": str(COURSE / "data"), "LANG": "C.UTF-8",
                   "MPLBACKEND": "Agg", "PYTHONDONTWRITEBYTECODE": "1", "JUPYTER_PLATFORM_DIRS": "1",
                   "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1"),
                   "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS", "1")}
    args += ["--clearenv", *(a for k, v in environment.items() for a in ("--setenv", k, v))]
    if os.geteuid() == 0:
        args += ["setpriv", f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_UID}", "--clear-groups",
                 "--inh-caps=-all", "--bounding-set=-all", "--"]
    return args


def scratch_folder(folder: Path) -> Path:
    """A new scratch folder (with tmp/ and home/) that the sandbox's user may write."""
    for sub in ("", "tmp", "home"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            os.chown(folder / sub, SANDBOX_UID, SANDBOX_UID)
    folder.parent.chmod(0o755)
    return folder


def run_sandboxed(command: list[str], course: Path, scratch: Path, limits: Limits, log: Path,
                  extra: dict[Path, Path] | None = None, sandbox: bool = True) -> str:
    """Run `command` in a sandbox (or, with sandbox=False, unsandboxed in `scratch`); '' if it ended by itself,
    else why it was stopped. Whatever it started is killed with it."""
    limit = ["prlimit", f"--as={limits.memory}", f"--fsize={limits.file_size}", "--core=0", "--"]
    full = [*bwrap_args(course, scratch, extra), *limit, *command] if sandbox else [*limit, *command]
    env = None if sandbox else {**os.environ, "PYTHONPATH": str(course), "HOME": str(scratch / "home")}
    with open(log, "ab") as out:
        proc = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                cwd=scratch, env=env, start_new_session=True)
        try:
            code = proc.wait(timeout=limits.seconds)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # bwrap, and through --die-with-parent all inside it
            except ProcessLookupError:
                pass
            proc.wait()
    if code is None:
        return f"the submission ran over the {limits.seconds:.0f} s time limit and was stopped"
    return "" if code == 0 else f"the sandbox ended with exit status {code}"


def sandbox_problem() -> str:
    """'' when a sandbox starts here; else why not and the fix."""
    missing = [p for p in ("bwrap", "prlimit", *(["setpriv"] if os.geteuid() == 0 else [])) if not shutil.which(p)]
    if missing:
        return f"{', '.join(missing)} not found: {FIX}"
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"],
                           capture_output=True, text=True, timeout=60)
    if probe.returncode != 0:
        return f"bwrap cannot start a sandbox here ({probe.stderr.strip()[:200]}): {FIX}"
    return ""
