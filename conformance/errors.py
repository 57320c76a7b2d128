"""Errors that decide a scenario's verdict (DESIGN.md rule 6, after ISO/IEC 9646).

* ``TerminalFailure`` (an ``AssertionError``): the terminal violated a requirement.
  pytest and Allure report it as *failed*.
* ``BenchError``: the bench, a twin of the bench's side or a rig broke. Any exception
  other than an assertion is reported as *broken*; the message names the part.
* ``NotApplicable``: the terminal's declaration says the feature is absent, or the
  profile or rig lacks a capability the scenario needs. The fixtures turn it into a skip
  with the reason (``fixtures/verdicts.py``); the core never imports pytest.
"""


class TerminalFailure(AssertionError):
    """The terminal under test violated the requirement being checked."""


class BenchError(Exception):
    """The bench or a rig failed; the verdict is *broken*, not a terminal defect."""


class NotApplicable(BaseException):
    """The scenario does not apply: the declaration says the feature is absent, or the
    profile or rig lacks the capability (the reason says which).

    A ``BaseException``, as pytest's own skip is, so that no ``except Exception`` on the
    way (a step library, pytest-bdd's step-error hook) mistakes it for a broken bench.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
