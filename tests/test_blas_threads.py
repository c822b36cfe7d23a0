"""The grader asks BLAS for one thread (grader/blas_threads.py), unless the user chose."""

import pytest
from click.testing import CliRunner

from grader.blas_threads import BLAS_THREAD_VARIABLES
from grader.cli import main


@pytest.fixture
def unset(monkeypatch):
    for variable in BLAS_THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    return monkeypatch


def test_the_cli_asks_for_one_blas_thread(unset):
    import os

    result = CliRunner().invoke(main, ["points"])
    assert result.exit_code == 0, result.output
    assert {variable: os.environ.get(variable) for variable in BLAS_THREAD_VARIABLES} == \
        dict.fromkeys(BLAS_THREAD_VARIABLES, "1")


def test_a_user_s_own_setting_wins(unset):
    import os

    unset.setenv("OPENBLAS_NUM_THREADS", "4")
    CliRunner().invoke(main, ["points"])
    assert os.environ["OPENBLAS_NUM_THREADS"] == "4"
