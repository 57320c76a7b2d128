"""The certification summary: a traceability matrix from every requirement to its verdicts.

    python -m reports.traceability --verdicts reports/out/verdicts.json \\
        --results reports/out/allure-results --output reports/out

writes ``traceability.json`` and ``traceability.html`` into the output directory.

Every requirement of the catalogue appears, testable or not (an untestable one with the
reason), with the scenarios that check it (the ``@req:`` tags of the feature files, read
with pytest-bdd's own parser) and the verdicts this run gave them (the verdicts JSON,
fixtures/verdicts.py). A *gap* is a testable requirement the run did not show to be met:
no scenario, no scenario this profile can run, scenarios that did not run, or a verdict
other than pass. What the declaration said next to what the bench observed is listed
from the same verdicts (``Evidence.compare_declared``), differences first.

A requirement's status is the worst of its scenarios' verdicts: fail, then error, then
pass; it is *not applicable* only when every one of its verdicts is. Every scenario the
run skipped as not applicable is listed with its reason, "not applicable on this rig:
<reason>" (on the twin, "on this profile"): the capability the rig or profile lacks
(``NotApplicable``, DESIGN.md rule 6), or what the declaration says is absent.

On the hil profile the summary also gives, per scenario, whether it runs on this rig
("runs on this rig") or the exact part it lacks (the reason of its ``NotApplicable``: "needs
a sniffer", "twin-only on this rig: ..."), and how many scenarios of each feature area ran
(``on_this_rig``, ``on_this_rig_by_area``).

The JSON stays in English, for tools; the HTML is written in the report's language
(``--lang``), its requirement IDs, clause quotes and frame details as they are.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pytest_bdd.feature import get_features

from conformance.catalogue import Catalogue, Requirement, load_catalogue
from conformance.observe.monitors import MONITOR_SOURCE, MONITORS, parse_verdict_name, verdict_name
from reports.i18n import ENGLISH, LANGUAGES, N_, Translator, translator

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENT_TAG = "req:"
PASS, FAIL, ERROR, NOT_APPLICABLE = "pass", "fail", "error", "not applicable"
NO_SCENARIO, NOT_RUN, OTHER_PROFILE, UNTESTABLE = "no scenario", "not run", "other profile", "untestable"
_ORDER = (FAIL, ERROR, PASS, NOT_APPLICABLE)  # a requirement shows the first of these it has
_VERDICT_FIELDS = ("scenario", "dut", "seed", "verdict", "message")
_COUNTS_SHOWN_APART = ("requirements", "testable", "untestable")
RUNS_ON_THIS_RIG = N_("runs on this rig")


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A scenario of a feature file and the requirements its tags name."""

    name: str  # as written; an outline's may hold <placeholders>
    feature: str  # the feature file, relative to the project root
    requirements: tuple[str, ...]

    def matches(self, verdict: dict) -> bool:
        """Whether ``verdict`` (an entry of the verdicts JSON) is a run of this scenario."""
        if verdict.get("feature") and verdict["feature"] != self.feature:
            return False
        # An outline's <placeholders> are rendered in the verdict's name, one per example.
        pattern = ".+".join(re.escape(part) for part in re.split(r"<[^>]+>", self.name))
        return re.fullmatch(pattern, verdict["scenario"]) is not None


@dataclass(slots=True, kw_only=True)
class Row:
    """One requirement of the matrix."""

    requirement: Requirement
    scenarios: list[tuple[Scenario, list[dict]]] = field(default_factory=list)
    status: str = NO_SCENARIO
    gap: str | None = None  # why the run did not show the requirement met


def feature_scenarios(features: Path, root: Path = ROOT) -> list[Scenario]:
    """Every scenario under ``features`` with the requirement IDs of its tags (its own, its
    rule's, its feature's and its examples', as pytest-bdd applies them)."""
    found = []
    for feature in get_features([str(features)]):
        path = Path(feature.filename).resolve()
        try:
            relative = path.relative_to(root.resolve()).as_posix()
        except ValueError:
            relative = path.as_posix()
        for template in feature.scenarios.values():
            tags = set(template.tags) | set(feature.tags)
            if template.rule is not None:
                tags |= set(template.rule.tags)
            for examples in template.examples:
                tags |= set(examples.tags or ())
            ids = sorted(t.removeprefix(REQUIREMENT_TAG) for t in tags if t.startswith(REQUIREMENT_TAG))
            found.append(Scenario(name=template.name, feature=relative, requirements=tuple(ids)))
    return found


