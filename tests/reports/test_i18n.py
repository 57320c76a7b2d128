"""The report's languages: every text has its translation, nothing stale, the guidelines'
words, and the translator that rewrites a run's results (reports/i18n/).

A test here fails naming exactly what to do: the texts a catalogue lacks (as YAML entries
to complete, with where each is written), the entries nothing needs any more, the
translations that do not use a guideline's term.
"""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from pathlib import Path

import pytest
import yaml

from fixtures import evidence
from reports.i18n import (
    ENGLISH,
    LANGUAGES,
    fresh_translator,
    language_from_environment,
    normalise_language,
    run_language,
    sources,
)
from reports.i18n import allure_results as results_module
from reports.i18n.allure_results import translate_results
from reports.i18n.catalogue import (
    GHERKIN_SECTIONS,
    CatalogueFileError,
    Translator,
    load_catalogue,
    placeholders,
    read_catalogue,
)
from reports.i18n.readme import bundle_readme

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "reports" / "i18n" / "glossary.yaml"
SEEDS = ROOT.parent / "shared" / "seeds"  # the guidelines, beside the clone (as CI lays them)
TRANSLATED = [language for language in LANGUAGES if language != ENGLISH]


@cache
def _texts() -> tuple[sources.Text, ...]:
    return tuple(sources.all_texts())


# -- completeness ------------------------------------------------------------------------


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_text_a_report_shows_has_a_translation(language: str) -> None:
    missing = sources.missing(language)
    assert not missing, (
        f"{len(missing)} text(s) have no {language} translation; add them to reports/i18n/{language}.yaml "
        f"(`python -m reports.i18n.sources --missing {language}` prints this):\n" + sources.as_yaml(missing)
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_no_catalogue_entry_is_stale(language: str) -> None:
    stale = sources.stale(language)
    assert not stale, (
        f"{len(stale)} entr(ies) of reports/i18n/{language}.yaml match no text of the project any more "
        "(renamed or removed: update or delete them):\n" + "\n".join(f"  {s}: {k!r}" for s, k in stale)
    )


def test_the_texts_cover_every_scenario_step_measurement_and_message() -> None:
    texts = _texts()
    by = {section: {t.text for t in texts if t.section == section} for section in {t.section for t in texts}}
    assert "The terminal is authenticated within 90 seconds of power-on" in by["scenarios"]
    assert "the IoT route loses <loss> % of frames" in by["steps"]  # as written, with the placeholder
    assert "join time, power-on to authenticated" in by["measurements"]
    assert (
        "precondition not met: the terminal was not authenticated by {meter} within {JOIN_TIME.high} s "
        "(THK-7-JOIN); nothing after it could be checked"
    ) in by["messages"]
    assert "At the step:    {step}" in by["messages"]  # the diagnosis
    assert "Gaps: testable requirements the run did not show met" in by["report"]  # the summary
    assert "Evidence bundle of an IoT-route conformance run" in by["report"]  # the bundle's README
    assert "Joining the network takes about 90 s" in by["requirements"]


def test_a_scenario_added_without_its_translation_fails_naming_it(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "features", tmp_path / "features")
    extra = tmp_path / "features" / "join" / "extra.feature"
    extra.write_text(
        "Feature: Joining the IoT route\n\n  @req:THK-7-JOIN\n"
        "  Scenario: A brand new scenario nobody translated\n"
        '    Given a smart meter "SM-1" with the terminal\'s Pairing ID\n'
        "    When the terminal is powered on\n"
        "    Then the terminal blinks in a new way\n",
        encoding="utf-8",
    )
    texts = sources.feature_texts(tmp_path / "features", root=tmp_path)
    catalogue = load_catalogue("ja")
    lacking = [t for t in texts if t.text not in catalogue.section(t.section)]
    assert [(t.section, t.text) for t in lacking] == [
        ("scenarios", "A brand new scenario nobody translated"),
        ("steps", "the terminal blinks in a new way"),
    ]
    shown = sources.as_yaml(lacking)
    assert "features/join/extra.feature:4" in shown and "A brand new scenario nobody translated" in shown


def test_a_message_template_is_extracted_with_its_placeholders(tmp_path: Path) -> None:
    steps = tmp_path / "steps"
    steps.mkdir()
    (steps / "x_steps.py").write_text(
        "from conformance.errors import TerminalFailure\n\n"
        "def check(meter, count):\n"
        '    """A docstring is not a message."""\n'
        '    raise TerminalFailure(f"the terminal ignored {meter} {count:d} times" + " in a row")\n',
        encoding="utf-8",
    )
    for folder in ("fixtures", "conformance", "reports"):
        (tmp_path / folder).mkdir()
    for file, _ in sources.TEXT_FUNCTIONS:
        (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / file, tmp_path / file)
    found = {t.text for t in sources.code_texts(tmp_path) if t.origin.startswith("steps/")}
    assert found == {"the terminal ignored {meter} {count} times in a row"}


# -- the translations --------------------------------------------------------------------


def _slots(section: str, text: str) -> set[str]:
    return set(placeholders(text, gherkin=section in GHERKIN_SECTIONS))


@pytest.mark.parametrize("language", TRANSLATED)
def test_a_translation_keeps_the_placeholders_of_its_english(language: str) -> None:
    """Every value of the English appears in the translation (reordered as the language
    needs), except a switch that only makes English grammar ("port{'s' if ...}")."""
    wrong = []
    for section, english, translated in load_catalogue(language).entries():
        if section == "labels":
            continue
        ours, theirs = _slots(section, english), _slots(section, translated)
        grammar = {s for s in ours if " if " in s and re.fullmatch(r"'[a-z]*' if .* else '[a-z]*'", s)}
        if not theirs <= ours or ours - grammar - theirs:
            wrong.append(f"{section}: {english!r}: English has {sorted(ours)}, translation {sorted(theirs)}")
    assert not wrong, "\n".join(wrong)


def _glossary() -> list[dict]:
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))["terms"]


