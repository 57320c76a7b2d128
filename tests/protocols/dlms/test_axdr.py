"""A-XDR Data values (IEC 62056-6-2 4.1.5, the Data CHOICE of IEC 62056-5-3)."""

from __future__ import annotations

import contextlib
import math

import pytest
from dlms_cosem import dlms_data as cosem_data
from hypothesis import given
from hypothesis import strategies as st

from conformance.protocols import dlms
from conformance.protocols.dlms import Data, DataType, DlmsError
from conformance.protocols.errors import BenchUsageError
from tests.protocols.dlms.support import T0, T0_OCTETS, data_strategy, h

# --- Data values --------------------------------------------------------------------------

DATA_VECTORS = [
    ("00", dlms.null_data()),
    ("0100", dlms.array()),
    ("0202 1101 1202ff", dlms.structure(dlms.unsigned(1), dlms.long_unsigned(0x2FF))),
    ("0301", dlms.boolean(True)),
    ("0300", dlms.boolean(False)),
    # bit-string counts bits: 0a = 10 bits 1011000001, padded with zeros: b0 40.
    ("040a b040", Data(type=DataType.BIT_STRING, value="1011000001")),
    ("0400", Data(type=DataType.BIT_STRING, value="")),
    ("05 ffffffff", dlms.double_long(-1)),
    ("06 ffffffff", dlms.double_long_unsigned(0xFFFF_FFFF)),
    ("0900", dlms.octet_string(b"")),
    ("097f" + "ab" * 127, dlms.octet_string(b"\xab" * 127)),
    # 128 octets and more: length 0x81 then one octet (A-XDR variable-length integer).
    ("098180" + "ab" * 128, dlms.octet_string(b"\xab" * 128)),
    ("09820100" + "cd" * 256, dlms.octet_string(b"\xcd" * 256)),
    ("0a03 414243", dlms.visible_string("ABC")),
    ("0c03 e38182", Data(type=DataType.UTF8_STRING, value="あ")),
    ("0d 12", Data(type=DataType.BCD, value=0x12)),
    ("0f 80", dlms.integer(-128)),
    ("10 8000", dlms.long(-32768)),
    ("11 ff", dlms.unsigned(255)),
    ("12 0384", dlms.unsigned_long(900)),
    ("14 8000000000000000", dlms.long64(-(2**63))),
    ("15 ffffffffffffffff", dlms.long64_unsigned(2**64 - 1)),
    ("16 1e", dlms.enum(30)),
    ("17 3fc00000", Data(type=DataType.FLOAT32, value=1.5)),
    ("18 3ff8000000000000", Data(type=DataType.FLOAT64, value=1.5)),
    (f"19 {T0_OCTETS}", Data(type=DataType.DATE_TIME, value=h(T0_OCTETS))),
    ("1a 07ea0401ff", Data(type=DataType.DATE, value=h("07ea0401ff"))),
    ("1b 00000000", Data(type=DataType.TIME, value=h("00000000"))),
    ("ff", Data(type=DataType.DONT_CARE)),
    ("01 8180" + "00" * 128, dlms.array(*[dlms.null_data()] * 128)),
]


@pytest.mark.parametrize(("wire", "data"), DATA_VECTORS, ids=[vector[0][:12] for vector in DATA_VECTORS])
def test_data_vectors(wire: str, data: Data) -> None:
    assert dlms.encode_data(data) == h(wire)
    assert dlms.decode_data(h(wire)) == data


def test_data_tags_agree_with_dlms_cosem() -> None:
    for tag, cls in cosem_data.DlmsDataFactory.MAP.items():
        assert DataType(tag) == cls.TAG


def test_any_nonzero_boolean_octet_is_true() -> None:
    assert dlms.decode_data(h("03ff")) == dlms.boolean(True)


