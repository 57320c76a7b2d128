"""The certification summary: every requirement, its scenarios and verdicts, the gaps and
the declared-versus-observed differences."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

import conformance.catalogue
from conformance.catalogue import load_catalogue
from reports.traceability import Scenario, build, feature_scenarios, render_html

CATALOGUE_FILE = Path(conformance.catalogue.__file__).with_name("requirements.yaml")

ROOT = Path(__file__).resolve().parents[2]
# CI lays a copy of shared/ beside the clone; so does every developer's machine.
REQUIREMENTS = ROOT.parent / "shared" / "REQUIREMENTS.md"
FEATURE = "features/x/x.feature"


def verdict(scenario: str, requirements: list[str], outcome: str, message: str = "", **extra) -> dict:
    entry = {
        "scenario": scenario, "requirements": requirements, "dut": "reference", "seed": 1,
        "verdict": outcome, "message": message, "feature": FEATURE,
    }  # fmt: skip
    return {**entry, **extra}


def row(matrix: dict, req_id: str) -> dict:
    return next(r for r in matrix["requirements"] if r["id"] == req_id)


def test_every_id_of_the_shared_requirements_is_in_the_matrix(run) -> None:
    if not REQUIREMENTS.exists():
        pytest.skip(f"{REQUIREMENTS} is absent: shared/ is not beside this clone")
    ids = re.findall(r"^\|\s*((?:NAT|THK)-[0-9A-Z.-]+)\s*\|", REQUIREMENTS.read_text(encoding="utf-8"), re.M)
    assert len(ids) >= 40
    matrix = json.loads((run.out / "traceability.json").read_text(encoding="utf-8"))
    listed = [r["id"] for r in matrix["requirements"]]
    assert set(ids) <= set(listed), sorted(set(ids) - set(listed))
    page = (run.out / "traceability.html").read_text(encoding="utf-8")
    for req_id in ids:
        assert f'id="{req_id}"' in page, req_id  # the report's requirement links land here


def test_the_run_matrix_links_each_passing_requirement_to_its_scenarios(run) -> None:
    matrix = json.loads((run.out / "traceability.json").read_text(encoding="utf-8"))
    verdicts = json.loads((run.out / "verdicts.json").read_text(encoding="utf-8"))
    tested = {r for v in verdicts for r in v["requirements"]}
    assert tested
    for req_id in tested:
        entry = row(matrix, req_id)
        assert entry["status"] == "pass", entry
        assert all(s["verdicts"] and s["status"] == "pass" for s in entry["scenarios"]), entry
    assert matrix["unmatched_verdicts"] == []
    assert matrix["summary"]["pass"] == len(tested)
    untestable = [r for r in matrix["requirements"] if not r["testable"]]
    assert untestable and all(r["status"] == "untestable" and r["untestable_reason"] for r in untestable)
    gaps = {g["id"] for g in matrix["gaps"]}
    assert not gaps & tested
    assert gaps == {r["id"] for r in matrix["requirements"] if r["testable"] and r["id"] not in tested}


def test_the_feature_files_give_each_scenario_its_requirement_tags() -> None:
    scenarios = feature_scenarios(ROOT / "features")
    assert scenarios and all(s.feature.startswith("features/") for s in scenarios)
    assert all(s.requirements for s in scenarios), [s.name for s in scenarios if not s.requirements]
    catalogue = load_catalogue()
    assert all(r in catalogue for s in scenarios for r in s.requirements)


def test_a_failure_outweighs_passes_and_makes_a_gap_that_names_the_scenario() -> None:
    scenarios = [
        Scenario(name="joins in time", feature=FEATURE, requirements=("THK-7-JOIN",)),
        Scenario(name="joins under loss <loss> %", feature=FEATURE, requirements=("THK-7-JOIN",)),
    ]
    verdicts = [
        verdict("joins in time", ["THK-7-JOIN"], "pass"),
        verdict("joins under loss 0 %", ["THK-7-JOIN"], "pass"),
        verdict("joins under loss 30 %", ["THK-7-JOIN"], "fail", "join time 103.778 s (limit <= 90 s)"),
    ]
    matrix = build(load_catalogue(), scenarios, verdicts, profile="twin")
    entry = row(matrix, "THK-7-JOIN")
    assert entry["status"] == "fail"
    assert [(s["name"], s["status"], len(s["verdicts"])) for s in entry["scenarios"]] == [
        ("joins in time", "pass", 1),
        ("joins under loss <loss> %", "fail", 2),
    ]
    [gap] = [g for g in matrix["gaps"] if g["id"] == "THK-7-JOIN"]
    assert "joins under loss 30 %" in gap["reason"] and "103.778" in gap["reason"]


@pytest.mark.parametrize(
    ("outcomes", "status"),
    [
        (["pass", "error"], "error"),
        (["error", "fail"], "fail"),
        (["not applicable", "pass"], "pass"),
        (["not applicable", "not applicable"], "not applicable"),
    ],
)
def test_a_requirement_shows_the_worst_verdict_of_its_scenarios(outcomes: list[str], status: str) -> None:
    scenarios = [Scenario(name=f"s{i}", feature=FEATURE, requirements=("NAT-2.3-A",)) for i in range(2)]
    verdicts = [verdict(f"s{i}", ["NAT-2.3-A"], outcome) for i, outcome in enumerate(outcomes)]
    entry = row(build(load_catalogue(), scenarios, verdicts, profile="twin"), "NAT-2.3-A")
    assert entry["status"] == status
    assert (entry["gap"] is None) == (status == "pass")


def test_requirements_without_scenarios_without_runs_or_for_another_profile_are_gaps(tmp_path: Path) -> None:
    # Every check of the real catalogue runs on both profiles; one made rig-only shows
    # how the summary treats a requirement the run's profile cannot judge.
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    marked = "    profiles: [twin, hil]\n"
    assert text.count(marked) == 1
    (tmp_path / "requirements.yaml").write_text(
        text.replace(marked, "    profiles: [hil]\n"), encoding="utf-8"
    )
    catalogue = load_catalogue(tmp_path / "requirements.yaml")
    hil_only = next(r for r in catalogue if r.testable and "twin" not in r.profiles)
    scenarios = [Scenario(name="scans", feature=FEATURE, requirements=("NAT-2.3-A",))]
    matrix = build(catalogue, scenarios, [], profile="twin")
    assert row(matrix, "NAT-2.3-A")["status"] == "not run"
    assert row(matrix, hil_only.id)["status"] == "other profile"
    assert "hil" in row(matrix, hil_only.id)["gap"]
    assert row(matrix, "NAT-2.5-CONV")["status"] == "no scenario"
    untestable = next(r for r in catalogue if not r.testable)
    assert row(matrix, untestable.id)["status"] == "untestable"
    assert untestable.id not in {g["id"] for g in matrix["gaps"]}
    untestables = sum(not r.testable for r in catalogue)
    assert matrix["summary"]["gaps"] == len(catalogue) - untestables


def test_a_verdict_of_a_renamed_scenario_is_kept_apart_not_lost() -> None:
    scenarios = [Scenario(name="scans", feature=FEATURE, requirements=("NAT-2.3-A",))]
    stale = verdict("scanned (old name)", ["NAT-2.3-A"], "pass")
    other_file = verdict("scans", ["NAT-2.3-A"], "pass", feature="features/y/y.feature")
    matrix = build(load_catalogue(), scenarios, [stale, other_file], profile="twin")
    assert row(matrix, "NAT-2.3-A")["status"] == "not run"
    assert [v["scenario"] for v in matrix["unmatched_verdicts"]] == ["scanned (old name)", "scans"]


def test_an_unknown_requirement_tag_is_refused() -> None:
    with pytest.raises(ValueError, match=r"NAT-9\.9"):
        build(
            load_catalogue(),
            [Scenario(name="x", feature=FEATURE, requirements=("NAT-9.9",))],
            [],
            profile="twin",
        )


def test_declared_versus_observed_differences_are_listed_first() -> None:
    comparisons = [
        {
            "item": "Pairing ID",
            "declared": "IOT00901",
            "observed": "IOT00901",
            "source": "NAT-2.3-C",
            "agrees": True,
        },
        {
            "item": "firmware",
            "declared": "1.0.0",
            "observed": "0.9.8",
            "source": "NAT-3.1-T6",
            "agrees": False,
        },
    ]
    scenarios = [Scenario(name="scans", feature=FEATURE, requirements=("NAT-2.3-C",))]
    verdicts = [verdict("scans", ["NAT-2.3-C"], "pass", declared_vs_observed=comparisons)]
    matrix = build(load_catalogue(), scenarios, verdicts, profile="twin")
    listed = matrix["declared_vs_observed"]
    assert [(c["item"], c["agrees"], c["scenario"]) for c in listed] == [
        ("firmware", False, "scans"),
        ("Pairing ID", True, "scans"),
    ]
    assert matrix["summary"]["declared_vs_observed_differences"] == 1
    page = render_html(matrix)
    assert "0.9.8" in page and "NO" in page


def test_the_html_quotes_each_clause_in_japanese_and_escapes_text() -> None:
    scenarios = [Scenario(name="scans <b>", feature=FEATURE, requirements=("NAT-2.3-A",))]
    verdicts = [verdict("scans <b>", ["NAT-2.3-A"], "fail", "saw <script>")]
    page = render_html(build(load_catalogue(), scenarios, verdicts, profile="twin"))
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert f'<q lang="ja">{html.escape(load_catalogue().get("NAT-2.3-A").quote)}</q>' in page


def test_each_scenario_skipped_as_not_applicable_is_listed_with_its_reason_on_the_rig() -> None:
    scenarios = [
        Scenario(name="joins under loss <loss> %", feature=FEATURE, requirements=("THK-7-JOIN",)),
        Scenario(name="refuses a bad MIC", feature=FEATURE, requirements=("NAT-3.1-R3",)),
    ]
    loss = "the rig cannot make the IoT route lose a set share of frames"
    injector = "a request with a bad MIC needs an injector radio; the module cannot forge one"
    verdicts = [
        verdict("joins under loss 0 %", ["THK-7-JOIN"], "pass"),
        verdict("joins under loss 30 %", ["THK-7-JOIN"], "not applicable", loss),
        verdict("refuses a bad MIC", ["NAT-3.1-R3"], "not applicable", injector),
        verdict("refuses a bad MIC", ["NAT-3.1-R3"], "not applicable", injector, seed=2),
    ]
    matrix = build(load_catalogue(), scenarios, verdicts, profile="hil")
    assert matrix["not_applicable"] == [
        {
            "scenario": "joins under loss 30 %",
            "feature": FEATURE,
            "requirements": ["THK-7-JOIN"],
            "reason": loss,
            "shown": f"not applicable on this rig: {loss}",
            "runs": 1,
        },
        {
            "scenario": "refuses a bad MIC",
            "feature": FEATURE,
            "requirements": ["NAT-3.1-R3"],
            "reason": injector,
            "shown": f"not applicable on this rig: {injector}",
            "runs": 2,
        },
    ]
    [gap] = [g for g in matrix["gaps"] if g["id"] == "NAT-3.1-R3"]
    assert gap["reason"] == f"not applicable on this rig: refuses a bad MIC: {injector}"
    page = render_html(matrix)
    assert "<h2>Scenarios not applicable on this rig</h2>" in page
    assert html.escape(f"not applicable on this rig: {loss}") in page
    assert html.escape(f"not applicable on this rig: {injector}") in page


def test_on_a_rig_each_scenario_says_it_runs_there_or_names_the_part_it_needs() -> None:
    scenarios = [
        Scenario(name="joins under loss <loss> %", feature=FEATURE, requirements=("THK-7-JOIN",)),
        Scenario(name="sees the beacon request", feature=FEATURE, requirements=("NAT-2.3-A",)),
        Scenario(name="keeps 70 days", feature="features/y/y.feature", requirements=("THK-7-STORE",)),
    ]
    sniffer = "needs a sniffer (role sniffer): a rig has no sniffer on the IoT route"
    days = "twin-only on this rig: 72 days of waiting would take 4148 s of wall time at x300"
    verdicts = [
        verdict("joins under loss 0 %", ["THK-7-JOIN"], "fail", "late"),
        verdict("joins under loss 30 %", ["THK-7-JOIN"], "not applicable", "loss"),
        verdict("sees the beacon request", ["NAT-2.3-A"], "not applicable", sniffer),
        verdict("keeps 70 days", ["THK-7-STORE"], "not applicable", days, feature="features/y/y.feature"),
    ]
    matrix = build(load_catalogue(), scenarios, verdicts, profile="hil")
    shown = {(e["feature"], e["scenario"]): e["on_this_rig"] for e in matrix["on_this_rig"]}
    assert shown == {
        (FEATURE, "joins under loss 0 %"): "runs on this rig",  # a failure ran all the same
        (FEATURE, "joins under loss 30 %"): "loss",
        (FEATURE, "sees the beacon request"): sniffer,
        ("features/y/y.feature", "keeps 70 days"): days,
    }
    assert matrix["on_this_rig_by_area"] == {
        "x": {"runs on this rig": 1, "scenarios": 3},
        "y": {"runs on this rig": 0, "scenarios": 1},
    }
    page = render_html(matrix)
    assert "<li>x: 1 of 3 run on this rig</li>" in page
    assert html.escape(sniffer) in page
    twin = build(load_catalogue(), scenarios, verdicts, profile="twin")
    assert twin["on_this_rig"] == [] and "Scenarios and this rig" not in render_html(twin)


def test_on_the_twin_a_scenario_not_applicable_is_so_on_this_profile() -> None:
    scenarios = [Scenario(name="battery", feature=FEATURE, requirements=("THK-8-BATT",))]
    reason = "the declaration has no battery: a mains-powered terminal"
    matrix = build(
        load_catalogue(),
        scenarios,
        [verdict("battery", ["THK-8-BATT"], "not applicable", reason)],
        profile="twin",
    )
    assert [n["shown"] for n in matrix["not_applicable"]] == [f"not applicable on this profile: {reason}"]
    assert "None: no scenario of this run was not applicable" not in render_html(matrix)
    empty = build(load_catalogue(), scenarios, [verdict("battery", ["THK-8-BATT"], "pass")], profile="twin")
    assert empty["not_applicable"] == []
    assert "<p>None: no scenario of this run was not applicable on this profile.</p>" in render_html(empty)


def test_the_summary_in_japanese_keeps_ids_quotes_and_frames_and_translates_the_rest(run_ja) -> None:
    """The same matrix rendered in Japanese: headings, statuses, titles, scenarios and
    messages in Japanese; requirement IDs, the clause quoted as it is, frames as the bench
    wrote them. The JSON stays English, for tools."""
    name = "The terminal reads the meter at every :00 and :30"
    scenarios = [Scenario(name=name, feature=FEATURE, requirements=("NAT-2.5-ACQ",))]
    message = (
        "conformance.errors.TerminalFailure: the terminal routed a home-side datagram for fe80::1 onto "
        "the IoT route: frame at t=10.518 s (UDP 3610->3610, 15 octets (secured))"
    )
    verdicts = [verdict(name, ["NAT-2.5-ACQ"], "fail", message)]
    matrix = build(load_catalogue(), scenarios, verdicts, profile="twin")
    page = render_html(matrix, "ja")
    requirement = load_catalogue().get("NAT-2.5-ACQ")
    assert '<html lang="ja">' in page
    assert "<h2>トレーサビリティマトリクス</h2>" in page
    assert f'<q lang="ja">{html.escape(requirement.quote)}</q>' in page
    assert 'id="NAT-2.5-ACQ"' in page and "00分・30分に積算電力量9桁を取得し" in page
    assert "無線端末は毎時00分と30分に特例計量器の値を取得する" in page
    assert "不合格（無線端末）: 無線端末がfe80::1宛ての宅内側のデータグラムをIoTルートへ転送した" in page
    assert "UDP 3610-&gt;3610, 15 octets" in page  # the frame, as it was decoded
    assert "Gaps" not in page and "Traceability matrix" not in page
    written = json.loads((run_ja.out / "traceability.json").read_text(encoding="utf-8"))
    first = written["requirements"][0]
    assert first["title"] == load_catalogue().get(first["id"]).title  # English, for tools