def monitor_scenarios() -> list[Scenario]:
    """The always-on monitors (conformance/observe/monitors), one row each under its
    requirement, holding its verdict over every scenario it watched (fixtures/monitors.py)."""
    return [
        Scenario(name=verdict_name(m.id, "<scenario>"), feature=MONITOR_SOURCE, requirements=(m.requirement,))
        for m in MONITORS
    ]


def _status(verdicts: Sequence[dict]) -> str:
    seen = {v["verdict"] for v in verdicts}
    if seen == {NOT_APPLICABLE}:
        return NOT_APPLICABLE
    return next(s for s in _ORDER if s in seen)


def build(
    catalogue: Catalogue,
    scenarios: Sequence[Scenario],
    verdicts: Sequence[dict],
    *,
    profile: str,
    run: dict[str, str] | None = None,
) -> dict:
    """The matrix as a JSON-ready dictionary (the HTML is rendered from it)."""
    unknown = sorted({r for s in scenarios for r in s.requirements if r not in catalogue})
    if unknown:
        raise ValueError(f"feature files tag requirements the catalogue lacks: {', '.join(unknown)}")
    matched: set[int] = set()
    rows = []
    for requirement in catalogue:
        row = Row(requirement=requirement)
        for scenario in (s for s in scenarios if requirement.id in s.requirements):
            runs = [v for v in verdicts if requirement.id in v["requirements"] and scenario.matches(v)]
            matched |= {id(v) for v in runs}
            row.scenarios.append((scenario, runs))
        _judge(row, profile)
        rows.append(row)
    comparisons = [
        {"scenario": v["scenario"], "feature": v.get("feature", ""), "dut": v["dut"], "seed": v["seed"], **c}
        for v in verdicts
        for c in v.get("declared_vs_observed", ())
    ]
    comparisons.sort(key=lambda c: bool(c["agrees"]))
    not_applicable = _not_applicable(verdicts, profile)
    on_rig = on_this_rig(verdicts) if profile == "hil" else []
    statuses = [row.status for row in rows]
    return {
        "run": dict(run or {}),
        "profile": profile,
        "terminals": sorted({v["dut"] for v in verdicts}),
        "summary": {
            "requirements": len(rows),
            "testable": sum(r.requirement.testable for r in rows),
            "untestable": sum(not r.requirement.testable for r in rows),
            **{status: statuses.count(status) for status in dict.fromkeys(statuses)},
            "gaps": sum(r.gap is not None for r in rows),
            "declared_vs_observed_differences": sum(not c["agrees"] for c in comparisons),
        },
        "requirements": [_row_json(row) for row in rows],
        "gaps": [
            {"id": r.requirement.id, "title": r.requirement.title, "status": r.status, "reason": r.gap}
            for r in rows
            if r.gap is not None
        ],
        "declared_vs_observed": comparisons,
        "not_applicable": not_applicable,
        "on_this_rig": on_rig,
        "on_this_rig_by_area": _by_area(on_rig),
        # Verdicts of scenarios the feature files no longer hold (renamed, moved): shown, not lost.
        "unmatched_verdicts": [v for v in verdicts if id(v) not in matched],
    }


def not_applicable_on(profile: str) -> str:
    """How the summary says where a scenario did not apply: a rig, or the run's profile."""
    return N_("not applicable on this rig") if profile == "hil" else N_("not applicable on this profile")


def on_this_rig(verdicts: Sequence[dict]) -> list[dict]:
    """Per scenario of a hil run: "runs on this rig", or what it lacks (its skip reason)."""
    found: dict[tuple[str, str], dict] = {}
    for v in verdicts:
        if v.get("feature") == MONITOR_SOURCE:
            continue
        key = (v.get("feature", ""), v["scenario"])
        entry = found.setdefault(key, {"scenario": v["scenario"], "feature": key[0], "on_this_rig": None})
        if v["verdict"] != NOT_APPLICABLE:
            entry["on_this_rig"] = RUNS_ON_THIS_RIG
        elif entry["on_this_rig"] is None:
            entry["on_this_rig"] = v["message"] or "no reason given"
    return sorted(found.values(), key=lambda e: (e["feature"], e["scenario"]))


