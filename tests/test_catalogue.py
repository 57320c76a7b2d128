"""The requirement catalogue matches REQUIREMENTS.md, quotes its seeds verbatim, and refuses
broken files with the file, the line and the field."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest

import conformance.catalogue
from conformance.catalogue import (
    CatalogueError,
    NotInCatalogueError,
    Requirement,
    load_catalogue,
)

CATALOGUE = load_catalogue()
# CI clones the repository with shared/ beside it; elsewhere, say where it is.
SHARED_BESIDE_REPO = Path(__file__).resolve().parents[1].parent / "shared"
REQUIREMENT_ROW = re.compile(r"^\|\s*((?:NAT|THK)-[^\s|]+)\s*\|[^|]*\|(.*)\|\s*$", re.MULTILINE)


@pytest.fixture(scope="module")
def shared() -> Path:
    if SHARED_BESIDE_REPO.is_dir():
        return SHARED_BESIDE_REPO
    if configured := os.environ.get("IOTROUTE_SHARED_DIR"):
        return Path(configured)
    pytest.skip(f"no shared/ folder at {SHARED_BESIDE_REPO} and IOTROUTE_SHARED_DIR is not set")


@pytest.fixture(scope="module")
def requirements_md(shared: Path) -> dict[str, str]:
    """ID → "how a bench can check it", in the order of REQUIREMENTS.md."""
    text = (shared / "REQUIREMENTS.md").read_text(encoding="utf-8")
    rows = REQUIREMENT_ROW.findall(text)
    assert len(rows) == len(re.findall(r"^\|\s*(?:NAT|THK)-", text, re.MULTILINE)), "a row did not parse"
    return {req_id: check.strip() for req_id, check in rows}


def collapse_whitespace(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def strip_tags(text: str) -> str:
    return re.sub(r"<[^>]+>", " ", text)


@pytest.fixture(scope="module")
def seed_texts(shared: Path) -> dict[str, tuple[str, str]]:
    """Guideline key → its seed with whitespace collapsed, as is and with HTML tags dropped."""
    texts = {}
    for guideline in CATALOGUE.guidelines:
        raw = (shared / "seeds" / guideline.seed).read_text(encoding="utf-8")
        texts[guideline.key] = (collapse_whitespace(raw), collapse_whitespace(strip_tags(raw)))
    return texts


# --- the catalogue against its sources --------------------------------------------------------


def test_the_catalogue_has_exactly_the_ids_of_requirements_md_in_order(requirements_md):
    assert [requirement.id for requirement in CATALOGUE] == list(requirements_md)


def test_each_check_is_the_text_of_requirements_md(requirements_md):
    assert {requirement.id: requirement.check for requirement in CATALOGUE} == requirements_md


@pytest.mark.parametrize("requirement", CATALOGUE, ids=lambda requirement: requirement.id)
def test_each_quote_is_verbatim_in_its_seed(requirement: Requirement, seed_texts):
    as_is, without_tags = seed_texts[requirement.guideline]
    for quote in (requirement.quote, *requirement.related_quotes):
        passage = collapse_whitespace(quote)
        assert passage in as_is or passage in without_tags, f"not in the seed: {quote}"
    assert len(requirement.quote) <= 200, "quote the clause, not the page"


def test_each_guideline_names_a_seed_whose_title_it_carries(shared: Path):
    assert [guideline.key for guideline in CATALOGUE.guidelines] == ["NAT", "THK"]
    for guideline in CATALOGUE.guidelines:
        assert guideline.title in (shared / "seeds" / guideline.seed).read_text(encoding="utf-8")


@pytest.mark.parametrize("requirement", CATALOGUE, ids=lambda requirement: requirement.id)
def test_each_section_is_the_one_the_id_names(requirement: Requirement):
    number = requirement.id.split("-")[1]  # NAT-2.3-A → 2.3, THK-13-AUTH → 13
    expected = f"{number.replace('.', '-')} " if requirement.guideline == "NAT" else f"{number}. "
    assert requirement.section.startswith(expected)


def test_untestable_requirements_say_why():
    untestable = [requirement for requirement in CATALOGUE if not requirement.testable]
    # THK-11-VPN: the VPN joins the user company's PCs and router, not the terminal (issue 11).
    assert [requirement.id for requirement in untestable] == ["THK-13-TAMPER", "THK-11-VPN"]
    assert all(requirement.untestable_reason for requirement in untestable)
    assert all(requirement.untestable_reason is None for requirement in CATALOGUE if requirement.testable)


def test_every_check_runs_on_both_profiles():
    # The battery life too: the twin's supply reads the twin's current model
    # (conformance/twin/terminal/current_model.py), a rig's supply the real terminal.
    assert {r.id: r.profiles for r in CATALOGUE if r.profiles != ("twin", "hil")} == {}


# --- the loader's interface --------------------------------------------------------------------


def test_lookup_by_id_and_guideline():
    requirement = CATALOGUE.get("NAT-2.3-A")
    assert requirement.guideline == "NAT"
    assert requirement.area == "join"
    assert "NAT-2.3-A" in CATALOGUE
    assert CATALOGUE.guideline("THK").epic == "Automatic meter reading (Tohoku)"
    assert CATALOGUE.guideline("NAT").epic == "Specified metering (nationwide)"


def test_an_unknown_id_names_its_near_matches():
    with pytest.raises(KeyError) as excinfo:
        CATALOGUE.get("NAT-3.1-T7")
    assert str(excinfo.value) == (
        "no requirement 'NAT-3.1-T7' in the catalogue; did you mean NAT-3.1-T6, NAT-3.1-T5, NAT-3.1-T4?"
    )
    with pytest.raises(NotInCatalogueError, match="known: NAT, THK"):
        CATALOGUE.guideline("KYU")


def test_requirements_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CATALOGUE.get("NAT-2.2").severity = "minor"  # type: ignore[misc]


def test_an_explicit_path_loads_the_same_catalogue():
    packaged = Path(conformance.catalogue.__file__).with_name("requirements.yaml")
    assert load_catalogue(packaged).requirements == CATALOGUE.requirements
    assert load_catalogue(str(packaged)).requirements == CATALOGUE.requirements


# --- broken files -------------------------------------------------------------------------------

VALID = """\
version: 1
guidelines:
  - key: NAT
    title: 特定計量システム 外部接続基準・ガイドライン
    publisher: 九州電力送配電株式会社
    date: '2026-03'
    seed: 002_424b7472be8d2cdf.txt
    epic: Specified metering (nationwide)
