"""Errors that decide a scenario's verdict (DESIGN.md rule 6, after ISO/IEC 9646).

* ``TerminalFailure`` (an ``AssertionError``): the terminal violated a requirement.
  pytest and Allure report it as *failed*.
* ``BenchError``: the bench, a twin of the bench's side or a rig broke. Any exception
  other than an assertion is reported as *broken*; the message names the part.
* Not applicable: ``pytest.skip`` with the declaration's reason.
"""


class TerminalFailure(AssertionError):
    """The terminal under test violated the requirement being checked."""


class BenchError(Exception):
    """The bench or a rig failed; the verdict is *broken*, not a terminal defect."""
