"""Registers the bench's pytest plugins and step libraries; nothing else lives here.

Every module ``steps/<area>_steps.py`` is a step library and is registered here.
"""

from pathlib import Path

pytest_plugins = [
    "fixtures.options",
    "fixtures.tags",
    "fixtures.bench",
    "fixtures.evidence",
    "fixtures.verdicts",
    *(f"steps.{path.stem}" for path in sorted((Path(__file__).parent / "steps").glob("*_steps.py"))),
]
