"""Fixtures shared by the bench's own tests."""

import pytest

from tests.tshark import find_tshark


@pytest.fixture
def tshark() -> str:
    """Path of tshark; skipped without it on a developer machine, failed under CI."""
    return find_tshark()
