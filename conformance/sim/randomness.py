"""Named, independent random streams derived from one run seed.

Each component draws from its own stream, so adding a draw in one twin does not
shift the numbers another twin sees: a failure with ``--seed N`` replays exactly.
"""

from __future__ import annotations

import hashlib
import random


def stream(seed: int, name: str) -> random.Random:
    """A ``random.Random`` for component ``name`` under run ``seed``."""
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))