def _by_area(on_rig: Sequence[dict]) -> dict[str, dict[str, int]]:
    """Scenarios that ran on the rig, and of how many, per feature area (its folder)."""
    areas: dict[str, dict[str, int]] = {}
    for entry in on_rig:
        parts = Path(entry["feature"]).parts
        area = parts[-2] if len(parts) >= 2 else entry["feature"] or "(unknown)"
        counts = areas.setdefault(area, {"runs on this rig": 0, "scenarios": 0})
        counts["scenarios"] += 1
        counts["runs on this rig"] += entry["on_this_rig"] == RUNS_ON_THIS_RIG
    return dict(sorted(areas.items()))


def _not_applicable(verdicts: Sequence[dict], profile: str) -> list[dict]:
    """The scenarios skipped as not applicable, each once per reason (over seeds and
    terminal twins), with the line the summary shows for it."""
    where = not_applicable_on(profile)
    found: dict[tuple[str, str, str], dict] = {}
    for v in verdicts:
        if v["verdict"] != NOT_APPLICABLE:
            continue
        reason = v["message"] or "no reason given"
        key = (v["scenario"], v.get("feature", ""), reason)
        entry = found.setdefault(
            key,
            {
                "scenario": v["scenario"],
                "feature": v.get("feature", ""),
                "requirements": sorted(v["requirements"]),
                "reason": reason,
                "shown": f"{where}: {reason}",
                "runs": 0,
            },
        )
        entry["runs"] += 1
    return sorted(found.values(), key=lambda e: (e["feature"], e["scenario"], e["reason"]))


def _judge(row: Row, profile: str) -> None:
    requirement = row.requirement
    if not requirement.testable:
        row.status = UNTESTABLE
        return
    runs = [v for _, found in row.scenarios for v in found]
    if runs:
        row.status = _status(runs)
        if row.status != PASS:
            failing = [v for v in runs if v["verdict"] == row.status]
            label = not_applicable_on(profile) if row.status == NOT_APPLICABLE else row.status
            row.gap = f"{label}: {failing[0]['scenario']}" + (
                f": {failing[0]['message']}" if failing[0]["message"] else ""
            )
    elif row.scenarios:
        row.status = NOT_RUN
        row.gap = "its scenarios did not run in this run"
    elif profile not in requirement.profiles:
        row.status = OTHER_PROFILE
        row.gap = f"only the {', '.join(requirement.profiles)} profile can check it; this run is {profile}"
    else:
        row.status = NO_SCENARIO
        row.gap = "no scenario checks it yet"


def _row_json(row: Row) -> dict:
    r = row.requirement
    return {
        "id": r.id,
        "guideline": r.guideline,
        "section": r.section,
        "title": r.title,
        "area": r.area,
        "severity": r.severity,
        "quote": r.quote,
        "check": r.check,
        "testable": r.testable,
        "untestable_reason": r.untestable_reason,
        "profiles": list(r.profiles),
        "status": row.status,
        "gap": row.gap,
        "scenarios": [
            {
                "name": scenario.name,
                "feature": scenario.feature,
                "status": _status(runs) if runs else NOT_RUN,
                "verdicts": [{k: v[k] for k in _VERDICT_FIELDS if k in v} for v in runs],
            }
            for scenario, runs in row.scenarios
        ],
    }


def read_properties(path: Path) -> dict[str, str]:
    """An Allure environment.properties file (key=value lines); empty if absent."""
    if not path.exists():
        return {}
    lines = path.read_text(encoding="utf-8").splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


# -- HTML ------------------------------------------------------------------------------