def _terms_in(english: str, terms: list[tuple[str, dict]]) -> list[dict]:
    """The glossary terms ``english`` holds, the longest English first (its words are then
    no longer available to a shorter term: "handy terminal" is not also "terminal")."""
    found = []
    text = english
    for word, term in terms:
        pattern = re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])", re.IGNORECASE)
        if pattern.search(text):
            found.append(term)
            text = pattern.sub(" ", text)
    return found


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_translation_uses_the_guidelines_words(language: str) -> None:
    glossary = _glossary()
    terms = sorted(((w, t) for t in glossary for w in t["en"]), key=lambda wt: -len(wt[0]))
    wrong = []
    for section, english, translated in load_catalogue(language).entries():
        words = english if section in GHERKIN_SECTIONS else re.sub(r"\{[^{}]*\}", " ", english)  # not {names}
        for term in _terms_in(words, terms):
            if term[language] not in translated and english not in term.get("not_in", ()):
                wrong.append(f"{section}: {english!r} -> {translated!r}: use {term[language]!r}")
    assert not wrong, f"{len(wrong)} translation(s) do not use the glossary's word:\n" + "\n".join(wrong)


def test_the_glossary_terms_are_the_guidelines_own_words() -> None:
    if not SEEDS.exists():
        pytest.skip(f"{SEEDS} is absent: shared/ is not beside this clone")
    guidelines = "".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt")))
    for term in _glossary():
        if term["source"].startswith("the bench"):
            continue
        written = term.get("seen_as", term["ja"])
        assert written in guidelines, f"{written!r} ({term['source']}) is not a word of the guidelines"


def test_the_report_words_are_consistent_with_the_glossary_entries_themselves() -> None:
    glossary = _glossary()
    assert len({t["ja"] for t in glossary}) == len(glossary)
    english = [w.lower() for t in glossary for w in t["en"]]
    assert len(set(english)) == len(english), "an English term belongs to two Japanese terms"


# -- the translator ----------------------------------------------------------------------


@pytest.fixture
def ja() -> Translator:
    return fresh_translator("ja")


def test_a_message_with_values_finds_its_template_and_keeps_the_values(ja: Translator) -> None:
    message = (
        "conformance.errors.TerminalFailure: precondition not met: the terminal was not authenticated "
        "by SM-1 within 90 s (THK-7-JOIN); nothing after it could be checked"
    )
    assert ja.message(message) == (
        "不合格（無線端末）: 前提条件を満たしていない: 無線端末が90秒以内にSM-1に認証されなかった"
        "（THK-7-JOIN）。以降は確認できない"
    )
    assert not ja.missed


def test_a_measurement_in_a_message_is_translated_with_its_unit_and_clause(ja: Translator) -> None:
    english = (
        "join time, power-on to authenticated: 95.000 s (limit <= 90 s) -> FAIL [THK-7-JOIN]; "
        "expected smart meter SM-1"
    )
    assert ja(english) == (
        "ネットワーク参入時間（電源投入から認証まで）: 95.000秒（限度 90秒以下）→ 不合格 [THK-7-JOIN]。"
        "期待した電力SM: SM-1"
    )


def test_a_title_that_starts_like_a_step_is_still_a_title(ja: Translator) -> None:
    title = "When a jammer blocks its channel and the smart meter hops away, the terminal follows it"
    assert ja(f"{title} (profile twin, seed 7)") == (
        "妨害波がチャネルをふさいで電力SMが別のチャネルへ移ると、無線端末も追従する"
        "（プロファイル ツイン、シード 7）"
    )
    assert not ja.missed


