from pathlib import Path

import pytest

from conformance.ics import DEFAULT_DECLARATION, load_declaration
from conformance.yamlfile import DocumentError


def test_the_reference_declaration_loads():
    ics = load_declaration()
    assert ics.credentials.pairing_id == "IOT00901"
    assert len(ics.identity.eui64) == 8


def test_the_password_does_not_show_in_repr():
    ics = load_declaration()
    assert ics.credentials.password.get_secret_value() not in repr(ics)


@pytest.mark.parametrize(
    ("old", "new", "line", "field"),
    [
        ("  mac_address: 001D129F35000A01", "  mac_address: 001D129F35", 8, "identity.mac_address"),
        ("  retry_interval_max_s: 300", "  retry_interval_max_s: soon", 14, "join.retry_interval_max_s"),
        ("  pairing_id: IOT00901", "  pairing_id: IOT00901\n  pairing_pin: 1", 13, "credentials.pairing_pin"),
        ("version: 1", "version: 2", 3, "version"),
    ],
)
def test_a_broken_declaration_names_file_line_and_field(tmp_path: Path, old, new, line, field):
    text = DEFAULT_DECLARATION.read_text()
    assert old in text
    broken = tmp_path / "terminal.yaml"
    broken.write_text(text.replace(old, new))
    with pytest.raises(DocumentError) as excinfo:
        load_declaration(broken)
    assert excinfo.value.line == line
    assert excinfo.value.field == field
    assert str(broken) in str(excinfo.value)


def test_a_missing_section_is_refused(tmp_path: Path):
    text = DEFAULT_DECLARATION.read_text().split("join:")[0]
    broken = tmp_path / "terminal.yaml"
    broken.write_text(text)
    with pytest.raises(DocumentError, match="join: Field required"):
        load_declaration(broken)


def test_yaml_syntax_errors_name_the_line(tmp_path: Path):
    broken = tmp_path / "terminal.yaml"
    broken.write_text("version: 1\nidentity: [unclosed\n")
    with pytest.raises(DocumentError, match=r"terminal.yaml:\d+: \(syntax\)"):
        load_declaration(broken)