_STYLE = """
body { font-family: "Noto Sans CJK JP", "Noto Sans", "DejaVu Sans", sans-serif; margin: 2em; color: #1d2733; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 2em; }
table { border-collapse: collapse; width: 100%; font-size: 0.9em; }
th, td { border: 1px solid #c9d2dc; padding: 4px 6px; vertical-align: top; text-align: left; }
th { background: #eef3f8; white-space: nowrap; } tr:target { outline: 3px solid #1f6fb2; }
.status { font-weight: bold; white-space: nowrap; padding: 1px 6px; border-radius: 3px; }
.pass { background: #d4f1dc; color: #14602d; } .fail { background: #f8d4d0; color: #8e1b10; }
.error { background: #fde9c8; color: #7a4a00; } .na, .untestable { background: #e6e9ee; color: #444; }
.gap { background: #fff3cd; color: #6b5200; }
q { quotes: "「" "」"; color: #444; } .small { font-size: 0.85em; color: #555; }
ul { margin: 0; padding-left: 1.2em; }
"""
MIXED_TERMINALS = N_(
    "These verdicts come from several terminal twins: a certification summary judges one terminal."
)
_CSS_CLASS = {PASS: "pass", FAIL: "fail", ERROR: "error", NOT_APPLICABLE: "na", UNTESTABLE: "untestable"}
# Words the page shows from the matrix's data, translated where they are shown.
_SHOWN = (
    N_("pass"), N_("fail"), N_("error"), N_("not applicable"), N_("no scenario"), N_("not run"),
    N_("other profile"), N_("untestable"), N_("gaps"), N_("declared vs observed differences"),
)  # fmt: skip


def _badge(status: str, t: Translator) -> str:
    return f'<span class="status {_CSS_CLASS.get(status, "gap")}">{html.escape(t(status))}</span>'


def _gap(reason: str, t: Translator) -> str:
    """A gap's reason in ``t``'s language: "<status>: <scenario>: <message>" (``_judge``) or
    one of its fixed reasons."""
    status, _, rest = reason.partition(": ")
    if status in _CSS_CLASS and rest:
        scenario, _, message = rest.partition(": ")
        parts = [t(status), t(scenario), *([t.message(message)] if message else [])]
        return ": ".join(parts)
    return t(reason)


