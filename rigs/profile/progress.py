"""Progress of a long real-time HIL run, on the console as it goes (``make hil`` loads it
with ``-p rigs.profile.progress``).

A HIL run takes hours of wall time, most of it waiting for the terminal (a 90-second
join, an hour of uploads). pytest prints a dot when a scenario ends; this plugin says,
as each scenario and step begins, which scenario of how many is running, the time since
the run began and the step, which names what the bench waits for ("When 60 minutes
pass", "Then the terminal is authenticated within 90 seconds")::

    [hil 2/6 00:03:12] The terminal drops a frame in plaintext and keeps working
    [hil 2/6 00:03:14]   When the terminal is powered on

Only scenarios that run on the rig are counted (tagged ``@hil``); the others are skipped.
"""

from __future__ import annotations

import contextlib
import time

import pytest

HIL_MARK = "hil"  # the marker of scenarios that run on a rig (fixtures.options)


class HilProgress:
    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._started = time.monotonic()
        self._total = 0
        self._count = 0
        self._counted: set[str] = set()

    def _write(self, text: str) -> None:
        reporter = self._config.pluginmanager.get_plugin("terminalreporter")
        elapsed = int(time.monotonic() - self._started)
        hours, rest = divmod(elapsed, 3600)
        line = f"[hil {self._count}/{self._total} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}] {text}"
        if reporter is None:
            print(line, flush=True)
            return
        # Past pytest's output capture, as its live logging writes, so the line shows now.
        capture = self._config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled() if capture is not None else contextlib.nullcontext():
            reporter.ensure_newline()
            reporter.write_line(line)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self._counted = {item.nodeid for item in items if item.get_closest_marker(HIL_MARK) is not None}
        self._total = len(self._counted)

    @pytest.hookimpl
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        if item.nodeid not in self._counted:
            return
        self._count += 1
        scenario = getattr(item.obj, "__scenario__", None)
        self._write(getattr(scenario, "name", item.name))

    @pytest.hookimpl
    def pytest_bdd_before_step_call(
        self, request, feature, scenario, step, step_func, step_func_args
    ) -> None:
        if request.node.nodeid in self._counted:
            self._write(f"  {step.keyword} {step.name}")


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("profile", None) == "hil":
        config.pluginmanager.register(HilProgress(config), "hil-progress")
