"""Wireshark as an independent oracle: captures the codecs write dissect cleanly."""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import re
from collections.abc import Iterable
from pathlib import Path

from conformance.protocols import pana, sixlowpan, wpan
from conformance.protocols.pcap import PcapWriter
from tests.protocols.test_sixlowpan import VECTORS as SIXLOWPAN_VECTORS
from tests.protocols.wpan.support import ANNEX_C_KEY, ANNEX_C_VECTORS, PLAINTEXT_VECTORS
from tests.tshark import run_tshark

METER = bytes.fromhex("001d129f35c1a2b3")
TERMINAL = bytes.fromhex("001d129f35c1c4d5")
PAN_ID = 0x1234
KEY = bytes.fromhex("00112233445566778899aabbccddeeff")
KEY_INDEX = 1
CHANNEL = 33
RSSI_DBM = -63.5
# RFC 5191 PANA header: reserved 0, length 16, flags 0, type 1 (PCI), session 0, seq 1.
PANA_PCI = bytes.fromhex("0000 0010 0000 0001 00000000 00000001")


def _write(path: Path, frames: Iterable[bytes]) -> Path:
    stream = io.BytesIO()
    writer = PcapWriter(stream, epoch=1_700_000_000.0)
    for number, frame in enumerate(frames):
        writer.write(timestamp=number * 0.01, frame=frame, channel=CHANNEL, rssi_dbm=RSSI_DBM)
    path.write_bytes(stream.getvalue())
    return path


def _assert_clean(block: str) -> None:
    assert "Malformed" not in block, block
    assert "Expert Info (Error" not in block, block
    assert "Expert Info (Warning" not in block, block
    assert re.search(r"FCS: 0x[0-9a-f]{4} \(Correct\)", block), block
    assert f"RSS: {RSSI_DBM:.2f} dBm" in block, block
    assert f"Channel: {CHANNEL}" in block and "Page: SUN (9)" in block, block


def _iot_route_frames() -> list[bytes]:
    datagram = sixlowpan.UdpDatagram(
        src=sixlowpan.mac_to_link_local(TERMINAL),
        dst=sixlowpan.mac_to_link_local(METER),
        src_port=pana.PANA_PORT,
        dst_port=pana.PANA_PORT,
        payload=PANA_PCI,
    )
    lowpan = sixlowpan.encode_udp(datagram, src_mac=TERMINAL, dst_mac=METER)

    def data(sequence_number: int) -> wpan.Frame:
        return wpan.data_frame(
            sequence_number=sequence_number,
            pan_id=PAN_ID,
            src_addr=TERMINAL,
            dst_addr=METER,
            payload=lowpan,
            ack_request=True,
        )

    security = wpan.AuxSecurityHeader(frame_counter=42, key_index=KEY_INDEX)
    return [
        wpan.encode(
            wpan.enhanced_beacon_request(sequence_number=1, src_addr=TERMINAL, pairing_id="IOT00901")
        ),
        wpan.encode(
            wpan.enhanced_beacon(sequence_number=7, src_addr=METER, pan_id=PAN_ID, pairing_id="IOT00901")
        ),
        wpan.encode(wpan.ack(sequence_number=7)),
        wpan.encode(data(2)),
        wpan.secure(dataclasses.replace(data(3), security=security), KEY),
    ]


def _assert_pana_over_udp(block: str) -> None:
    assert "Source Address: fe80::21d:129f:35c1:c4d5" in block, block
    assert "Destination Address: fe80::21d:129f:35c1:a2b3" in block, block
    # 716 is the oracle here: tshark names the port IANA assigned to PANA (RFC 5191 section 6.1).
    assert "Source Port: 716" in block and "[Checksum Status: Good]" in block, block
    assert "PANA Message Type: PANA-Client-Initiation" in block, block


