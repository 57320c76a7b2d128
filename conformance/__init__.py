"""Conformance bench for smart-meter IoT-route wireless terminals."""

__version__ = "0.1.0"