def test_steps_and_outlines_are_translated_with_their_keyword_and_example(ja: Translator) -> None:
    assert ja('Given a smart meter "SM-1" with the terminal\'s Pairing ID') == (
        "前提 無線端末のPairing IDを持つ電力SM「SM-1」がある"
    )
    assert ja("And the IoT route loses 30 % of frames") == "かつ IoTルートでフレームの30 %が失われる"
    assert ja("The terminal drops a frame replayed with an old frame counter and keeps working") == (
        "無線端末は古いフレームカウンタで再送されたフレームを破棄し、動作を続ける"
    )


def test_an_unknown_text_stays_english_and_is_named(ja: Translator) -> None:
    assert ja("a smart meter sang a song") == "a smart meter sang a song"
    assert list(ja.missed) == ["a smart meter sang a song"]
    # A template that matches, with a value the catalogue lacks: translated, and named too.
    assert ja("the terminal sang three songs loudly") == "無線端末がsang three songs loudly"
    assert list(ja.missed)[1:] == ["the terminal sang three songs loudly"]
    assert ja.quiet("SM-1 -> terminal: PANA PAN seq 3") == "SM-1 -> terminal: PANA PAN seq 3"
    assert len(ja.missed) == 2  # quiet lookups are not misses


def test_english_changes_nothing() -> None:
    en = fresh_translator(ENGLISH)
    assert en("Given anything at all") == "Given anything at all"
    assert en.fill("{scenario} (seed {seed})", scenario="x", seed=3) == "x (seed 3)"
    assert not en.missed


def test_a_catalogue_with_a_key_given_twice_is_refused_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "ja.yaml"
    path.write_text("language: ja\nsteps:\n  'a': 'x'\n  'b': 'y'\n  'a': 'z'\n", encoding="utf-8")
    with pytest.raises(CatalogueFileError, match=r"line 5: 'a' is given twice \(first on line 3\)"):
        read_catalogue(path, "ja")


@pytest.mark.parametrize(
    ("environment", "language"),
    [
        ({}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "ja"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "ja_JP.UTF-8", "LC_ALL": "C"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "ja_JP.eucJP"}, "ja"),
        ({"LANG": "ja_JP.UTF-8", "REPORT_LANG": "en"}, "en"),
        ({"REPORT_LANG": "ja"}, "ja"),
    ],
)
def test_the_language_comes_from_report_lang_else_the_locale(environment: dict, language: str) -> None:
    assert language_from_environment(environment) == language


def test_an_unknown_report_language_is_refused_naming_those_spoken() -> None:
    with pytest.raises(ValueError, match="the report speaks en, ja, not 'fr'"):
        normalise_language("fr")


def test_the_attachment_names_are_those_the_bench_gives() -> None:
    for name in (
        "CAPTURE", "SEQUENCE", "SEQUENCE_CHART", "MEASUREMENTS", "MEASUREMENT_TABLE",
        "DECLARED_VS_OBSERVED", "DIAGNOSIS",
    ):  # fmt: skip
        assert getattr(results_module, name) == getattr(evidence, name), name


# -- a run's results ---------------------------------------------------------------------


def _write_results(results: Path) -> dict:
    results.mkdir()
    (results / "diagnosis.txt").write_text(
        "FAIL: the terminal did not do what THK-7-JOIN (Joining the network takes about 90 s) requires.\n\n"
        'At the step:    Then the terminal is authenticated by "SM-1" within 90 seconds of power-on\n'
        "    2.0000  ch33  -60.0 dBm  terminal -> broadcast: Enhanced Beacon Request, Pairing ID 'IOT00901'"
        "\n",
        encoding="utf-8",
    )
    (results / "capture.pcap").write_bytes(b"\xd4\xc3\xb2\xa1")
    (results / "environment.properties").write_text(
        "declaration=reference terminal twin (built in)\nseed=7\nreport.language=ja\n", encoding="utf-8"
    )
    result = {
        "name": "The terminal is authenticated within 90 seconds of power-on",
        "status": "failed",
        "statusDetails": {
            "message": "conformance.errors.TerminalFailure: no value reached the HES",
            "trace": "x",
        },
        "description": "**THK-7-JOIN** Joining the network takes about 90 s\n\n> ネットワーク参入時間\n\n"
        "(自動検針サービス 外部接続基準・運用ガイドライン, 7)\n\nCheck: power-on to authenticated",
        "titlePath": ["features", "join", "Joining the IoT route"],
        "labels": [
            {"name": "epic", "value": "Automatic meter reading (Tohoku)"},
            {"name": "feature", "value": "join"},
            {"name": "story", "value": "THK-7-JOIN Joining the network takes about 90 s"},
            {"name": "tag", "value": "hil"},
        ],
        "links": [
            {"url": "../traceability.html#THK-7-JOIN", "name": "THK-7-JOIN in the certification summary"}
        ],
        "parameters": [{"name": "loss", "value": "30"}],
        "steps": [
            {
                "name": 'Given a smart meter "SM-1" with the terminal\'s Pairing ID',
                "status": "passed",
                "parameters": [{"name": "name", "value": "'SM-1'"}],
            },
        ],
        "attachments": [
            {"name": evidence.DIAGNOSIS, "source": "diagnosis.txt", "type": "text/plain"},
            {"name": evidence.CAPTURE, "source": "capture.pcap"},
        ],
    }
    (results / "1-result.json").write_text(json.dumps(result), encoding="utf-8")
    return result


