"""Every boundary where a terminal's, a rig's or a file's bytes enter the bench, fed the
corpus of real inputs from the bench's own captures and hypothesis's mutations of them:
each input is decoded or answered with the target's own error family, never another
exception (STYLE.md: "random bytes give a protocol error, never another exception").

The longer, coverage-guided run of the same targets is ``make fuzz`` (tests/fuzz/run.py)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.targets import TARGETS, Target, seeds


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_has_real_seeds(name: str) -> None:
    assert seeds(TARGETS[name].layer), f"no corpus for {name}: run python -m tests.fuzz.corpus"


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_seed_passes_its_target(name: str) -> None:
    target = TARGETS[name]
    for seed in seeds(target.layer):
        target(seed)


@pytest.mark.parametrize("name", sorted(name for name, target in TARGETS.items() if target.expected))
def test_most_seeds_are_real_inputs_that_decode(name: str) -> None:
    # Not all: the captures hold the malformed frames, tampered images and refusals the
    # scenarios send on purpose, and those are good seeds too.
    target, clean = TARGETS[name], 0
    for seed in seeds(target.layer):
        try:
            target.run(seed)
            clean += 1
        except target.expected:
            pass
    assert clean >= len(seeds(target.layer)) / 2, f"{name}: {clean} of {len(seeds(target.layer))} decode"


def _mutated(target: Target) -> st.SearchStrategy[bytes]:
    corpus = seeds(target.layer)

    @st.composite
    def mutate(draw) -> bytes:
        data = bytearray(draw(st.sampled_from(corpus)))
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete", "splice"]))
            at = draw(st.integers(0, max(0, len(data) - 1)))
            if kind == "flip" and data:
                data[at] ^= 1 << draw(st.integers(0, 7))
            elif kind == "set" and data:
                data[at] = draw(st.sampled_from([0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF]))
            elif kind == "cut":
                del data[at:]
            elif kind == "insert":
                data[at:at] = draw(st.binary(min_size=1, max_size=8))
            elif kind == "delete":
                del data[at : at + draw(st.integers(1, 8))]
            elif kind == "splice":
                other = draw(st.sampled_from(corpus))
                data[at:] = other[draw(st.integers(0, len(other))) :]
        return bytes(data)

    return st.one_of(mutate(), st.binary(max_size=64))


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_mutations_of_real_inputs_are_decoded_or_refused_by_the_target(name: str) -> None:
    target = TARGETS[name]
    examples = 60 if name in ("declaration", "rig-file", "pcap") else 250

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=_mutated(target))
    def check(data: bytes) -> None:
        target(data)

    check()