def test_readers() -> None:
    assert dlms.as_int(dlms.long_unsigned(900)) == 900
    assert dlms.as_int(dlms.enum(3), DataType.ENUM) == 3
    assert dlms.as_bytes(dlms.octet_string(b"id")) == b"id"
    assert dlms.as_datetime(dlms.date_time_data(T0)) == T0
    assert dlms.as_datetime(Data(type=DataType.DATE_TIME, value=dlms.cosem_datetime(T0))) == T0
    assert dlms.as_items(dlms.structure(dlms.null_data()), length=1) == (dlms.null_data(),)
    with pytest.raises(DlmsError, match="expected double-long-unsigned, got long-unsigned"):
        dlms.as_int(dlms.long_unsigned(900), DataType.DOUBLE_LONG_UNSIGNED)
    with pytest.raises(DlmsError, match="expected octet-string"):
        dlms.as_bytes(dlms.visible_string("id"))
    with pytest.raises(DlmsError, match="expected 2 elements, got 1"):
        dlms.as_items(dlms.structure(dlms.null_data()), length=2)
    with pytest.raises(DlmsError, match="12 octets"):
        dlms.as_datetime(dlms.octet_string(b"short"))


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (DataType.UNSIGNED, 256),
        (DataType.UNSIGNED, -1),
        (DataType.LONG_UNSIGNED, True),
        (DataType.DOUBLE_LONG_UNSIGNED, 1.0),
        (DataType.INTEGER, 128),
        (DataType.OCTET_STRING, "text"),
        (DataType.VISIBLE_STRING, "あ"),
        (DataType.BIT_STRING, "012"),
        (DataType.STRUCTURE, (1, 2)),
        (DataType.NULL_DATA, 0),
        (DataType.FLOAT32, 0.1),
        (DataType.FLOAT32, 1e300),
        (DataType.DATE_TIME, b"\x00" * 11),
        (DataType.COMPACT_ARRAY, b""),
        (7, None),
    ],
)
def test_data_rejects_values_its_type_cannot_hold(kind: DataType, value: object) -> None:
    with pytest.raises(BenchUsageError):
        Data(type=kind, value=value)


@given(data_strategy())
def test_data_round_trip(data: Data) -> None:
    wire = dlms.encode_data(data)
    assert dlms.decode_data(wire) == data
    assert dlms.encode_data(dlms.decode_data(wire)) == wire


@given(
    st.sampled_from(
        [
            (dlms.integer, cosem_data.IntegerData, -(2**7), 2**7 - 1),
            (dlms.long, cosem_data.LongData, -(2**15), 2**15 - 1),
            (dlms.double_long, cosem_data.DoubleLongData, -(2**31), 2**31 - 1),
            (dlms.long64, cosem_data.Long64Data, -(2**63), 2**63 - 1),
            (dlms.unsigned, cosem_data.UnsignedIntegerData, 0, 2**8 - 1),
            (dlms.long_unsigned, cosem_data.UnsignedLongData, 0, 2**16 - 1),
            (dlms.double_long_unsigned, cosem_data.DoubleLongUnsignedData, 0, 2**32 - 1),
            (dlms.long64_unsigned, cosem_data.UnsignedLong64Data, 0, 2**64 - 1),
            (dlms.enum, cosem_data.EnumData, 0, 2**8 - 1),
        ]
    ),
    st.data(),
)
def test_integer_data_agrees_with_dlms_cosem(kinds: tuple, data: st.DataObject) -> None:
    build, cosem_class, low, high = kinds
    value = data.draw(st.integers(low, high))
    assert dlms.encode_data(build(value)) == cosem_class(value).to_bytes()


@given(st.binary(max_size=40))
def test_decode_data_and_datetime_never_raise_anything_but_dlms_error(octets: bytes) -> None:
    for parse in (dlms.decode_data, dlms.parse_cosem_datetime, dlms.parse_clock_status, dlms.unwrap):
        with contextlib.suppress(DlmsError):
            parse(octets)


def test_float_nan_is_carried() -> None:
    data = dlms.decode_data(h("17 7fc00000"))
    assert math.isnan(data.value)
    assert dlms.encode_data(data) == h("17 7fc00000")
