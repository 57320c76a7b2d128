"""The self-description rules of conformance/observe/echonet_objects.py on hand-made values."""

from __future__ import annotations

from conformance.observe.echonet_objects import announcement_map_problems, node_profile_problems
from conformance.protocols import echonet

CONTROLLER_MAPS = {0x9D: [0x80, 0x81, 0x88], 0x9F: [0x80, 0x81, 0x82, 0x88, 0x8A, 0x9D, 0x9E, 0x9F]}
PROFILE = {
    0xD3: (1).to_bytes(3, "big"),
    0xD4: (2).to_bytes(2, "big"),
    0xD6: b"\x01" + bytes(echonet.CONTROLLER),
    0xD7: b"\x01\x05\xff",
}


def test_the_reference_controller_map_and_node_profile_pass() -> None:
    assert announcement_map_problems(echonet.CONTROLLER, CONTROLLER_MAPS) == []
    profile_maps = {0x9D: [0x80, 0xD5], 0x9F: [0x80, 0xD5, 0x9D, 0x9F]}
    assert announcement_map_problems(echonet.NODE_PROFILE, profile_maps) == []
    assert node_profile_problems(PROFILE) == []


def test_an_announcement_map_without_a_mandatory_announcement_fails() -> None:
    problems = announcement_map_problems(echonet.CONTROLLER, {**CONTROLLER_MAPS, 0x9D: [0x80, 0x82, 0x88]})
    assert len(problems) == 1 and "leaves out 0x81" in problems[0]


def test_an_announcement_map_listing_an_unserved_property_fails() -> None:
    problems = announcement_map_problems(
        echonet.CONTROLLER, {**CONTROLLER_MAPS, 0x9D: [0x80, 0x81, 0x88, 0xF0]}
    )
    assert len(problems) == 1 and "0xF0" in problems[0]


def test_an_object_without_an_announcement_map_fails() -> None:
    assert announcement_map_problems(echonet.CONTROLLER, {0x9F: [0x80]})


def test_node_profile_counts_must_match_their_lists() -> None:
    problems = node_profile_problems({**PROFILE, 0xD3: (2).to_bytes(3, "big")})
    assert len(problems) == 1 and "0xD3" in problems[0] and "holds 1" in problems[0]
    problems = node_profile_problems({**PROFILE, 0xD4: (3).to_bytes(2, "big")})
    assert len(problems) == 1 and "0xD4" in problems[0]


def test_a_list_whose_count_disagrees_with_its_octets_is_named_not_raised() -> None:
    problems = node_profile_problems({**PROFILE, 0xD6: b"\x02" + bytes(echonet.CONTROLLER)})
    assert len(problems) == 1 and "does not decode" in problems[0]
    assert node_profile_problems({**PROFILE, 0xD6: b""})
