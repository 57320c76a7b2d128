"""Hardware in the loop: the rigs a real terminal is attached to.

Laid out as labgrid is (STYLE.md): *resources* are passive descriptions read from the
rig file (:mod:`rigs.resources`, :mod:`rigs.rigfile`); *drivers* bind to them and
implement the small *protocols* steps ask for (:mod:`rigs.protocols`). One driver per
module, named after its class. ``python -m rigs.check RIG.yaml`` checks a rig before a run.
"""

from __future__ import annotations

from conformance.errors import BenchError
from conformance.redaction import redact


class RigError(BenchError):
    """A part of the rig broke: it timed out, refused a command or went away.

    A bench error, not a terminal defect (DESIGN.md rule 6): the scenario in flight is
    *broken*, the message names the resource and the command, and the run goes on.
    """

    def __init__(self, resource: str, command: str, problem: str) -> None:
        problem = redact(problem)  # a part may echo what the bench sent it: the password too
        super().__init__(redact(f"{resource}: {command}: {problem}"))
        self.resource, self.command, self.problem = resource, command, problem
