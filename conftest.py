"""Registers the bench's pytest plugins and step libraries; nothing else lives here.

Every module of the ``steps`` package is a step library, one per feature area, and is
registered here: the same sub-package scan that finds fault areas and terminal functions.
``steps.common`` (the capability getters the libraries share) defines no steps.
"""

import pkgutil

import steps

pytest_plugins = [
    "fixtures.options",
    "fixtures.tags",
    "fixtures.bench",
    "fixtures.evidence",
    "fixtures.verdicts",
    "fixtures.monitors",
    "fixtures.step_lookup",
    *(f"steps.{module.name}" for module in pkgutil.iter_modules(steps.__path__) if module.name != "common"),
]
