"""Fixtures shared by the bench's own tests, and how ``make test`` spreads them over the CPUs."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from hypothesis import settings

from tests.reports.runs import Run, make_reference_run, reference_run_in
from tests.shared_runs import shared
from tests.tshark import find_tshark

# Under make test the tests share the CPUs with the detection matrix and with each other, so
# Hypothesis's default 200 ms per example measured the machine's load, not the code (a DLMS
# profile parser's property test took 292 ms there): each example gets a second. Tests that
# set their own deadline keep it.
if os.environ.get("PYTEST_XDIST_WORKER"):
    settings.register_profile("shared-cpus", deadline=timedelta(seconds=1))
    settings.load_profile("shared-cpus")


@pytest.fixture
def tshark() -> str:
    """Path of tshark; skipped without it on a developer machine, failed under CI."""
    return find_tshark()


@pytest.fixture(scope="session")
def reference_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The README's conformance run with its report (tests/reports/runs.py), made once per
    session whichever worker asks first: the report tests and
    tests/features/test_conformance_run.py read the same run (each used to make its own)."""
    return reference_run_in(shared(tmp_path_factory, "reference-run-seed-7", make_reference_run))


# pytest-xdist (make test: -n N): which tests share a worker, and in what order the work goes
# out. A test module is one unit, so its module-scoped fixtures run once (a conformance run,
# the detection matrix); the modules of a SHARED_UNITS entry are one unit too, for the reason
# given. xdist's own --dist loadgroup cannot say this: with pytest 9.2 its xdist_group marks
# are silently dropped (pytest-dev/pytest-xdist#1386, every worker that got a matrix test ran
# the whole matrix), and a mark cannot name a session-scoped fixture anyway.
_READ_THE_SESSIONS_REPORTS = (
    "allure_results",
    "bundle",
    "failure_evidence",
    "html_report",
    "no_secret",
    "traceability",
)
SHARED_UNITS = {
    # The report tests that read the session's Japanese build, the late-joining twin's run or
    # the browsers (tests/reports/conftest.py): each is made once per worker. The reference
    # run they all read is made once for every worker (``reference_run``); the other report
    # modules build what they read themselves and go out on their own (issue 14).
    "tests/reports/": tuple(f"tests/reports/test_{name}.py" for name in _READ_THE_SESSIONS_REPORTS),
}
# The units that take minutes go out first, longest first, so that none of them starts last
# and holds the run up alone. The matrix spreads itself over the CPUs at a lower priority
# (tests/features/test_detection_matrix.py): its worker only waits, the others run on. So
# do the emulated-rig modules (tests/rigs/profile), each its own unit on a rig of its own
# (its own loopback home LAN and ports): they mostly sleep, in the rig's time.
RIG_MODULES_LONG_FIRST = tuple(
    f"tests/rigs/profile/test_{name}.py"
    for name in (  # by their wall time, as measured one module at a time (issue 14)
        "parity",  # make parity
        "air_rig",
        "rig_faults",
        "air_and_home_setup",
        "reference_run",
        "faulty_terminals",
        "maintenance_console",
        "battery",
        "radio_garbage",
        "c2_layout",
    )
)
LONG_FIRST = (
    "tests/features/test_detection_matrix.py",
    *RIG_MODULES_LONG_FIRST,
    "tests/reports/",
    "tests/features/test_conformance_run.py",
    "tests/observe/test_monitors_in_scenarios.py",
    # then the modules of 15 CPU-s and more (issue 14, measured one at a time)
    "tests/features/test_boundary_faults.py",
    "tests/fixtures/test_xdist.py",
    "tests/twin/test_object_model.py",
    "tests/reports/test_bundle_verify.py",
)

try:
    from xdist.scheduler import LoadScopeScheduling
except ImportError:  # pytest-xdist is a dev extra; without it the tests run in one process
    LoadScopeScheduling = None

if LoadScopeScheduling is not None:

    class SharedWorkerScheduling(LoadScopeScheduling):
        """xdist's scheduling by scope, with the units of SHARED_UNITS and the order of LONG_FIRST."""

        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::")[0]
            return next((unit for unit, modules in SHARED_UNITS.items() if module in modules), module)

        def _assign_work_unit(self, node) -> None:
            for unit in reversed(LONG_FIRST):
                if unit in self.workqueue:
                    self.workqueue.move_to_end(unit, last=False)
            super()._assign_work_unit(node)

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_make_scheduler(config: pytest.Config, log):
        """Every --dist that balances load gets the scheduling above; ``each`` and
        ``worksteal`` stay as asked."""
        if config.getvalue("dist") in ("load", "loadscope", "loadgroup", "loadfile"):
            return SharedWorkerScheduling(config, log)
        return None