def render_html(matrix: dict, language: str | Translator = ENGLISH) -> str:
    """The page, in ``language`` (or a translator's, which then lists what it missed)."""
    e = html.escape
    t = language if isinstance(language, Translator) else translator(language)
    run = matrix["run"]
    summary = matrix["summary"]
    title = t("Certification summary: IoT-route conformance")
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{e(t.language)}"><head><meta charset="utf-8">',
        f"<title>{e(title)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<h1>{e(title)}</h1>",
        '<table class="small"><tbody>',
        *(f"<tr><th>{e(t.quiet(k))}</th><td>{e(t.quiet(v))}</td></tr>" for k, v in run.items()),
        f"<tr><th>{e(t('terminal twin(s) judged'))}</th>"
        f"<td>{e(', '.join(matrix['terminals']) or t('none'))}</td></tr>",
        "</tbody></table>",
        "<p>",
        e(
            t.fill(
                "{requirements} requirements ({testable} testable, {untestable} untestable on a bench); ",
                requirements=summary["requirements"],
                testable=summary["testable"],
                untestable=summary["untestable"],
            )
        )
        + t.mark(", ").join(
            f"{e(t(k.replace('_', ' ')))}: {summary[k]}" for k in summary if k not in _COUNTS_SHOWN_APART
        )
        + t.mark(".")
        + "</p>",
    ]
    if len(matrix["terminals"]) > 1:
        out.append("<p><strong>" + e(t(MIXED_TERMINALS)) + "</strong></p>")
    out.append(f"<h2>{e(t('Gaps: testable requirements the run did not show met'))}</h2>")
    if matrix["gaps"]:
        out.append(
            f"<table><thead><tr><th>{e(t('requirement'))}</th><th>{e(t('status'))}</th>"
            f"<th>{e(t('why'))}</th></tr></thead><tbody>"
        )
        out += [
            f'<tr><td><a href="#{e(g["id"])}">{e(g["id"])}</a> {e(t(g["title"]))}</td>'
            f"<td>{_badge(g['status'], t)}</td><td>{e(_gap(g['reason'], t))}</td></tr>"
            for g in matrix["gaps"]
        ]
        out.append("</tbody></table>")
    else:
        out.append(f"<p>{e(t('None: every testable requirement has a passing verdict.'))}</p>")
    where = t(not_applicable_on(matrix["profile"]))
    out.append(f"<h2>{e(t.fill('Scenarios {where}', where=where))}</h2>")
    if matrix["not_applicable"]:
        out.append("<ul>")
        out += [
            f"<li>{e(_scenario_name(n['scenario'], t))} ({e(', '.join(n['requirements']))}): "
            + e(f"{where}: {t.message(n['reason'])}")
            + (
                f' <span class="small">{e(t.fill("({runs} runs)", runs=n["runs"]))}</span>'
                if n["runs"] > 1
                else ""
            )
            + "</li>"
            for n in matrix["not_applicable"]
        ]
        out.append("</ul>")
    else:
        out.append(f"<p>{e(t.fill('None: no scenario of this run was {where}.', where=where))}</p>")
    if matrix.get("on_this_rig"):
        out.append(f"<h2>{e(t('Scenarios and this rig'))}</h2><ul>")
        out += [
            f"<li>{e(area)}: "
            + e(t.fill("{runs} of {total} run on this rig", runs=c["runs on this rig"], total=c["scenarios"]))
            + "</li>"
            for area, c in matrix["on_this_rig_by_area"].items()
        ]
        out.append("</ul><ul>")
        out += [
            f"<li>{e(_scenario_name(s['scenario'], t))}: {e(t.message(s['on_this_rig']))}</li>"
            for s in matrix["on_this_rig"]
        ]
        out.append("</ul>")
    out += [
        f"<h2>{e(t('Traceability matrix'))}</h2>",
        f"<table><thead><tr><th>{e(t('requirement'))}</th><th>{e(t('clause'))}</th>"
        f"<th>{e(t('severity'))}</th><th>{e(t('status'))}</th>"
        f"<th>{e(t('scenarios and verdicts'))}</th></tr></thead><tbody>",
    ]
    for r in matrix["requirements"]:
        out.append(_matrix_row(r, where, t))
    out.append("</tbody></table>")
    out.append(f"<h2>{e(t('Declared versus observed'))}</h2>")
    comparisons = matrix["declared_vs_observed"]
    if comparisons:
        out.append(
            f"<table><thead><tr><th>{e(t('item'))}</th><th>{e(t('declared'))}</th><th>{e(t('observed'))}</th>"
            f"<th>{e(t('agrees'))}</th><th>{e(t('requirement'))}</th><th>{e(t('scenario'))}</th></tr>"
            "</thead><tbody>"
        )
        out += [
            f"<tr><td>{e(t(c['item']))}</td><td>{e(c['declared'])}</td><td>{e(c['observed'])}</td>"
            f'<td><span class="status {"pass" if c["agrees"] else "fail"}">'
            f"{e(t('yes') if c['agrees'] else t('NO'))}</span></td>"
            f"<td>{e(c['source'])}</td>"
            f"<td>{e(t.fill('{scenario} (seed {seed})', scenario=t(c['scenario']), seed=c['seed']))}"
            "</td></tr>"
            for c in comparisons
        ]
        out.append("</tbody></table>")
    else:
        out.append(
            f"<p>{e(t('No scenario of this run compared a declared value with an observed one.'))}</p>"
        )
    if matrix["unmatched_verdicts"]:
        out.append(f"<h2>{e(t('Verdicts of scenarios the feature files no longer hold'))}</h2><ul>")
        out += [
            f"<li>{e(t(v['scenario']))} ({e(', '.join(v['requirements']))}): {_badge(v['verdict'], t)}</li>"
            for v in matrix["unmatched_verdicts"]
        ]
        out.append("</ul>")
    out.append(
        '<p class="small">'
        + t.fill(
            "Written by {command} from the requirement catalogue, the feature files and the run's "
            "verdicts. The HTML report (html/index.html) holds each scenario's evidence.",
            command="<code>python -m reports.traceability</code>",
        )
        + "</p></body></html>"
    )
    return "\n".join(out) + "\n"


