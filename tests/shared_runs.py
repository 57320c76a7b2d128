"""Work made once per test session and read by tests on any pytest-xdist worker (issue 14).

Under ``make test`` the test modules that read a conformance run sit on different workers
(tests/conftest.py spreads them by module), and each used to make its own run of the same
features with the same seed. ``shared`` makes such a thing once: the first worker to ask
takes an exclusive lock and builds it in a folder under the session's temporary root, which
every worker of the session shares (xdist gives each worker ``<root>/popen-gwN`` as its own
base); the others wait on the lock and then read what it built. A failed build is recorded
with its message, so every test that needed it fails with that message instead of building
it again. Without xdist the root is the session's own base folder.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest

_DONE = "done"  # the marker a finished build leaves: empty, or the failure's message


def session_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder every worker of this test session shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared(tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> Path:
    """The folder ``name``, filled by ``build(folder)`` once in this test session, whichever
    worker asks first; a build that failed fails every caller with its message."""
    home = session_root(tmp_path_factory) / "shared" / name
    home.mkdir(parents=True, exist_ok=True)
    folder, done = home / "made", home / _DONE
    with (home / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, also if this process dies
        try:
            if not done.exists():
                shutil.rmtree(folder, ignore_errors=True)  # a build whose process died under it
                try:
                    folder.mkdir()
                    build(folder)
                except BaseException as exc:
                    failure = "".join(traceback.format_exception_only(exc)).strip() or type(exc).__name__
                    done.write_text(f"{name} failed to build: {failure}", encoding="utf-8")
                    raise
                done.write_text("", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    failure = done.read_text(encoding="utf-8")
    if failure:
        pytest.fail(failure, pytrace=False)
    return folder
