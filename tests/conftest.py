"""Shared test set-up: kernels cache data in a temporary folder (never data/) and use one CPU thread each.

The suite runs on two pytest-xdist workers; with one thread per process the small models of the smoke
runs do not fight over the cores (two threads each made them several times slower on a 2-core machine).
"""

import pytest
import torch

torch.set_num_threads(1)


@pytest.fixture(scope="session", autouse=True)
def session_data_dir(tmp_path_factory):
    """Point $COURSE_DATA_DIR (read by helpers.data_dir, inherited by kernels) at a temporary folder; one thread."""
    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_DATA_DIR", str(folder))
        mp.setenv("OMP_NUM_THREADS", "1")  # inherited by every notebook kernel the tests start
        mp.setenv("MKL_NUM_THREADS", "1")
        yield folder