requirements:
  - id: NAT-3.1-T4
    guideline: NAT
    section: 3-1 セキュリティ基本要件
    title: Detect DoS attacks
    area: security
    quote: '④ 外部等からのDoS攻撃を検知する機能を有すること。'
    severity: critical
    testable: true
    check: 'floods on both sides; detection reported; metering goes on'
  - id: NAT-3.1-T6
    guideline: NAT
    section: 3-1 セキュリティ基本要件
    title: Firmware can be updated
    area: operations
    quote: '⑥ 脆弱性に対応するため、無線端末のファームウェア更新が行えること。'
    severity: normal
    testable: true
    check: 'signed image accepted; tampered or downgraded image refused'
"""


def test_the_minimal_catalogue_is_valid(tmp_path: Path):
    path = tmp_path / "requirements.yaml"
    path.write_text(VALID, encoding="utf-8")
    assert [requirement.id for requirement in load_catalogue(path)] == ["NAT-3.1-T4", "NAT-3.1-T6"]


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "message"),
    [
        pytest.param(
            "id: NAT-3.1-T6",
            "id: NAT-3.1-T4",
            19,
            "requirements.1.id",
            "duplicate ID 'NAT-3.1-T4', first at line 10",
            id="duplicate-id",
        ),
        pytest.param(
            "    severity: normal\n", "", 19, "requirements.1.severity", "Field required", id="missing-field"
        ),
        pytest.param(
            "id: NAT-3.1-T6",
            "id: THK-3.1-T6",
            19,
            "requirements.1.id",
            "must start with 'NAT-'",
            id="wrong-prefix",
        ),
        pytest.param(
            "    area: operations\n",
            "    area: operations\n    owner: QA\n",
            24,
            "requirements.1.owner",
            "Unexpected",
            id="unknown-field",
        ),
        pytest.param(
            "    severity: normal\n    testable: true",
            "    severity: normal\n    testable: false",
            19,
            "requirements.1.untestable_reason",
            "not testable: say why",
            id="untestable-without-reason",
        ),
        pytest.param(
            "severity: normal",
            "severity: fatal",
            25,
            "requirements.1.severity",
            "'blocker', 'critical'",
            id="unknown-severity",
        ),
        pytest.param(
            "guideline: NAT\n    section: 3-1 セキュリティ基本要件\n    title: Firmware",
            "guideline: KYU\n    section: 3-1 セキュリティ基本要件\n    title: Firmware",
            20,
            "requirements.1.guideline",
            "unknown guideline 'KYU'",
            id="undeclared-guideline",
        ),
        pytest.param("version: 1", "version: 2", 1, "version", "Input should be 1", id="unknown-version"),
    ],
)
def test_a_broken_catalogue_names_file_line_and_field(tmp_path: Path, old, new, line, field, message):
    assert VALID.count(old) == 1
    path = tmp_path / "requirements.yaml"
    path.write_text(VALID.replace(old, new), encoding="utf-8")
    with pytest.raises(CatalogueError) as excinfo:
        load_catalogue(path)
    error = excinfo.value
    assert (error.path, error.line, error.field) == (path, line, field)
    assert str(error).startswith(f"{path}:{line}: {field}: ")
    assert message in str(error)


def test_a_yaml_syntax_error_names_the_line(tmp_path: Path):
    path = tmp_path / "requirements.yaml"
    path.write_text(
        VALID.replace("title: Detect DoS attacks", "title: [Detect DoS attacks"), encoding="utf-8"
    )
    with pytest.raises(CatalogueError, match=rf"^{re.escape(str(path))}:\d+: \(syntax\): "):
        load_catalogue(path)
