"""Shared test set-up: every kernel the tests start caches data in a temporary folder, never in data/."""

import pytest


@pytest.fixture(scope="session", autouse=True)
def session_data_dir(tmp_path_factory):
    """Point $COURSE_DATA_DIR (read by helpers.data_dir, inherited by notebook kernels) at a temporary folder."""
    folder = tmp_path_factory.mktemp("data")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COURSE_DATA_DIR", str(folder))
        yield folder
