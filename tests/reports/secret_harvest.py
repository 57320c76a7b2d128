"""A test-only pytest plugin: what secrets each scenario's bench held, for the leak scans.

Loaded into the conformance run of tests/reports (``-p tests.reports.secret_harvest``)
and never into ``make conformance``. At the end of every scenario it appends, to the
file named by ``IOTROUTE_SECRETS_FILE`` (outside the results, the report and the
bundle), the declaration's password, the PSK derived from it, every password the
smart-meter side holds and every HAN group key the smart meters issued.
"""

from __future__ import annotations

import json
import os

import pytest

from conformance.twin.credentials import psk_from_password
from fixtures.bench import BENCH

SECRETS_FILE = "IOTROUTE_SECRETS_FILE"


@pytest.hookimpl
def pytest_bdd_after_scenario(request: pytest.FixtureRequest, feature, scenario) -> None:
    bench = request.node.stash.get(BENCH, None)
    target = os.environ.get(SECRETS_FILE)
    if bench is None or not target:
        return
    passwords = {bench.declaration.credentials.password.get_secret_value(), *bench.route.secrets()}
    keys = [psk_from_password(p) for p in passwords] + list(bench.route.issued_keys())
    with open(target, "a", encoding="utf-8") as out:
        out.write(json.dumps({"passwords": sorted(passwords), "keys": sorted(k.hex() for k in keys)}) + "\n")
