"""A run's Allure results rewritten in another language, for Allure 3 to render.

The results a run writes stay as they are: they are the evidence, in the language of
the feature files and the code, and the bundle keeps them so. For a report in another
language, ``translate_results`` writes a translated copy beside them, which
``reports.html`` hands to Allure 3 and then removes:

* each result's name (the scenario's title, an outline's with its example's values,
  also in its full name after the feature file's path), its feature in the title path,
  its labels (guideline, requirement area, clause title),
  its description (the clause quoted in Japanese stays as it is; title and "Check" are
  translated), its links' names, its status message (and the exception's line of its
  traceback; the code stays code), its parameters' names and the
  values the catalogue knows (an Examples cell: shown translated, while the original
  stays hidden, so that Allure's history of the scenario is the same in every language);
* each step's name (keyword and text), parameters, status message and attachments;
* the text attachments the bench writes, by their name: the diagnosis and the
  measurements line by line, the tables cell by cell (``reports.measurement_table``),
  the sequence chart drawn again (``reports.sequence_chart``), the sequence's heading;
  frames, captures and maintenance-port transcripts stay exactly as the bench saw them;
* the run's metadata (environment.properties values, executor, categories).

Binary attachments are hard-linked into the copy where the file system allows it, so a
run with large captures costs no second copy of them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from reports.i18n.catalogue import Translator
from reports.measurement_table import translate_comparisons_csv, translate_measurements_csv
from reports.sequence_chart import translate_svg

# The names fixtures/evidence.py gives the attachments (tests/reports/test_i18n.py checks
# they agree; importing that pytest plugin here would pull the whole bench into a build).
CAPTURE = "air capture (IEEE 802.15.4 TAP)"
SEQUENCE = "sequence"
SEQUENCE_CHART = "sequence chart"
MEASUREMENTS = "measurements"
MEASUREMENT_TABLE = "measurements (table)"
DECLARED_VS_OBSERVED = "declared vs observed"
DIAGNOSIS = "diagnosis"
MEASUREMENT_PREFIX = "measurement: "
DATA_TABLE = "Data table"  # allure-pytest-bdd's name for a step's data table

LONGEST_VALUE = 200  # a parameter's value longer than this is data (a list of probes), not a phrase
_TITLE_LINE = re.compile(r"\*\*(\S+)\*\* (.+)")
_CHECK_LINE = re.compile(r"Check: (.+)")


_RAISED = re.compile(r"(E +)(\S.*)")


def _trace(text: str, t: Translator) -> str:
    """A traceback stays code; only the lines pytest prefixes with "E", the exception and
    its message, are translated as the status message is."""
    return "\n".join(
        f"{raised.group(1)}{t.message(raised.group(2), quiet=True)}"
        if (raised := _RAISED.fullmatch(line))
        else line
        for line in text.split("\n")
    )


def _lines(text: str, t: Translator) -> str:
    return t.lines(text)


def _sequence(text: str, t: Translator) -> str:
    heading, newline, rest = text.partition("\n")
    return t(heading) + newline + rest


def _data_table(text: str, t: Translator) -> str:
    heading, newline, rest = text.partition("\n")
    return ",".join(t.label(cell) for cell in heading.split(",")) + newline + rest


def _chart(text: str, t: Translator) -> str:
    return translate_svg(text, t)


# How each kind of text attachment is translated, by the name the bench gives it.
CONTENT: dict[str, Callable[[str, Translator], str]] = {
    SEQUENCE: _sequence,
    SEQUENCE_CHART: _chart,
    MEASUREMENTS: _lines,
    MEASUREMENT_TABLE: translate_measurements_csv,
    DECLARED_VS_OBSERVED: translate_comparisons_csv,
    DIAGNOSIS: _lines,
    DATA_TABLE: _data_table,
}


def _content_of(name: str) -> Callable[[str, Translator], str] | None:
    if name.startswith(MEASUREMENT_PREFIX):
        return _lines
    return CONTENT.get(name)


class _Results:
    """One translation of a results directory: what it rewrote, and how."""

    def __init__(self, t: Translator) -> None:
        self.t = t
        self.contents: dict[str, Callable[[str, Translator], str]] = {}  # attachment file -> how

    def result(self, result: dict) -> dict:
        t = self.t
        result["name"] = t(result.get("name", ""))
        if result.get("fullName"):  # "join/join.feature:<scenario>": the file stays, the title is shown
            where, colon, title = result["fullName"].partition(":")
            result["fullName"] = f"{where}{colon}{t(title)}" if colon else t(where)
        if result.get("titlePath"):
            result["titlePath"] = [*result["titlePath"][:-1], t(result["titlePath"][-1])]
        if result.get("description"):
            result["description"] = self.description(result["description"])
        for label in result.get("labels", []):
            label["value"] = self.label(label.get("name", ""), label.get("value", ""))
        for link in result.get("links", []):
            if link.get("name"):
                link["name"] = t(link["name"])
        original = [{**p, "mode": "hidden"} for p in result.get("parameters", [])]
        self.body(result)
        if original:
            # Allure identifies a scenario's history by its parameters' names and values:
            # the run's own stay (hidden), so the history of a report in English goes on in
            # Japanese; the translated ones are shown and left out of that identity.
            result["parameters"] = [{**p, "excluded": True} for p in result["parameters"]] + original
        return result

    def body(self, item: dict) -> None:
        """What a result and a step have in common: status, parameters, attachments, steps."""
        t = self.t
        details = item.get("statusDetails")
        if details and details.get("message"):
            details["message"] = t.message(details["message"])
        if details and details.get("trace"):
            details["trace"] = _trace(details["trace"], t)
        for parameter in item.get("parameters", []):
            parameter["name"] = t.label(parameter["name"])
            parameter["value"] = self.value(parameter.get("value", ""))
        for attachment in item.get("attachments", []):
            name = attachment.get("name", "")
            how = _content_of(name)
            if how is not None and attachment.get("source"):
                self.contents[attachment["source"]] = how
            attachment["name"] = t(name)
        for step in item.get("steps", []):
            step["name"] = self.t(step.get("name", ""))
            self.body(step)

    def value(self, value: str) -> str:
        """A parameter's value: an Examples cell or a quoted step argument the catalogue
        knows is translated (inside its quotes); numbers, names and objects stay."""
        if len(value) > LONGEST_VALUE:
            return value  # a list or an object the step received: data, not words
        quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""
        inner = value[1:-1] if quoted else value
        shown = self.t.quiet(inner)
        return f"{value[0]}{shown}{value[0]}" if quoted else shown

    def label(self, name: str, value: str) -> str:
        if name in ("epic", "feature"):
            return self.t(value)
        if name == "story":
            requirement, _, title = value.partition(" ")
            return f"{requirement} {self.t(title)}" if title else value
        return value

    def description(self, text: str) -> str:
        """The clause's description (fixtures/tags.py): its title and check translated;
        the Japanese quote and the guideline's reference stay as they are."""
        lines = []
        for line in text.split("\n"):
            title, check = _TITLE_LINE.fullmatch(line), _CHECK_LINE.fullmatch(line)
            if title is not None:
                line = f"**{title.group(1)}** {self.t(title.group(2))}"
            elif check is not None:
                line = self.t.fill("Check: {check}", check=self.t(check.group(1)))
            lines.append(line)
        return "\n".join(lines)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _properties(text: str, t: Translator) -> str:
    """environment.properties: the keys are the bench's identifiers, the values are shown."""
    lines = []
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        lines.append(f"{t.quiet(key)}{sep}{t.quiet(value)}" if sep and not line.startswith("#") else line)
    return "\n".join(lines) + "\n"


