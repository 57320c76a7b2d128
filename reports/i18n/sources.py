"""Every English text a report can show, found where it is written.

The catalogue test (``tests/reports/test_i18n.py``) compares these with each language's
catalogue: a text without a translation fails it by name, and so does an entry no text
needs any more. ``python -m reports.i18n.sources --missing ja`` prints the missing ones
as YAML to paste into the catalogue (after a merge that changed some messages, say).

Where the texts are:

* the feature files, read with pytest-bdd's own parser: feature titles, scenario titles
  and steps as written (an outline's with its ``<placeholders>``), the Examples' cells and
  column names, the data tables' headings;
* the step libraries: the names of the step functions' parameters (the report labels a
  step's values with them), and every string of English words in ``steps/`` (messages
  are often built from pieces kept in variables: a problem, a level, a note);
* the verdict messages of ``fixtures/`` and ``conformance/``: the argument of every
  ``TerminalFailure``, ``BenchError`` and ``NotApplicable`` raised and every
  ``pytest.skip``, as a template (an f-string's placeholders written as its expressions,
  ``"{meter}"``; a concatenation joined into one);
* the texts of a few functions whose output a report quotes (``TEXT_FUNCTIONS``): a
  measurement's description, the diagnosis, the requirement link, the summary's gaps;
* the measurements (``conformance/measurements.py``): each limit's name, unit and source;
* the requirement catalogue: the guidelines' epics, the areas, each requirement's title,
  check and reason when untestable;
* the report's own words (``reports/``): every ``t("...")``, ``t.fill("...")`` and
  ``N_("...")``, and the categories' names (``reports/categories.json``).
"""

from __future__ import annotations

import argparse
import ast
import functools
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
VERDICT_ERRORS = frozenset({"TerminalFailure", "BenchError", "NotApplicable"})
SKIPS = frozenset({"skip", "fail"})  # pytest.skip(reason), pytest.fail(reason)
MESSAGE_ROOTS = ("steps", "fixtures", "conformance")
# The rig's side (issue 15): what its drivers, the HIL profile and the rig check raise. A
# ``RigError(part, command, problem)`` reads "part: command: problem"; the problem is the
# text to translate. The emulators stand in for hardware and say nothing to a report.
RIG_ROOTS = ("rigs",)
RIG_ERRORS = frozenset({"RigError"})
NOT_REPORTED = ("rigs/emulators/",)
PROSE_ROOTS = ("steps",)
REPORT_ROOTS = ("reports",)
MARKERS = frozenset({"t", "N_", "fill"})
# Functions whose texts reach the report without being raised (file, qualified name).
TEXT_FUNCTIONS = (
    ("conformance/measurements.py", "Limit.describe"),
    ("conformance/measurements.py", "Measurement.describe"),
    ("conformance/observe/renderings.py", "sequence_text"),
    ("fixtures/evidence.py", "Evidence.measure"),
    ("fixtures/evidence.py", "diagnosis"),
    ("fixtures/evidence.py", "pytest_bdd_after_scenario"),
    ("fixtures/tags.py", "pytest_collection_modifyitems"),
    ("reports/traceability.py", "_judge"),
    ("rigs/drivers/skstackradio.py", "SkStackRadio._silence"),  # in a RigError's problem
    ("rigs/drivers/skstackradio.py", "SkStackRadio._malformed_since"),  # likewise
    ("rigs/profile/route.py", "HilIotRoute.radio_protocol_errors"),  # attachment, fixtures/verdicts.py
)
# Arguments a step receives that are the bench's objects, never shown (fixtures/tags.py).
UNSHOWN_ARGUMENTS = frozenset({"bench", "evidence", "request"})


@dataclass(frozen=True, slots=True)
class Text:
    """An English text a report can show, and where it is written."""

    section: str
    text: str
    origin: str


def _has_words(text: str, count: int) -> bool:
    """Whether ``text`` holds ``count`` English words (two letters or more) in a row."""
    words = 0
    for token in text.replace(",", " ").replace(";", " ").replace(":", " ").split():
        if sum(c.isascii() and c.isalpha() for c in token) >= 2 and token.strip("'\"()[].").isascii():
            words += 1
            if words >= count:
                return True
        else:
            words = 0
    return False


