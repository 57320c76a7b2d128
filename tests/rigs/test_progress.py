"""A long HIL run says where it is: scenario n of N (only those run on the rig), the time
since the start, and the step, which names what the bench waits for (issue 12)."""

from __future__ import annotations

from types import SimpleNamespace

from rigs.profile.progress import HilProgress


class Reporter:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def ensure_newline(self) -> None:
        pass

    def write_line(self, line: str) -> None:
        self.lines.append(line)


def scenario_item(nodeid: str, *, hil: bool):
    return SimpleNamespace(nodeid=nodeid, name=nodeid, obj=None, get_closest_marker=lambda name: hil or None)


def test_progress_counts_the_scenarios_run_on_the_rig_and_names_each_step():
    reporter = Reporter()
    plugins = {"terminalreporter": reporter}
    progress = HilProgress(SimpleNamespace(pluginmanager=SimpleNamespace(get_plugin=plugins.get)))
    join, twin_only, upload = (
        scenario_item("join", hil=True),
        scenario_item("seven-day outage", hil=False),
        scenario_item("upload", hil=True),
    )
    progress.pytest_collection_modifyitems([join, twin_only, upload])
    for item in (join, twin_only, upload):
        progress.pytest_runtest_setup(item)
        step = SimpleNamespace(keyword="When", name="60 minutes pass")
        progress.pytest_bdd_before_step_call(SimpleNamespace(node=item), None, None, step, None, {})
    assert reporter.lines == [
        "[hil 1/2 00:00:00] join",
        "[hil 1/2 00:00:00]   When 60 minutes pass",
        "[hil 2/2 00:00:00] upload",
        "[hil 2/2 00:00:00]   When 60 minutes pass",
    ]
