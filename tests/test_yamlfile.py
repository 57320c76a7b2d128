"""The YAML loader owns its input: whatever a vendor's file holds, the result is a model or
one ``DocumentError`` of one line naming the file, the line and the field (DESIGN.md rule 7)."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance import yamlfile
from conformance.ics import DEFAULT_DECLARATION, load_declaration
from conformance.yamlfile import MAX_DEPTH, MAX_INT_DIGITS, MAX_OCTETS, DocumentError, read_text
from rigs.rigfile import load_rig

REFERENCE = DEFAULT_DECLARATION.read_text(encoding="utf-8")
# The line of the declaration's last key, and the one after the file: found, not counted, so a
# new field in the reference declaration does not move them.
NOTES_LINE = next(n for n, line in enumerate(REFERENCE.splitlines(), 1) if line.startswith("notes:"))
END_LINE = REFERENCE.count("\n") + 1
COMPANY = "東北テスト電機株式会社"  # what a Japanese vendor writes in operator.company_name


def declaration(tmp_path: Path, content: bytes | str, name: str = "terminal.yaml") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def refused(path: Path, loader=load_declaration) -> DocumentError:
    with pytest.raises(DocumentError) as caught:
        loader(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(str(path)), message
    return caught.value


def japanese() -> str:
    return REFERENCE.replace("company_name: IoT-route bench project", f"company_name: {COMPANY}")


# -- encodings -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("encoding", "prefix", "name"),
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", codecs.BOM_UTF8, "UTF-8 with BOM"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16"),
        ("utf-16-le", b"", "UTF-16LE"),  # no BOM: told by the NULs of the first characters (YAML 1.2 §5.2)
        ("utf-16-be", b"", "UTF-16BE"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "UTF-32"),
        ("cp932", b"", "Shift_JIS"),  # what Japanese Windows editors write
    ],
)
def test_a_declaration_in_each_encoding_a_vendor_writes_is_read_correctly(
    tmp_path: Path, encoding: str, prefix: bytes, name: str
) -> None:
    path = declaration(tmp_path, prefix + japanese().encode(encoding))
    assert read_text(path)[1] == name
    assert load_declaration(path).operator.company_name == COMPANY


def test_a_latin1_declaration_is_refused_with_the_encoding_and_the_line(tmp_path: Path) -> None:
    text = REFERENCE.replace("vendor: IoT-route bench project", "vendor: Müller Messtechnik")
    error = refused(declaration(tmp_path, text.encode("latin-1")))
    assert error.line == 5 and error.field == "(encoding)"
    assert "0xFC" in str(error) and "Latin-1" in str(error) and "save it as UTF-8" in str(error)


def test_a_nul_byte_is_refused_at_its_line(tmp_path: Path) -> None:
    error = refused(declaration(tmp_path, REFERENCE.replace("model: Reference", "model: Ref\0erence")))
    assert error.line == 6 and "NUL" in str(error)


def test_a_control_character_is_refused_at_its_line(tmp_path: Path) -> None:
    error = refused(declaration(tmp_path, REFERENCE.replace("model: Reference", "model: Ref\x07erence")))
    assert error.line == 6 and "U+0007" in str(error)


# -- bounds --------------------------------------------------------------------------


def test_a_file_larger_than_the_bound_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    error = refused(declaration(tmp_path, REFERENCE + "#" * MAX_OCTETS))
    assert error.field == "(file)" and "larger than" in str(error)


def test_an_integer_of_thousands_of_digits_is_refused_at_its_field(tmp_path: Path) -> None:
    # Python refuses to read an integer of more than 4,300 digits (a ValueError, not ours).
    error = refused(
        declaration(tmp_path, REFERENCE.replace("storage_days: 10", f"storage_days: {'9' * 5000}"))
    )
    assert (error.line, error.field) == (18, "metering.storage_days")
    assert f"at most {MAX_INT_DIGITS}" in str(error)


@pytest.mark.parametrize("brackets", [MAX_DEPTH + 1, 5000, 200_000])
def test_deep_nesting_is_refused_in_one_line(tmp_path: Path, brackets: int) -> None:
    text = REFERENCE.replace("notes: The twin's values", "notes: " + "[" * brackets + "]" * brackets + " #")
    error = refused(declaration(tmp_path, text))
    assert error.line == NOTES_LINE
    assert "nest" in str(error)


def test_a_billion_laughs_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    error = refused(declaration(tmp_path, "\n".join(lines) + "\n"))
    assert "aliases stand for more than" in str(error)


def test_a_date_that_is_no_date_is_refused_at_its_field(tmp_path: Path) -> None:
    error = refused(
        declaration(tmp_path, REFERENCE.replace("firmware_version: 1.0.0", "firmware_version: 2026-13-45"))
    )
    assert (error.line, error.field) == (7, "identity.firmware_version")


# -- keys ----------------------------------------------------------------------------


def test_a_second_password_is_refused_not_silently_taken(tmp_path: Path) -> None:
    text = REFERENCE.replace("  pairing_id: IOT00901", "  pairing_id: IOT00901\n  password: second-one")
    error = refused(declaration(tmp_path, text))
    assert (error.line, error.field) == (13, "credentials.password")
    assert "first at line 11" in str(error)
    assert "second-one" not in str(error) and "7Wq4Kp2Zr9Tx6Lm3" not in str(error)


def test_the_same_key_in_two_mappings_is_fine(tmp_path: Path) -> None:
    assert load_declaration(declaration(tmp_path, REFERENCE)).home_side.echonet_whitelist[1].set == []


def test_a_key_that_is_not_a_plain_value_is_refused(tmp_path: Path) -> None:
    error = refused(declaration(tmp_path, REFERENCE + "? [a, b]\n: c\n"))
    assert error.line == END_LINE and "plain value" in str(error)


# -- errors name the field a reader finds --------------------------------------------


def test_a_bad_ip_address_names_the_field_not_pydantic_internals(tmp_path: Path) -> None:
    rig = declaration(
        tmp_path,
        "version: 1\nrig: {name: desk}\nresources:\n  home:\n    role: home-lan\n"
        "    network: {interface: eth0, address: 192.168.1.300}\n",
        "rig.yaml",
    )
    error = refused(rig, load_rig)
    assert (error.line, error.field) == (6, "resources.home.network.address")
    assert "[" not in str(error) and "function" not in str(error)
    assert "not a valid IPv4 address" in str(error) and "IPv6" in str(error)


def test_the_c_loader_is_used_where_pyyaml_has_it() -> None:
    assert yaml.__with_libyaml__ and yamlfile.Loader is yaml.CSafeLoader


def test_a_python_tag_is_refused(tmp_path: Path) -> None:
    error = refused(
        declaration(tmp_path, REFERENCE.replace("notes: The", "notes: !!python/object:os.system The"))
    )
    assert error.line == NOTES_LINE


# -- hypothesis: nothing but a model or a DocumentError -------------------------------

_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _outcome(path: Path) -> None:
    try:
        load_declaration(path)
    except DocumentError as error:
        assert "\n" not in str(error)


@_SETTINGS
@given(data=st.binary(max_size=600))
def test_random_bytes_give_a_declaration_or_a_document_error(tmp_path: Path, data: bytes) -> None:
    _outcome(declaration(tmp_path, data))


@_SETTINGS
@given(position=st.integers(0, len(REFERENCE)), junk=st.text(max_size=12))
def test_a_declaration_with_junk_inserted_gives_a_declaration_or_a_document_error(
    tmp_path: Path, position: int, junk: str
) -> None:
    _outcome(declaration(tmp_path, REFERENCE[:position] + junk + REFERENCE[position:]))


@_SETTINGS
@given(
    position=st.integers(0, len(REFERENCE.encode()) - 1),
    octet=st.integers(0, 255),
    encoding=st.sampled_from(["utf-8", "utf-16", "cp932"]),
)
def test_a_declaration_with_one_octet_changed_gives_a_declaration_or_a_document_error(
    tmp_path: Path, position: int, octet: int, encoding: str
) -> None:
    data = bytearray(japanese().encode(encoding))
    data[min(position, len(data) - 1)] = octet
    _outcome(declaration(tmp_path, bytes(data)))