# -- the feature files ---------------------------------------------------------------


def feature_texts(features: Path | None = None, root: Path = ROOT) -> list[Text]:
    from pytest_bdd.feature import get_features

    found = []
    for feature in get_features([str(features or root / "features")]):
        origin = Path(feature.filename).resolve().relative_to(root.resolve()).as_posix()
        found.append(Text("features", feature.name, origin))
        for template in feature.scenarios.values():
            at = f"{origin}:{template.line_number}"
            found.append(Text("scenarios", template.name, at))
            for step in template.steps:
                found.append(Text("steps", step.name, f"{origin}:{step.line_number}"))
                if step.datatable is not None and step.datatable.rows:
                    for cell in step.datatable.rows[0].cells:
                        found.append(Text("labels", cell.value, f"{origin}:{step.line_number}"))
            for examples in template.examples:
                for context in examples.as_contexts():
                    for column, value in context.items():
                        found.append(Text("labels", column, f"{origin}:{examples.line_number}"))
                        if _has_words(value, 1):
                            found.append(Text("examples", value, f"{origin}:{examples.line_number}"))
    return found


def _step_functions(tree: ast.Module) -> Iterator[ast.FunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for decorator in node.decorator_list:
                func = decorator.func if isinstance(decorator, ast.Call) else decorator
                if isinstance(func, ast.Name) and func.id in ("given", "when", "then", "step"):
                    yield node
                    break


def step_labels(root: Path = ROOT) -> list[Text]:
    """The parameter names of every step function: the report's labels of step values."""
    found = []
    for path in sorted((root / "steps").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _step_functions(tree):
            for arg in function.args.args:
                if arg.arg not in UNSHOWN_ARGUMENTS:
                    origin = f"{path.relative_to(root).as_posix()}:{function.lineno}"
                    found.append(Text("labels", arg.arg, origin))
    return found


# -- the code's messages -------------------------------------------------------------


def template(node: ast.expr) -> str:
    """The text a string expression makes, an f-string's placeholders written as its
    expressions (``{len(missing)}``), braces of the text doubled, concatenations joined."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        return "".join(template(value) for value in node.values)
    if isinstance(node, ast.FormattedValue):
        return _placeholder(node.value)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and _is_text(node):
        return template(node.left) + template(node.right)
    return _placeholder(node)


def _placeholder(node: ast.expr) -> str:
    """``{expression}``, with the braces of an f-string nested in it made parentheses so
    that the placeholder stays one token."""
    return "{" + ast.unparse(node).replace("{", "(").replace("}", ")") + "}"


def _is_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    return False


def _literal(text: str) -> str:
    """The literal part of a template: what is left without its placeholders."""
    from reports.i18n.catalogue import tokens

    return "".join(value for kind, value in tokens(text, gherkin=False) if kind == "text")


def _lines(text: str) -> list[str]:
    return [line for line in text.split("\n") if line.strip()]


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _texts_of(node: ast.AST, skip: set[int], words: int) -> Iterator[tuple[str, int]]:
    """Every string expression under ``node`` with ``words`` English words in its literal
    text, outermost first (a concatenation is one text, its pieces are not)."""
    if id(node) in skip:
        return
    if isinstance(node, ast.expr) and _is_text(node):
        for line in _lines(template(node)):
            if _has_words(_literal(line), words):
                yield line, node.lineno
        return
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        for decorator in node.decorator_list:  # step patterns: the feature files give those texts
            skip.update(id(n) for n in ast.walk(decorator))
    function = node.func if isinstance(node, ast.Call) else None
    if isinstance(function, ast.Attribute) and getattr(function.value, "id", None) == "parsers":
        return  # a step pattern outside a decorator
    for child in ast.iter_child_nodes(node):
        yield from _texts_of(child, skip, words)


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _python_files(root: Path, folders: Iterable[str]) -> Iterator[Path]:
    for folder in folders:
        yield from sorted((root / folder).rglob("*.py"))


def _qualified(tree: ast.Module, name: str) -> ast.AST | None:
    scope: ast.AST = tree
    for part in name.split("."):
        scope = next(
            (
                n
                for n in ast.iter_child_nodes(scope)
                if isinstance(n, ast.FunctionDef | ast.ClassDef | ast.AsyncFunctionDef) and n.name == part
            ),
            None,
        )
        if scope is None:
            return None
    return scope


def code_texts(root: Path = ROOT) -> list[Text]:
    """The verdict messages, the steps' texts, the quoted functions' and the report's words."""
    found: list[Text] = []
    parsed: dict[Path, ast.Module] = {}

    def tree_of(path: Path) -> ast.Module:
        if path not in parsed:
            parsed[path] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        return parsed[path]

    for path in _python_files(root, MESSAGE_ROOTS):
        where = path.relative_to(root).as_posix()
        for node in ast.walk(tree_of(path)):
            if not (isinstance(node, ast.Call) and node.args and _is_text(node.args[0])):
                continue
            name = _call_name(node)
            skipping = name in SKIPS and isinstance(node.func, ast.Attribute)
            if name in VERDICT_ERRORS or skipping:
                for line in _lines(template(node.args[0])):
                    if _has_words(_literal(line), 2):
                        found.append(Text("messages", line, f"{where}:{node.lineno}"))
    for path in _python_files(root, RIG_ROOTS):
        where = path.relative_to(root).as_posix()
        if where.startswith(NOT_REPORTED):
            continue
        for node in ast.walk(tree_of(path)):
            if not isinstance(node, ast.Call):
                continue
            name = _call_name(node)
            message = node.args[2] if name in RIG_ERRORS and len(node.args) == 3 else None
            if name in VERDICT_ERRORS and node.args:
                message = node.args[0]
            if message is not None and _is_text(message):
                for line in _lines(template(message)):
                    if _has_words(_literal(line), 2):
                        found.append(Text("messages", line, f"{where}:{node.lineno}"))
    for path in _python_files(root, PROSE_ROOTS):
        where = path.relative_to(root).as_posix()
        tree = tree_of(path)
        for text, line in _texts_of(tree, _docstrings(tree), 2):
            found.append(Text("messages", text, f"{where}:{line}"))
    for file, name in TEXT_FUNCTIONS:
        path = root / file
        function = _qualified(tree_of(path), name) if path.exists() else None
        if function is None:
            raise LookupError(f"{file} has no function {name}: update TEXT_FUNCTIONS in {__name__}")
        for text, line in _texts_of(function, _docstrings(function), 2):
            found.append(Text("messages", text, f"{file}:{line} ({name})"))
    for path in _python_files(root, REPORT_ROOTS):
        where = path.relative_to(root).as_posix()
        for node in ast.walk(tree_of(path)):
            if isinstance(node, ast.Call) and _call_name(node) in MARKERS and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.append(Text("report", first.value, f"{where}:{node.lineno}"))
    return found


def code_strings(root: Path = ROOT) -> set[str]:
    """Every string the code holds (constants, and f-strings as templates, whole and by
    line): an entry of the report's or the messages' sections that is none of them is
    stale."""
    strings: set[str] = set()
    for path in _python_files(root, (*MESSAGE_ROOTS, *REPORT_ROOTS, *RIG_ROOTS)):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.expr) and _is_text(node):
                text = template(node)
                strings.add(text)
                strings.update(_lines(text))
                if isinstance(node, ast.Constant):
                    strings.add(node.value)
    categories = json.loads((root / "reports" / "categories.json").read_text(encoding="utf-8"))
    strings.update(text for c in categories for text in (c["name"], c.get("description", "")))
    return strings


# -- the measurements and the requirement catalogue ----------------------------------


def measurement_texts() -> list[Text]:
    from conformance import measurements

    found = []
    for name, limit in vars(measurements).items():
        if isinstance(limit, measurements.Limit):
            origin = f"conformance/measurements.py ({name})"
            found += [
                Text("measurements", limit.name, origin),
                Text("units", limit.unit, origin),
                Text("measurements", limit.source, origin),
            ]
    return found


def requirement_texts() -> list[Text]:
    from conformance.catalogue import AREAS, load_catalogue

    catalogue = load_catalogue()
    origin = "conformance/catalogue/requirements.yaml"
    found = [Text("requirements", area, f"{origin} (area)") for area in AREAS]
    for key in ("NAT", "THK"):
        found.append(Text("requirements", catalogue.guideline(key).epic, f"{origin} ({key} epic)"))
    for requirement in catalogue:
        at = f"{origin} ({requirement.id})"
        found += [Text("requirements", requirement.title, at), Text("requirements", requirement.check, at)]
        if requirement.untestable_reason:
            found.append(Text("requirements", requirement.untestable_reason, at))
    return found


@functools.cache
def _all_texts(root: Path) -> tuple[Text, ...]:
    found = [
        *feature_texts(root=root),
        *step_labels(root),
        *code_texts(root),
        *measurement_texts(),
        *requirement_texts(),
    ]
    unique: dict[tuple[str, str], Text] = {}
    for text in found:
        unique.setdefault((text.section, text.text), text)
    return tuple(unique.values())


def all_texts(root: Path = ROOT) -> list[Text]:
    """Every text a report can show, each once (its first origin); read once per process."""
    return list(_all_texts(root))


# -- against a catalogue ---------------------------------------------------------------


def missing(language: str, root: Path = ROOT) -> list[Text]:
    """The texts ``language``'s catalogue lacks (verbatim ones aside)."""
    from reports.i18n.catalogue import TEXT_SECTIONS, load_catalogue

    catalogue = load_catalogue(language)
    known = {key for name in TEXT_SECTIONS for key in catalogue.section(name)} | set(catalogue.verbatim)
    units = catalogue.section("units")
    return [
        t for t in all_texts(root) if (t.text not in units if t.section == "units" else t.text not in known)
    ]


def stale(language: str, root: Path = ROOT) -> list[tuple[str, str]]:
    """(section, English) of the entries no text of the project needs any more."""
    from reports.i18n.catalogue import load_catalogue

    catalogue = load_catalogue(language)
    texts = all_texts(root)
    needed = {(t.section, t.text) for t in texts}
    everywhere = {t.text for t in texts}
    strings = code_strings(root)
    found = []
    for section in ("features", "scenarios", "steps", "examples", "labels", "requirements", "measurements"):
        found += [(section, key) for key in catalogue.section(section) if (section, key) not in needed]
    for section in ("messages", "report"):
        found += [
            (section, key)
            for key in catalogue.section(section)
            if key not in everywhere and key not in strings
        ]
    found += [("units", key) for key in catalogue.section("units") if ("units", key) not in needed]
    found += [("verbatim", key) for key in catalogue.verbatim if key not in everywhere]
    return found


def as_yaml(texts: Iterable[Text]) -> str:
    """Missing texts as catalogue entries to complete: the English repeated in place of
    the translation, with where each text is written."""
    out = []
    by_section: dict[str, list[Text]] = {}
    for text in texts:
        by_section.setdefault(text.section, []).append(text)
    for section, entries in by_section.items():
        out.append(f"{section}:")
        for entry in entries:
            key = yaml.safe_dump(entry.text, allow_unicode=True, width=10_000).removesuffix("\n...\n").strip()
            out.append(f"  # {entry.origin}")
            out.append(f"  {key}: {key}")
    return "\n".join(out) + ("\n" if out else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="English texts a report shows, against a catalogue")
    parser.add_argument("--missing", metavar="LANGUAGE", help="print the texts the catalogue lacks, as YAML")
    parser.add_argument("--stale", metavar="LANGUAGE", help="print the catalogue's entries nothing needs")
    args = parser.parse_args(argv)
    if args.missing:
        sys.stdout.write(as_yaml(missing(args.missing)))
    if args.stale:
        for section, key in stale(args.stale):
            print(f"{section}: {key!r}")
    if not (args.missing or args.stale):
        sys.stdout.write(as_yaml(all_texts()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