def test_iot_route_frames_dissect_and_decrypt(tshark: str, tmp_path: Path) -> None:
    capture = _write(tmp_path / "iot-route.pcap", _iot_route_frames())
    blocks = run_tshark(tshark, capture, keys=[(KEY, KEY_INDEX)], config_dir=tmp_path)
    assert len(blocks) == 5
    for block in blocks:
        _assert_clean(block)
    ebr, eb, ack, plain, secured = blocks
    assert re.search(r"Command Identifier: .*\(0x07\)", ebr), ebr
    assert "Vendor OUI: 02:4a:50" in ebr and "IOT00901" in ebr, ebr
    assert "Enhanced Beacon" in eb and "Source PAN: 0x1234" in eb, eb
    assert "Vendor OUI: 02:4a:50" in eb and "IOT00901" in eb, eb
    assert "Frame Type: Ack" in ack and "Sequence Number: 7" in ack, ack
    _assert_pana_over_udp(plain)
    assert "Security Enabled: True" in secured, secured
    assert "Frame Counter: 42" in secured and f"Key Index: 0x{KEY_INDEX:02x}" in secured, secured
    _assert_pana_over_udp(secured)


def test_wrong_key_leaves_the_secured_frame_undecrypted(tshark: str, tmp_path: Path) -> None:
    # Negative control: the decryption check above is not vacuous.
    capture = _write(tmp_path / "secured.pcap", _iot_route_frames()[-1:])
    (block,) = run_tshark(tshark, capture, keys=[(bytes(16), KEY_INDEX)], config_dir=tmp_path)
    assert "can't decrypt" in block and "PANA" not in block, block


def _carrying(payload: bytes, src_mac: bytes | int, dst_mac: bytes | int) -> bytes:
    return wpan.encode(
        wpan.Frame(
            frame_type=wpan.FrameType.DATA,
            sequence_number=9,
            dst_pan=PAN_ID,
            dst_addr=dst_mac,
            src_pan=None,
            src_addr=src_mac,
            payload=payload,
        )
    )


def test_sixlowpan_vectors_match_wiresharks_reading(tshark: str, tmp_path: Path) -> None:
    frames = [_carrying(octets, src, dst) for _, _, src, dst, octets in SIXLOWPAN_VECTORS]
    capture = _write(tmp_path / "sixlowpan.pcap", frames)
    blocks = run_tshark(tshark, capture, config_dir=tmp_path)
    assert len(blocks) == len(SIXLOWPAN_VECTORS)
    for (name, datagram, *_), block in zip(SIXLOWPAN_VECTORS, blocks, strict=True):
        _assert_clean(block)
        ipv6 = block[block.index("Internet Protocol Version 6") :]
        src, dst = (ipaddress.IPv6Address(a).compressed for a in (datagram.src, datagram.dst))
        assert f"Source Address: {src}\n" in ipv6, name
        assert f"Destination Address: {dst}\n" in ipv6, name
        assert f"Hop Limit: {datagram.hop_limit}\n" in ipv6, name
        assert f"Source Port: {datagram.src_port}\n" in ipv6, name
        assert f"Destination Port: {datagram.dst_port}\n" in ipv6, name
        assert "[Checksum Status: Good]" in ipv6, name


def _secured_variants() -> list[tuple[str, wpan.Frame]]:
    plain = wpan.decode(_iot_route_frames()[3])
    variants = [
        (f"level {level}", dataclasses.replace(plain, security=_security(level))) for level in range(1, 8)
    ]
    variants.append(
        (
            "header and payload IEs",
            dataclasses.replace(
                plain,
                security=_security(5),
                header_ies=(wpan.HeaderIE(element_id=0x00, content=b"\x50\x4a\x02abc"),),
                payload_ies=(wpan.pairing_id_ie("IOT00901"),),
            ),
        )
    )
    command = wpan.Frame(
        frame_type=wpan.FrameType.MAC_COMMAND,
        dst_pan=PAN_ID,
        dst_addr=METER,
        src_pan=None,
        src_addr=TERMINAL,
        security=_security(5),
        command_id=0x04,  # data request: the Command ID is private from 2015 on
    )
    variants.append(("version 2 MAC command", command))
    return variants


def _security(level: int) -> wpan.AuxSecurityHeader:
    return wpan.AuxSecurityHeader(security_level=level, frame_counter=1000 + level, key_index=KEY_INDEX)


