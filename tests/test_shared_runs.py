"""Work made once per test session for every xdist worker (tests/shared_runs.py): the first
caller builds, the others read, and a failed build fails every caller with its message."""

from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from tests.shared_runs import session_root, shared


class Workers:
    """Two xdist workers' temporary-path factories under one session root."""

    def __init__(self, root: Path, worker: str) -> None:
        self._base = root / f"popen-{worker}"
        self._base.mkdir(parents=True, exist_ok=True)

    def getbasetemp(self) -> Path:
        return self._base


def _build_slowly(folder: Path) -> None:
    with (folder.parent.parent / "builds").open("a") as builds:  # <root>/shared/builds
        builds.write("x")
    time.sleep(0.5)  # long enough for the other worker to ask meanwhile
    (folder / "run.txt").write_text("made")


def _ask(root: str, worker: str) -> str:
    os.environ["PYTEST_XDIST_WORKER"] = worker
    folder = shared(Workers(Path(root), worker), "run", _build_slowly)  # type: ignore[arg-type]
    return (folder / "run.txt").read_text()


def test_two_workers_asking_at_once_get_one_build(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        answers = pool.starmap(_ask, [(str(tmp_path), "gw0"), (str(tmp_path), "gw1")])
    assert answers == ["made", "made"]
    assert (tmp_path / "shared" / "builds").read_text() == "x"


def test_a_failed_build_fails_every_caller_with_its_message(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw0")
    calls = []

    def broken(folder: Path) -> None:
        calls.append(folder)
        raise AssertionError("the run exited 2")

    with pytest.raises(AssertionError, match="exited 2"):
        shared(Workers(tmp_path, "gw0"), "run", broken)  # type: ignore[arg-type]
    with pytest.raises(pytest.fail.Exception, match="run failed to build: AssertionError: the run exited 2"):
        shared(Workers(tmp_path, "gw1"), "run", broken)  # type: ignore[arg-type]
    assert len(calls) == 1


def test_without_xdist_the_root_is_the_sessions_own(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert session_root(Workers(tmp_path, "gw0")) == tmp_path / "popen-gw0"  # type: ignore[arg-type]