def _scenario_name(name: str, t: Translator) -> str:
    """A scenario's name in the report's language; a monitor's verdict over a scenario
    names the monitor by its ID and the scenario translated."""
    monitor = parse_verdict_name(name)
    if monitor is None:
        return t(name)
    return t.fill("monitor {monitor} over {scenario}", monitor=monitor[0], scenario=t(monitor[1]))


def _runs_note(runs: int, t: Translator) -> str:
    return f' <span class="small">{html.escape(t.fill("({runs} runs)", runs=runs))}</span>'


def _matrix_row(r: dict, where: str, t: Translator) -> str:
    e = html.escape
    if not r["testable"]:
        scenarios = f"<em>{e(t('untestable on a bench:'))}</em> {e(t(r['untestable_reason'] or ''))}"
    elif not r["scenarios"]:
        scenarios = f"<em>{e(_gap(r['gap'] or '', t))}</em>"
    else:
        items = []
        for s in r["scenarios"]:
            runs = s["verdicts"]
            seeds = " " + t.fill("({runs} runs)", runs=len(runs)) if len(runs) > 1 else ""
            messages = sorted(
                {
                    f"{where}: {t.message(v['message'])}"
                    if v["verdict"] == NOT_APPLICABLE
                    else t.message(v["message"])
                    for v in runs
                    if v["verdict"] != PASS and v["message"]
                }
            )
            detail = f'<br><span class="small">{e(messages[0])}</span>' if messages else ""
            items.append(
                f"<li>{e(_scenario_name(s['name'], t))} {_badge(s['status'], t)}{e(seeds)}{detail}</li>"
            )
        scenarios = "<ul>" + "".join(items) + "</ul>"
    return (
        f'<tr id="{e(r["id"])}"><td><strong>{e(r["id"])}</strong><br>{e(t(r["title"]))}</td>'
        f'<td><q lang="ja">{e(r["quote"])}</q><br><span class="small">{e(r["section"])}{e(t.mark("; "))}'
        f"{e(t.fill('check: {check}', check=t(r['check'])))}</span></td>"
        f"<td>{e(t(r['severity']))}</td><td>{_badge(r['status'], t)}</td><td>{scenarios}</td></tr>"
    )


def write(matrix: dict, output: Path, language: str | Translator = ENGLISH) -> tuple[Path, Path]:
    output.mkdir(parents=True, exist_ok=True)
    as_json = output / "traceability.json"
    as_html = output / "traceability.html"
    as_json.write_text(json.dumps(matrix, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    as_html.write_text(render_html(matrix, language), encoding="utf-8")
    return as_json, as_html


def load_verdicts(path: Path) -> list[dict]:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no verdicts (the pytest run writes them with --verdicts-json)")
    verdicts = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(verdicts, list):
        raise ValueError(f"{path}: expected a list of verdicts")
    return verdicts


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verdicts", type=Path, required=True, help="the verdicts JSON of the run")
    parser.add_argument("--output", type=Path, required=True, help="directory for traceability.json/.html")
    parser.add_argument("--results", type=Path, default=None, help="Allure results (environment.properties)")
    parser.add_argument("--features", type=Path, default=ROOT / "features", help="the feature files")
    parser.add_argument("--profile", default=None, help="the run's profile (default: the results', or twin)")
    parser.add_argument("--lang", choices=LANGUAGES, default=ENGLISH, help="the page's language (default en)")
    args = parser.parse_args(None if argv is None else list(argv))
    run = read_properties(args.results / "environment.properties") if args.results else {}
    profile = args.profile or run.get("profile", "twin")
    try:
        matrix = build(
            load_catalogue(),
            feature_scenarios(args.features) + monitor_scenarios(),
            load_verdicts(args.verdicts),
            profile=profile,
            run=run,
        )
    except (OSError, ValueError) as exc:
        print(f"certification summary: {exc}", file=sys.stderr)
        return 1
    _, as_html = write(matrix, args.output, args.lang)
    s = matrix["summary"]
    print(f"certification summary: {as_html} ({s['requirements']} requirements, {s['gaps']} gaps)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