def test_every_security_level_and_layout_decrypts(tshark: str, tmp_path: Path) -> None:
    variants = _secured_variants()
    capture = _write(tmp_path / "levels.pcap", (wpan.secure(f, KEY) for _, f in variants))
    blocks = run_tshark(tshark, capture, keys=[(KEY, KEY_INDEX)], config_dir=tmp_path)
    assert len(blocks) == len(variants)
    for (name, frame), block in zip(variants, blocks, strict=True):
        _assert_clean(block)
        assert f"Frame Counter: {frame.security.frame_counter}" in block, name  # type: ignore[union-attr]
        if frame.frame_type is wpan.FrameType.MAC_COMMAND:
            assert re.search(r"Command Identifier: .*\(0x04\)", block), block
        else:
            _assert_pana_over_udp(block)
        if frame.payload_ies:
            assert "Vendor OUI: 02:4a:50" in block and "IOT00901" in block, block


def test_wpan_golden_vectors_dissect_cleanly(tshark: str, tmp_path: Path) -> None:
    # The vectors' payloads are arbitrary octets (the standard's "abcd" among them), so the
    # 6LoWPAN and ZigBee heuristics are kept off: the MAC layer is what is checked here.
    vectors = PLAINTEXT_VECTORS + ANNEX_C_VECTORS
    capture = _write(tmp_path / "vectors.pcap", (octets for _, _, octets in vectors))
    keys = [(KEY, KEY_INDEX), (ANNEX_C_KEY, 0)]  # Annex C uses key identifier mode 0
    heuristics = ["6lowpan_wlan", "zbee_nwk_wpan", "zbee_nwk_gp_wlan", "lwm_wlan"]
    blocks = run_tshark(tshark, capture, keys=keys, disabled_heuristics=heuristics, config_dir=tmp_path)
    assert len(blocks) == len(vectors)
    for (name, frame, _), block in zip(vectors, blocks, strict=True):
        _assert_clean(block)
        if frame.security is not None:
            assert f"Frame Counter: {frame.security.frame_counter}" in block, name


def test_echo_request_and_reply_dissect_as_pings(tshark: str, tmp_path: Path) -> None:
    request = sixlowpan.echo_request(
        src=sixlowpan.mac_to_link_local(METER),
        dst=sixlowpan.mac_to_link_local(TERMINAL),
        identifier=0x4A50,
        sequence=7,
        data=b"IoT-route",
    )
    reply = sixlowpan.echo_reply_to(request)
    frames = [
        wpan.encode(
            wpan.data_frame(
                sequence_number=number,
                pan_id=PAN_ID,
                src_addr=src,
                dst_addr=dst,
                payload=sixlowpan.encode_icmpv6(message, src_mac=src, dst_mac=dst),
                ack_request=True,
            )
        )
        for number, (message, src, dst) in enumerate([(request, METER, TERMINAL), (reply, TERMINAL, METER)])
    ]
    capture = _write(tmp_path / "ping.pcap", frames)
    blocks = run_tshark(tshark, capture, config_dir=tmp_path)
    assert len(blocks) == 2
    for message, kind, block in zip((request, reply), ("request", "reply"), blocks, strict=True):
        _assert_clean(block)
        ipv6 = block[block.index("Internet Protocol Version 6") :]
        src, dst = (ipaddress.IPv6Address(a).compressed for a in (message.src, message.dst))
        assert f"Source Address: {src}\n" in ipv6 and f"Destination Address: {dst}\n" in ipv6, block
        assert "Next Header: ICMPv6 (58)" in ipv6 and "Hop Limit: 64\n" in ipv6, block
        assert f"Type: Echo (ping) {kind} ({message.type})" in ipv6, block
        assert "[Checksum Status: Good]" in ipv6, block
        assert "Identifier: 0x4a50" in ipv6 and "Sequence: 7\n" in ipv6, block
        assert "Data: " + b"IoT-route".hex() in ipv6, block
    # Wireshark pairs them by addresses, identifier and sequence (one pass: only backwards).
    assert "[Response To: 1]" in blocks[1], blocks[1]
