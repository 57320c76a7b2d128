"""What an ECHONET Lite node's own objects say about themselves, judged against the rules of
ECHONET Lite, from the values the node answered (a Get of each property).

A node's property maps and its node profile are its self-description: a controller on the
home network learns from them which properties to expect announcements of and how many
objects the node holds. Two rules are judged here, both from the values alone:

* The status change announcement property map (0x9D) names at least the properties that
  the object's class makes announcement at status change mandatory for, and only properties
  the object serves (its Get property map 0x9F lists them). ECHONET Lite Part II, Appendix 1
  (property map description format) and the class tables: the device object super class
  (APPENDIX Detailed Requirements for ECHONET Device Objects, ch. 2, "Announcement at status
  change" column) marks it mandatory for operation status 0x80, installation location 0x81
  and fault status 0x88; the node profile class (Part II 6.11.1) for operating status 0x80
  and instance list notification 0xD5.
* The node profile's counts agree with its lists (Part II 6.11.1): the number of self-node
  instances (0xD3, 3 octets) is the number of instances the self-node instance list S (0xD6:
  a count octet, then up to 84 EOJs) holds, and the number of self-node classes (0xD4,
  2 octets, the node profile's class included) is one more than the classes of the self-node
  class list S (0xD7: a count octet, then up to 84 class codes).

The ECHONET Lite specification is not in the bench's seed texts; the clauses are cited by
number and paraphrased, not quoted.
"""

from __future__ import annotations

from conformance.protocols import echonet
from conformance.protocols.errors import DecodeError

STATUS_ANNOUNCEMENT_MAP, SET_MAP, GET_MAP = 0x9D, 0x9E, 0x9F
# Announcement at status change marked mandatory ("○" in the class tables).
MANDATORY_ANNOUNCEMENTS = {
    (0x0E, 0xF0): (0x80, 0xD5),  # node profile, Part II 6.11.1
}
DEVICE_SUPER_CLASS_ANNOUNCEMENTS = (0x80, 0x81, 0x88)  # APPENDIX ch. 2, every device object
LIST_LIMIT = 84  # Part II 6.11.1: 0xD6 and 0xD7 list at most 84 entries


def mandatory_announcements(eoj: echonet.Eoj) -> tuple[int, ...]:
    """The EPCs an object of this class must announce at status change; profile classes
    (class group 0x0E) have only what their own table says."""
    own = MANDATORY_ANNOUNCEMENTS.get((eoj.class_group, eoj.class_code))
    if own is not None:
        return own
    return () if eoj.class_group == 0x0E else DEVICE_SUPER_CLASS_ANNOUNCEMENTS


def announcement_map_problems(eoj: echonet.Eoj, maps: dict[int, list[int]]) -> list[str]:
    """What is wrong with an object's 0x9D map, given the decoded maps it answered."""
    announced = maps.get(STATUS_ANNOUNCEMENT_MAP)
    if announced is None:
        return [f"object {eoj} did not answer its status change announcement property map 0x9D"]
    problems = []
    missing = [epc for epc in mandatory_announcements(eoj) if epc not in announced]
    if missing:
        problems.append(
            f"object {eoj}'s status change announcement property map 0x9D leaves out "
            f"{_epcs(missing)}, which its class must announce at status change"
        )
    gettable = maps.get(GET_MAP)
    if gettable is not None:
        unserved = [epc for epc in announced if epc not in gettable]
        if unserved:
            problems.append(
                f"object {eoj}'s status change announcement property map 0x9D lists {_epcs(unserved)}, "
                "which its Get property map 0x9F does not: a property it does not serve"
            )
    return problems


def _listed(edt: bytes, width: int, what: str) -> int:
    """The count octet of an instance or class list, checked against the octets after it."""
    if not edt:
        raise DecodeError(f"{what} is empty")
    count = edt[0]
    if len(edt) != 1 + min(count, LIST_LIMIT) * width:
        raise DecodeError(f"{what} says {count} entries but holds {len(edt) - 1} octets after its count")
    return count


def node_profile_problems(values: dict[int, bytes]) -> list[str]:
    """What is wrong between the node profile's counts and its lists (the EDTs it answered;
    a property it did not answer is left to the map checks)."""
    problems = []
    try:
        if 0xD3 in values and 0xD6 in values:
            instances = int.from_bytes(values[0xD3], "big")
            listed = _listed(values[0xD6], 3, "the self-node instance list S (0xD6)")
            if len(values[0xD3]) != 3 or instances != listed:
                problems.append(
                    f"the node profile's number of self-node instances (0xD3) is {instances} "
                    f"(0x{values[0xD3].hex()}), but its self-node instance list S (0xD6) holds {listed}"
                )
        if 0xD4 in values and 0xD7 in values:
            classes = int.from_bytes(values[0xD4], "big")
            listed = _listed(values[0xD7], 2, "the self-node class list S (0xD7)")
            if len(values[0xD4]) != 2 or classes != listed + 1:
                problems.append(
                    f"the node profile's number of self-node classes (0xD4) is {classes}, but its "
                    f"self-node class list S (0xD7) holds {listed} classes besides the node profile's"
                )
    except DecodeError as exc:
        problems.append(f"the node profile answered a list that does not decode: {exc}")
    return problems


def _epcs(epcs: list[int]) -> str:
    return ", ".join(f"0x{epc:02X}" for epc in epcs)