def translate_categories(categories: list[dict], t: Translator) -> list[dict]:
    """Allure's categories (reports/categories.json), names and descriptions in ``t``'s language."""
    return [
        {**c, "name": t(c["name"]), **({"description": t(c["description"])} if "description" in c else {})}
        for c in categories
    ]


def translate_results(source: Path, target: Path, t: Translator) -> Path:
    """Write the results in ``source`` into ``target`` (created, must not exist) in
    ``t``'s language; returns ``target``. Texts the catalogue lacks stay in English and are
    listed in ``t.missed``."""
    target.mkdir(parents=True)
    results = _Results(t)
    pending: list[Path] = []
    for path in sorted(source.iterdir()):
        if not path.is_file():
            continue
        if path.name.endswith("-result.json"):
            result = json.loads(path.read_text(encoding="utf-8"))
            translated = json.dumps(results.result(result), ensure_ascii=False)
            (target / path.name).write_text(translated, encoding="utf-8")
        elif path.name == "environment.properties":
            (target / path.name).write_text(
                _properties(path.read_text(encoding="utf-8"), t), encoding="utf-8"
            )
        elif path.name == "executor.json":
            executor = json.loads(path.read_text(encoding="utf-8"))
            executor["name"] = t.quiet(executor.get("name", ""))
            (target / path.name).write_text(json.dumps(executor, ensure_ascii=False), encoding="utf-8")
        elif path.name == "categories.json":
            categories = translate_categories(json.loads(path.read_text(encoding="utf-8")), t)
            (target / path.name).write_text(json.dumps(categories, ensure_ascii=False), encoding="utf-8")
        else:
            pending.append(path)  # attachments: their kind is known once every result is read
    for path in pending:
        how = results.contents.get(path.name)
        if how is None:
            _link_or_copy(path, target / path.name)
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        (target / path.name).write_text(how(text, t), encoding="utf-8")
    return target