def test_a_runs_results_are_rewritten_in_the_language_and_the_originals_kept(tmp_path: Path) -> None:
    original = _write_results(tmp_path / "results")
    before = {p.name: p.read_bytes() for p in (tmp_path / "results").iterdir()}
    ja = fresh_translator("ja")
    translate_results(tmp_path / "results", tmp_path / "ja", ja)
    assert {p.name: p.read_bytes() for p in (tmp_path / "results").iterdir()} == before
    result = json.loads((tmp_path / "ja" / "1-result.json").read_text(encoding="utf-8"))
    assert result["name"] == "電源投入から90秒以内に無線端末が認証される"
    assert result["titlePath"] == ["features", "join", "IoTルートへのネットワーク参入"]
    assert result["statusDetails"]["message"] == "不合格（無線端末）: HESに検針値が1件も届かなかった"
    assert result["statusDetails"]["trace"] == "x"  # code stays code
    assert [label["value"] for label in result["labels"]] == [
        "自動検針（東北）", "ネットワーク参入", "THK-7-JOIN ネットワーク参入時間は1分半程度", "hil",
    ]  # fmt: skip
    assert result["links"][0] == {"url": "../traceability.html#THK-7-JOIN", "name": "認証サマリのTHK-7-JOIN"}
    quoted = "> ネットワーク参入時間\n\n(自動検針サービス 外部接続基準・運用ガイドライン, 7)"
    assert quoted in result["description"]  # the clause and its source, as they are
    assert result["description"].startswith("**THK-7-JOIN** ネットワーク参入時間は1分半程度")
    assert result["description"].endswith("確認方法: 電源投入から認証まで")
    assert result["parameters"] == [  # shown translated; the run's own kept for Allure's history
        {"name": "損失率 (%)", "value": "30", "excluded": True},
        {"name": "loss", "value": "30", "mode": "hidden"},
    ]
    assert result["steps"][0]["name"] == "前提 無線端末のPairing IDを持つ電力SM「SM-1」がある"
    assert result["steps"][0]["parameters"] == [{"name": "名前", "value": "'SM-1'"}]
    assert [a["name"] for a in result["attachments"]] == ["診断", "無線キャプチャ（IEEE 802.15.4 TAP）"]
    diagnosis = (tmp_path / "ja" / "diagnosis.txt").read_text(encoding="utf-8").splitlines()
    assert diagnosis[0] == (
        "不合格: 無線端末がTHK-7-JOIN（ネットワーク参入時間は1分半程度）の要求を満たさなかった。"
    )
    assert diagnosis[2] == "ステップ:        ならば 電源投入から90秒以内に無線端末が「SM-1」に認証される"
    assert diagnosis[3] == before["diagnosis.txt"].decode().splitlines()[3]  # the frame, as the bench saw it
    assert (tmp_path / "ja" / "capture.pcap").read_bytes() == before["capture.pcap"]
    properties = (tmp_path / "ja" / "environment.properties").read_text(encoding="utf-8")
    assert "宣言=基準の無線端末ツイン（内蔵）" in properties
    assert not ja.missed, list(ja.missed)
    assert original["name"] == json.loads(before["1-result.json"])["name"]


def test_the_bundle_readme_speaks_the_runs_language(tmp_path: Path) -> None:
    (tmp_path / "allure-results").mkdir()
    assert bundle_readme(tmp_path).startswith("Evidence bundle of an IoT-route conformance run\n")
    properties = tmp_path / "allure-results" / "environment.properties"
    properties.write_text("report.language=ja\n", encoding="utf-8")
    assert run_language(tmp_path) == "ja"
    readme = bundle_readme(tmp_path)
    assert readme.startswith("IoTルート適合性試験の証跡バンドル\n")
    assert "MANIFEST.sha256" in readme and "reports.bundle verify" in readme
    prose = re.compile(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}")
    assert not prose.search(readme.replace("python -m reports.bundle verify", ""))
