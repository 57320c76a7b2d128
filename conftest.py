"""Registers the bench's pytest plugins and step libraries; nothing else lives here."""

pytest_plugins = [
    "fixtures.options",
    "fixtures.tags",
    "fixtures.bench",
    "fixtures.evidence",
    "fixtures.verdicts",
    "steps.join_steps",
    "steps.link_security_steps",
    "steps.metering_steps",
]
