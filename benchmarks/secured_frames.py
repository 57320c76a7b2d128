"""How fast the bench secures and unsecures 802.15.4 frames, against raw AES-CCM.

The bench's path (``wpan.secure``: MHR, CCM*, FCS; ``wpan.unsecure``: FCS check, parse,
CCM*, a ``Frame``) runs over data frames carrying 6LoWPAN/UDP payloads of typical sizes.
The baseline is ``cryptography``'s AES-CCM alone on the very same nonces, AAD and
plaintexts, one ``AESCCM`` object reused: the crypto a codec cannot avoid. The ratio
bench/raw is the figure to watch; half the raw rate or better is the aim.

Two more figures, for information, time what the twins' link layer does around those
calls (conformance/twin/link.py): to send, it builds the Auxiliary Security Header and
puts it into the frame with ``dataclasses.replace`` before ``secure``; on reception it
``decode``s every frame to dispatch it, then ``unsecure``s the secured ones.

Two last ones, for information too, are the floor: the least Python that any codec of
these frames runs around the CCM call (``floor_encode``, ``floor_decode``). Their ratio to
raw is the best the bench's ratio could be, and the gap between the bench and the floor is
what its checks and its Frame objects cost.

    python -m benchmarks.secured_frames [--frames N] [--repeat N]
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import statistics
import struct
import time
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESCCM
from fastcrc import crc16

from benchmarks.figures import HIGHER, keep
from conformance.protocols import dlms, sixlowpan, wpan

KEY = bytes.fromhex("c0c1c2c3c4c5c6c7c8c9cacbcccdcecf")
TERMINAL = bytes.fromhex("001D129F35000A01")
METER = bytes.fromhex("0212340000000001")
PAN_ID = 0x1000
# MAC payload sizes (IPHC + UDP NHC + UDP data): a short reading, a PANA message with
# EAP-PSK, a long one (a 143-octet MPDU: more than the 127 octets of the 2006 PHYs, which
# the SUN PHY of Wi-SUN HAN carries).
PAYLOAD_SIZES = (40, 80, 110)
MIC_LENGTH = 4  # security level 5, ENC-MIC-32 (9.4, Table 9-6), what the twins use


@dataclasses.dataclass(frozen=True, slots=True)
class Case:
    """One secured frame, as the bench sees it and as raw CCM sees it."""

    frame: wpan.Frame
    unsecured: wpan.Frame  # the same frame before the link layer adds its security header
    raw: bytes  # the MPDU with FCS, from wpan.secure
    nonce: bytes
    aad: bytes
    plaintext: bytes
    ciphertext: bytes  # encrypted payload and MIC


def _udp_payload(src: bytes, dst: bytes, size: int, seed: int) -> bytes:
    """A 6LoWPAN/UDP MAC payload of exactly ``size`` octets (DLMS port, full compression)."""

    def encode(data: bytes) -> bytes:
        datagram = sixlowpan.UdpDatagram(
            src=sixlowpan.mac_to_link_local(src),
            dst=sixlowpan.mac_to_link_local(dst),
            src_port=dlms.DLMS_PORT,
            dst_port=dlms.DLMS_PORT,
            payload=data,
        )
        return sixlowpan.encode_udp(datagram, src_mac=src, dst_mac=dst)

    overhead = len(encode(b""))
    data = bytes((seed * 31 + i) & 0xFF for i in range(size - overhead))
    payload = encode(data)
    if len(payload) != size:
        raise RuntimeError(f"a {size}-octet 6LoWPAN payload came out as {len(payload)} octets")
    return payload


def _mhr(src: bytes, dst: bytes, sequence: int, counter: int) -> bytes:
    """The AAD, written out from 7.2 and 9.4 rather than taken from the codec."""
    # Data, Security Enabled, AR, dst and src extended, frame version 2; PAN ID
    # Compression 0: with two extended addresses the dst PAN alone says so (Table 7-2).
    control = 0b001 | 1 << 3 | 1 << 5 | 0b11 << 10 | 0b10 << 12 | 0b11 << 14
    level_5_key_id_mode_1 = 5 | 1 << 3
    return (
        struct.pack("<HBH", control, sequence, PAN_ID)
        + dst[::-1]
        + src[::-1]
        + struct.pack("<BIB", level_5_key_id_mode_1, counter, 1)
    )


def build_cases(count: int) -> list[Case]:
    """``count`` data frames, both directions, the three payload sizes in turn."""
    cases = []
    ccm = AESCCM(KEY, tag_length=MIC_LENGTH)
    for n in range(count):
        src, dst = (TERMINAL, METER) if n % 2 else (METER, TERMINAL)
        size = PAYLOAD_SIZES[n % len(PAYLOAD_SIZES)]
        sequence, counter = n % 256, 1000 + n
        frame = wpan.data_frame(
            sequence_number=sequence,
            pan_id=PAN_ID,
            src_addr=src,
            dst_addr=dst,
            payload=_udp_payload(src, dst, size, n),
            ack_request=True,
        )
        unsecured = frame
        frame = dataclasses.replace(
            frame, security=wpan.AuxSecurityHeader(frame_counter=counter, key_index=1)
        )
        # CCM* nonce (9.3.2): source EUI-64, frame counter, security level, big-endian.
        nonce = src + struct.pack(">IB", counter, 5)
        aad = _mhr(src, dst, sequence, counter)
        ciphertext = ccm.encrypt(nonce, frame.payload, aad)
        raw = wpan.secure(frame, KEY)
        if raw[:-2] != aad + ciphertext:
            raise RuntimeError("the raw baseline does not build the frame the bench builds")
        cases.append(Case(frame, unsecured, raw, nonce, aad, frame.payload, ciphertext))
    return cases


_FLOOR_HEADER = struct.Struct("<HBH8s8sBIB")  # Frame Control .. Key Index, as _mhr writes it
_FLOOR_FIELDS = struct.Struct("<HBH16xBIB")  # the same without the addresses
_FLOOR_NONCE = struct.Struct(">8sIB")


def floor_encode(ccm: AESCCM, frames: list[wpan.Frame]) -> list[bytes]:
    """secure() cut to what no codec can skip: read the fields, pack the MHR and the nonce,
    encrypt, append the FCS. It checks nothing (not the frame's shape, not the key) and
    trusts every frame to be one of this benchmark's (Frame Pending 0, AR 1, key index 1)."""
    pack, nonce, encrypt, fcs = _FLOOR_HEADER.pack, _FLOOR_NONCE.pack, ccm.encrypt, crc16.kermit
    out = []  # kept so that check_floors can compare; appending costs some 0.02 us a frame
    for frame in frames:
        security = frame.security
        src, dst, counter = frame.src_addr, frame.dst_addr, security.frame_counter  # type: ignore[union-attr]
        aad = pack(
            0xEC29,  # data, Security Enabled, AR, two extended addresses, frame version 2 (_mhr)
            frame.sequence_number,
            frame.dst_pan,
            dst[::-1],  # type: ignore[index]
            src[::-1],  # type: ignore[index]
            0x0D,  # level 5, key identifier mode 1
            counter,
            security.key_index,  # type: ignore[union-attr]
        )
        mpdu = aad + encrypt(nonce(src, counter, 5), frame.payload, aad)
        out.append(mpdu + fcs(mpdu).to_bytes(2, "little"))
    return out


def floor_decode(ccm: AESCCM, raws: list[bytes]) -> list[bytes]:
    """unsecure() cut to what no codec can skip: unpack the header, check the FCS, decrypt.
    It builds no Frame and checks nothing else (not the frame's shape, not the key)."""
    unpack, nonce, decrypt, fcs = _FLOOR_FIELDS.unpack_from, _FLOOR_NONCE.pack, ccm.decrypt, crc16.kermit
    out = []
    for raw in raws:
        counter = unpack(raw)[4]
        if fcs(raw):
            raise ValueError("bad FCS")
        out.append(decrypt(nonce(raw[20:12:-1], counter, 5), raw[27:-2], raw[:27]))
    return out


def check_floors(cases: list[Case]) -> None:
    """The floors do the bench's work: the same octets, the same plaintexts."""
    ccm = AESCCM(KEY, tag_length=MIC_LENGTH)
    if floor_encode(ccm, [c.frame for c in cases]) != [c.raw for c in cases]:
        raise RuntimeError("floor_encode does not build the frames the bench builds")
    if floor_decode(ccm, [c.raw for c in cases]) != [c.plaintext for c in cases]:
        raise RuntimeError("floor_decode does not open the frames the bench opens")


# Frames timed at once: whole rounds of the three payload sizes, a few hundred microseconds,
# short enough to fall between two preemptions on a busy machine, where a timed run of all
# the frames never does (with a load of 12 on 2 CPUs the ratios of such runs ranged from
# 0.30 to 0.63 for the same code).
CHUNK = 33 * len(PAYLOAD_SIZES)


def measure(cases: list[Case], repeat: int) -> dict[str, tuple[float, float]]:
    """(best, median) frames per second of each path over ``repeat`` rounds.

    Each round times the paths one after the other, a chunk of frames at a time, so a busy
    machine slows the bench and the baseline alike. "Best" is the rate of the fastest time
    of every chunk, added up: the rate of a round that nothing interrupted. "Median" is
    the median of the rounds' own rates.
    """
    ccm = AESCCM(KEY, tag_length=MIC_LENGTH)
    frames = [c.frame for c in cases]
    raws = [c.raw for c in cases]
    encrypt_args = [(c.nonce, c.plaintext, c.aad) for c in cases]
    decrypt_args = [(c.nonce, c.ciphertext, c.aad) for c in cases]
    secure, unsecure, decode = wpan.secure, wpan.unsecure, wpan.decode
    encrypt, decrypt = ccm.encrypt, ccm.decrypt
    to_send = [(c.unsecured, c.frame.security.frame_counter) for c in cases]  # type: ignore[union-attr]
    replace, header = dataclasses.replace, wpan.AuxSecurityHeader

    def bench_encode(chunk: list[wpan.Frame]) -> None:
        for frame in chunk:
            secure(frame, KEY)

    def raw_encrypt(chunk: list[tuple[bytes, bytes, bytes]]) -> None:
        for nonce, plaintext, aad in chunk:
            encrypt(nonce, plaintext, aad)

    def bench_decode(chunk: list[bytes]) -> None:
        for raw in chunk:
            unsecure(raw, KEY)

    def raw_decrypt(chunk: list[tuple[bytes, bytes, bytes]]) -> None:
        for nonce, ciphertext, aad in chunk:
            decrypt(nonce, ciphertext, aad)

    def link_send(chunk: list[tuple[wpan.Frame, int]]) -> None:  # LinkLayer.encode_for_air
        for frame, counter in chunk:
            secure(replace(frame, security=header(frame_counter=counter, key_index=1)), KEY)

    def link_receive(chunk: list[bytes]) -> None:  # LinkLayer._receive, then _unsecure
        for raw in chunk:
            decode(raw)
            unsecure(raw, KEY)

    paths: dict[str, tuple[Callable[[list], object], list]] = {
        "bench encode": (bench_encode, frames),
        "raw encrypt": (raw_encrypt, encrypt_args),
        "bench decode": (bench_decode, raws),
        "raw decrypt": (raw_decrypt, decrypt_args),
        "link send": (link_send, to_send),
        "link receive": (link_receive, raws),
        "floor encode": (functools.partial(floor_encode, ccm), frames),
        "floor decode": (functools.partial(floor_decode, ccm), raws),
    }
    chunked = {
        name: (run, [items[start : start + CHUNK] for start in range(0, len(items), CHUNK)])
        for name, (run, items) in paths.items()
    }
    for run, chunks in chunked.values():
        for chunk in chunks:
            run(chunk)  # warm-up
    fastest = {name: [float("inf")] * len(chunks) for name, (_, chunks) in chunked.items()}
    rates: dict[str, list[float]] = {name: [] for name in paths}
    clock = time.perf_counter
    for _ in range(repeat):
        for name, (run, chunks) in chunked.items():
            best, total = fastest[name], 0.0
            for index, chunk in enumerate(chunks):
                started = clock()
                run(chunk)
                took = clock() - started
                total += took
                best[index] = min(best[index], took)
            rates[name].append(len(cases) / total)
    return {name: (len(cases) / sum(fastest[name]), statistics.median(rates[name])) for name in paths}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3000, help="frames per timed run")
    parser.add_argument("--repeat", type=int, default=15, help="timed rounds per figure")
    args, _ = parser.parse_known_args()

    cases = build_cases(args.frames)
    check_floors(cases)
    octets = statistics.mean(len(c.raw) for c in cases)
    print(
        f"secured frames: {args.frames} data frames, MAC payloads {'/'.join(map(str, PAYLOAD_SIZES))} "
        f"octets (MPDU mean {octets:.0f} octets), level 5 (ENC-MIC-32), best and median of {args.repeat} "
        f"rounds (best: each chunk of {CHUNK} frames at its fastest)"
    )
    rates = measure(cases, args.repeat)
    for name, (best, median) in rates.items():
        print(
            f"  {name:13s} {best:10,.0f} frames/s best ({1e6 / best:5.2f} us/frame), {median:10,.0f} median"
        )
    for bench, raw in (("bench encode", "raw encrypt"), ("bench decode", "raw decrypt")):
        ratio = rates[bench][0] / rates[raw][0]
        verdict = "meets" if ratio >= 0.5 else "below"
        print(f"  {bench} / {raw}: {ratio:.2f} ({verdict} the 0.5 aim)")
        keep(f"secured frames, {bench} / {raw}", ratio, "of raw", better=HIGHER)
    for other, raw in (
        ("link send", "raw encrypt"),
        ("link receive", "raw decrypt"),
        ("floor encode", "raw encrypt"),
        ("floor decode", "raw decrypt"),
    ):
        print(f"  {other} / {raw}: {rates[other][0] / rates[raw][0]:.2f} (for information)")
    for name in ("bench encode", "bench decode", "link send", "link receive"):
        keep(f"secured frames, {name}", rates[name][0], "frames/s", better=HIGHER)


if __name__ == "__main__":
    main()
