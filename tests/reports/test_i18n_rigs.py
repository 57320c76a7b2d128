"""The rig's messages in the Japanese report (issue 15): what the drivers, the HIL profile
and the rig check raise is extracted from ``rigs/`` (``reports.i18n.sources``) and
translated; a ``RigError`` keeps its part and command as the rig file names them and
translates its problem."""

from __future__ import annotations

from reports.i18n import sources
from reports.i18n.catalogue import fresh_translator


def test_the_rigs_messages_are_extracted_and_the_emulators_are_not() -> None:
    origins = {text.origin.split(":")[0] for text in sources.code_texts() if text.origin.startswith("rigs/")}
    assert {"rigs/drivers/skstackradio.py", "rigs/check.py", "rigs/profile/route.py"} <= origins
    assert not [origin for origin in origins if origin.startswith("rigs/emulators/")]


def test_a_rig_error_keeps_its_part_and_command_and_translates_the_problem() -> None:
    ja = fresh_translator("ja")
    silent = "rigs.RigError: wisun-radio on /dev/pts/0: SKRESET: no answer within 2.0 s"
    assert ja.message(silent) == "エラー（リグ）: wisun-radio on /dev/pts/0: SKRESET: 2.0秒以内に応答がない"
    unreachable = "rigs.RigError: io: connect: cannot reach tcp 127.0.0.1:5020"
    assert ja.message(unreachable) == "エラー（リグ）: io: connect: tcp 127.0.0.1:5020に到達できない"
    assert not ja.missed


def test_a_capability_a_rig_lacks_is_explained_in_japanese() -> None:
    ja = fresh_translator("ja")
    reason = "the rig cannot make the IoT route lose a set share of frames"
    assert ja(reason) == "リグはIoTルートで決まった割合のフレームを失わせることができない"
    assert not ja.missed
