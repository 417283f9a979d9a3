"""ruff over helpers/, course/, tests/, benchmarks/ and the notebooks, with the rules in pyproject.toml."""

import subprocess
import sys

from course import REPO_ROOT


def test_ruff_is_clean():
    folders = ["helpers", "course", "tests", "notebooks", "benchmarks"]
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", *folders],
                            cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
