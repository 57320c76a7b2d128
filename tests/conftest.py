"""Fixtures shared by the bench's own tests."""

import pytest

from tests.tshark import find_tshark


@pytest.fixture
def tshark() -> str:
    """Path of tshark; skipped without it on a developer machine, failed under CI."""
    return find_tshark()


@pytest.hookimpl(trylast=True)  # after the folders' own groups (tests/rigs/profile)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test``: ``--dist loadgroup``), tests that share a
    module- or session-scoped fixture of the bench's own tests (a conformance run, a
    browser, an emulated rig) run on one worker, so the fixture runs once, not once per
    worker. An explicit ``xdist_group`` mark stays as it is."""
    groups: dict[str, str] = {}  # a shared fixture's key -> the group it belongs to

    def root(key: str) -> str:
        while groups.get(key, key) != key:
            key = groups[key]
        return key

    sharing: dict[pytest.Item, list[str]] = {}
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        if info is None or item.get_closest_marker("xdist_group") is not None:
            continue
        keys = [
            f"{definition.baseid}::{name}" if definition.scope == "session" else item.nodeid.split("::")[0]
            for name, definitions in info.name2fixturedefs.items()
            for definition in definitions[-1:]
            if definition.scope in ("module", "session") and definition.baseid  # not a plugin's
        ]
        if keys:
            sharing[item] = keys
            for key in keys[1:]:
                groups[root(key)] = root(keys[0])
    for item, keys in sharing.items():
        item.add_marker(pytest.mark.xdist_group(root(keys[0])))
