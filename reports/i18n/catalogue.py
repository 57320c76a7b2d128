"""Message catalogues: the report's texts in another language, keyed by their English.

Theory of operation. The English texts stay where they are written: feature files, step
code, the core's messages, the measurements' declarations, the report's own code. One
YAML file per language (``reports/i18n/<language>.yaml``) maps each English text to its
translation, in sections that say where the text comes from. A key is one of three kinds:

* a text as it appears (a feature title, a measurement name, a heading): looked up exactly;
* a Gherkin outline's title or step, with ``<placeholders>`` (sections ``scenarios`` and
  ``steps``): a title or step rendered for one example matches it, and each value in
  place of a placeholder (an Examples cell) is translated in turn;
* a message template from the code (every other section), with the f-string's
  placeholders written as the expressions read (``{meter}``, ``{len(missing)}``, see
  ``reports.i18n.sources``): a message with values matches it, the values are translated
  in turn where the catalogue knows them (a measurement name inside a failure message, a
  unit after a number) and kept as they are otherwise (a meter's name, a frame's layers).

A translation may reorder the placeholders, as Japanese word order needs, and may leave
out a placeholder that only carries English grammar (a plural ``s``).

Why YAML keyed by the English text and not gettext ``.po`` files through Babel: the
texts come from Gherkin and from f-strings in ``raise`` statements, which neither
``xgettext`` nor Babel's extractors read, so the extraction is ours either way
(``reports.i18n.sources``, with ``ast`` and pytest-bdd's parser); a ``.po`` file would
add a compile step (``.mo``) and positional ``%s`` arguments where a translator needs the
expressions' names to reorder them. PyYAML is already a dependency of the bench, the file
reads as a two-column glossary in review, and the tests (``tests/reports/test_i18n.py``)
do what ``msgfmt --check`` would: every text has a translation, no entry is stale, the
placeholders agree, the glossary's terms are used.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ENGLISH = "en"
LANGUAGES = (ENGLISH, "ja")  # English is the source: it has no catalogue file

# The sections whose keys are Gherkin texts, with <placeholders> in outlines; every other
# section's keys are texts or templates from the code, with {placeholders}.
GHERKIN_SECTIONS = ("features", "scenarios", "steps")
TEXT_SECTIONS = (
    *GHERKIN_SECTIONS,
    "examples",  # the cells of Examples tables (values of outline placeholders)
    "labels",  # names of step parameters, Examples columns and data-table headings
    "requirements",  # the catalogue's epics, areas, titles, checks and untestable reasons
    "measurements",  # names and clause sources of conformance/measurements.py
    "messages",  # verdict and diagnosis messages of steps/, fixtures/ and conformance/
    "report",  # the report's own words: summary, diagnosis, attachments, bundle README
)
TABLE_SECTIONS = ("keywords", "exceptions", "units", "punctuation")
GHERKIN_KEYWORDS = ("Given", "When", "Then", "And", "But", "*")

_CODE_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")
_GHERKIN_TOKEN = re.compile(r"<(\w+)>")
_QUANTITY = re.compile(r"(-?\d[\d,]*(?:\.\d+)?) (\S+)")
_EDGES = re.compile(r"(\s*)(.*?)(\s*)", re.DOTALL)
_EXCEPTION = re.compile(r"((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*): (.*)", re.DOTALL)
# A template with fewer literal characters than this ("{why} ({tid})") says little by
# itself: it translates a text only when one of its values translates.
WEAK_TEMPLATE = 6
# Texts longer than this are matched exactly only: a template's regex over a capture of
# thousands of frames would cost far more than its words are worth.
LONGEST_TEMPLATED = 4000
_ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}[ ,;:'-]+[A-Za-z]{2,}")
_WORD = re.compile(r"[A-Za-z]{2,}")
# Three lowercase words in a row: English prose left in a translation (protocol names,
# frame summaries and identifiers are capitalised or joined by other characters).
_PROSE = re.compile(r"(?<![\w.-])[a-z]{2,}(?: [a-z]{2,}){2,}(?![\w-])")


def _english(text: str) -> int:
    """How much English ``text`` holds: the letters of its words (identifiers count too,
    equally in every reading of a text, so they do not tip a choice between readings)."""
    return sum(len(word) for word in _WORD.findall(text))


class CatalogueFileError(ValueError):
    """A catalogue file is not what the translator needs; the message names the file and key."""


class _StrictLoader(yaml.SafeLoader):
    """YAML's loader keeps the last of two equal keys; a catalogue must not lose a
    translation that way, so a repeated key is an error naming its line."""


def _mapping(loader: _StrictLoader, node: yaml.MappingNode) -> dict:
    seen: dict[object, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise CatalogueFileError(
                f"line {key_node.start_mark.line + 1}: {key!r} is given twice (first on line {seen[key] + 1})"
            )
        seen[key] = key_node.start_mark.line
    return loader.construct_mapping(node)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def tokens(key: str, *, gherkin: bool) -> list[tuple[str, str]]:
    """``key`` as ("text", literal) and ("slot", placeholder) parts, in order."""
    parts: list[tuple[str, str]] = []
    pattern = _GHERKIN_TOKEN if gherkin else _CODE_TOKEN
    at = 0
    for match in pattern.finditer(key):
        literal = key[at : match.start()]
        if match.group(1) is None:  # "{{" or "}}": a brace written twice in an f-string
            parts.append(("text", literal + match.group(0)[0]))
        else:
            parts.append(("text", literal))
            parts.append(("slot", match.group(1)))
        at = match.end()
    parts.append(("text", key[at:]))
    return [p for p in parts if p[1] or p[0] == "slot"]


def placeholders(key: str, *, gherkin: bool) -> list[str]:
    return [value for kind, value in tokens(key, gherkin=gherkin) if kind == "slot"]


@dataclass(frozen=True, slots=True)
class Template:
    """A key with placeholders, compiled: a text it matches, with values in place."""

    key: str
    target: str
    gherkin: bool
    regexes: tuple[re.Pattern[str], ...]  # the values as short as they can be, then as long
    slots: tuple[str, ...]
    prefix: str  # the literal text before the first placeholder, for a cheap test
    literals: tuple[str, ...]  # every literal part: a text that lacks one cannot match
    weight: int  # literal characters: the more, the more specific

    @classmethod
    def compile(cls, key: str, target: str, *, gherkin: bool) -> Template | None:
        parts = tokens(key, gherkin=gherkin)
        slots = tuple(value for kind, value in parts if kind == "slot")
        if not slots:
            return None
        regexes = tuple(
            re.compile("".join(re.escape(v) if kind == "text" else group for kind, v in parts), re.DOTALL)
            for group in ("(.*?)", "(.*)")
        )
        prefix = parts[0][1] if parts[0][0] == "text" else ""
        literals = tuple(value for kind, value in parts if kind == "text")
        weight = sum(len(value.strip()) for value in literals)
        return cls(key, target, gherkin, regexes, slots, prefix, literals, weight)

    def fill(self, values: Mapping[str, str]) -> str:
        out = []
        for kind, value in tokens(self.target, gherkin=self.gherkin):
            out.append(values.get(value, value) if kind == "slot" else value)
        return "".join(out)


@dataclass(slots=True)
class Catalogue:
    """One language's translations, by section, as the file holds them."""

    language: str
    path: Path | None
    sections: dict[str, dict[str, str]] = field(default_factory=dict)
    verbatim: tuple[str, ...] = ()  # English texts of the code deliberately left as they are

    def section(self, name: str) -> dict[str, str]:
        return self.sections.get(name, {})

    def entries(self) -> Iterable[tuple[str, str, str]]:
        """(section, English, translation) for every text entry."""
        for name in TEXT_SECTIONS:
            for key, value in self.section(name).items():
                yield name, key, value


def catalogue_path(language: str) -> Path:
    return HERE / f"{language}.yaml"


def read_catalogue(path: Path, language: str) -> Catalogue:
    """Read and check the shape of one catalogue file; errors name the file and the key."""
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=_StrictLoader)  # a SafeLoader
    except (OSError, yaml.YAMLError, CatalogueFileError) as exc:
        raise CatalogueFileError(f"{path}: {exc}") from exc
    if not isinstance(document, dict) or document.get("language") != language:
        raise CatalogueFileError(f"{path}: must be a mapping with 'language: {language}'")
    known = {"language", "verbatim", *TEXT_SECTIONS, *TABLE_SECTIONS}
    unknown = sorted(set(document) - known)
    if unknown:
        raise CatalogueFileError(f"{path}: unknown section(s) {', '.join(unknown)}; known: {sorted(known)}")
    catalogue = Catalogue(language=language, path=path)
    for name in (*TEXT_SECTIONS, *TABLE_SECTIONS):
        entries = document.get(name) or {}
        if not isinstance(entries, dict):
            raise CatalogueFileError(f"{path}: section {name} must map English text to its translation")
        for key, value in entries.items():
            empty_allowed = name in TABLE_SECTIONS  # a unit may have no word in a language ("ratio")
            if not isinstance(key, str) or not isinstance(value, str) or not key:
                raise CatalogueFileError(f"{path}: {name}: {key!r}: the translation must be a text")
            if not (value.strip() or empty_allowed):
                raise CatalogueFileError(f"{path}: {name}: {key!r}: the translation is empty")
        catalogue.sections[name] = dict(entries)
    verbatim = document.get("verbatim") or []
    if not isinstance(verbatim, list) or not all(isinstance(v, str) for v in verbatim):
        raise CatalogueFileError(f"{path}: verbatim must be a list of texts")
    catalogue.verbatim = tuple(verbatim)
    return catalogue


@functools.cache
def load_catalogue(language: str) -> Catalogue:
    if language == ENGLISH:
        return Catalogue(language=ENGLISH, path=None)
    if language not in LANGUAGES:
        speaks = ", ".join(LANGUAGES)
        raise CatalogueFileError(f"no catalogue for language {language!r}: the report speaks {speaks}")
    return read_catalogue(catalogue_path(language), language)


class Translator:
    """Translates finished English texts of a run into one language.

    ``t(text)`` gives the translation, or ``text`` unchanged when the catalogue has none;
    then the text is remembered in ``missed`` if it reads as English words (the build
    warns, the tests fail). English's translator changes nothing.
    """

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self.language = catalogue.language
        self.missed: dict[str, None] = {}
        self._exact: dict[str, str] = {}
        templates: list[Template] = []
        for name in TEXT_SECTIONS:
            if name == "labels":
                continue  # names of values (a step's "meter"), looked up only as such: ``label``
            gherkin = name in GHERKIN_SECTIONS
            for key, target in catalogue.section(name).items():
                if self._exact.get(key, target) != target:
                    raise CatalogueFileError(
                        f"{catalogue.path}: {key!r} has two different translations in two sections"
                    )
                self._exact[key] = target
                template = Template.compile(key, target, gherkin=gherkin)
                if template is not None:
                    templates.append(template)
        self._templates = sorted(templates, key=lambda t: (-t.weight, len(t.slots)))
        self._keywords = catalogue.section("keywords")
        self._exceptions = catalogue.section("exceptions")
        self._units = catalogue.section("units")
        self._verbatim = frozenset(catalogue.verbatim)
        self._cache: dict[str, tuple[str, int] | None] = {}

    @property
    def english(self) -> bool:
        return self.language == ENGLISH

    def __call__(self, text: str) -> str:
        if self.english or not text.strip():
            return text
        lead, core, trail = _EDGES.fullmatch(text).groups()
        found = self.lookup(core)
        if found is None and "\n" in core:
            found = "\n".join(self(line) for line in core.split("\n"))
        if found is None or _PROSE.search(found):  # none, or one that leaves English words
            self._miss(core)
        return text if found is None else lead + found + trail

    def quiet(self, text: str) -> str:
        """The translation if there is one, else ``text``; never counted as missed (lines
        of a sequence, values that may be identifiers)."""
        if self.english or not text.strip():
            return text
        lead, core, trail = _EDGES.fullmatch(text).groups()
        found = self.lookup(core)
        return text if found is None else lead + found + trail

    def lines(self, text: str) -> str:
        """Each line translated where the catalogue knows it, the others kept (a diagnosis
        quotes frames and sequence lines, which stay as the bench wrote them)."""
        if self.english:
            return text
        return "\n".join(self.quiet(line) for line in text.split("\n"))

    def message(self, text: str, *, quiet: bool = False) -> str:
        """A verdict message as pytest gives it, ``module.ExceptionClass: message``: the
        class becomes the catalogue's word for it (an unknown class is kept). ``quiet``:
        not counted as missed (a line of a traceback)."""
        if self.english or not text.strip():
            return text
        translate = self.quiet if quiet else self
        lead, core, trail = _EDGES.fullmatch(text).groups()
        match = _EXCEPTION.fullmatch(core)
        if match is None or not (match.group(1) in self._exceptions or "." in match.group(1)):
            return translate(text)
        kind, rest = match.groups()
        return f"{lead}{self._exceptions.get(kind, kind)}: {translate(rest)}{trail}"

    def unit(self, unit: str) -> str:
        return unit if self.english else self._units.get(unit, unit)

    def label(self, name: str) -> str:
        """The label of a value a step shows: its parameter's name, an Examples column."""
        return name if self.english else self.catalogue.section("labels").get(name, name)

    def keyword(self, keyword: str) -> str:
        return keyword if self.english else self._keywords.get(keyword, keyword)

    def mark(self, mark: str) -> str:
        """A punctuation mark as the language writes it (", " -> "、" in Japanese)."""
        return mark if self.english else self.catalogue.section("punctuation").get(mark, mark)

    def fill(self, template: str, /, **values: object) -> str:
        """The translation of a template the report's code writes with named
        placeholders, with ``values`` in place (already in the report's language)."""
        target = template if self.english else self.catalogue.section("report").get(template)
        if target is None:
            self._miss(template)
            target = template
        shown = {name: str(value) for name, value in values.items()}
        return Template.compile(template, target, gherkin=False).fill(shown) if "{" in template else target

    def lookup(self, text: str) -> str | None:
        """The translation of ``text``, or None."""
        found = self._resolve(text)
        return None if found is None else found[0]

    def _resolve(self, text: str) -> tuple[str, int] | None:
        """The best translation of ``text`` and how much English it leaves (the letters of
        the untranslated words in its values), or None if no entry matches it.

        Several templates may match one text ("{n} of {m} values from {a} to {b}" matches
        a whole measurement message whose note ends that way): the one that leaves the
        least English wins, the most specific first among equals.
        """
        if text in self._cache:
            return self._cache[text]
        self._cache[text] = None  # a text never contains itself: no template recursion
        exact = self._exact.get(text)
        if exact is not None or len(text) > LONGEST_TEMPLATED:
            found = None if exact is None else (exact, 0)
        else:  # a step with its keyword, or a template ("When a jammer ..." is a scenario's title)
            readings = [r for r in (self._step(text), self._template(text)) if r is not None]
            found = min(readings, key=lambda r: r[1]) if readings else None
        self._cache[text] = found
        return found

    def _step(self, text: str) -> tuple[str, int] | None:
        keyword, _, rest = text.partition(" ")
        if keyword not in GHERKIN_KEYWORDS or not rest or keyword not in self._keywords:
            return None
        found = self._resolve(rest)
        return None if found is None else (f"{self._keywords[keyword]} {found[0]}", found[1])

    def _template(self, text: str) -> tuple[str, int] | None:
        best: tuple[str, int] | None = None
        for template in self._templates:
            if not text.startswith(template.prefix) or not all(part in text for part in template.literals):
                continue
            for regex in template.regexes:  # "{why} ({tid})" splits a text at its first or last " ("
                match = regex.fullmatch(text)
                if match is None:
                    continue
                values: dict[str, str] = {}
                left = 0
                known = False
                for slot, value in zip(template.slots, match.groups(), strict=True):
                    if slot in values:
                        continue
                    shown, english = self._value(slot, value)
                    values[slot] = shown
                    left += english
                    known = known or shown != value or value.strip() in self._verbatim
                if template.weight < WEAK_TEMPLATE and not known:
                    continue  # a few brackets match much: they count only if a value is known
                if best is None or left < best[1]:
                    best = (template.fill(values), left)
                    if left == 0:
                        return best
        return best

    def _value(self, slot: str, value: str) -> tuple[str, int]:
        """A placeholder's value, as shown, and the English it leaves: a unit, a quantity,
        a text the catalogue knows, a list of such, or the value as it is."""
        if slot.endswith("unit"):
            return (self._units[value], 0) if value in self._units else (value, _english(value))
        quantity = _QUANTITY.fullmatch(value)
        if quantity is not None and quantity.group(2) in self._units:
            return quantity.group(1) + self._units[quantity.group(2)], 0
        lead, core, trail = _EDGES.fullmatch(value).groups()
        found = self._resolve(core) if core else None
        best = (value, _english(value)) if found is None else (lead + found[0] + trail, found[1])
        for separator in ("; ", ", "):  # a list the code joined: each item on its own
            if best[1] and separator in core:
                parts = core.split(separator)
                items = [self._value("", part) for part in parts]
                english = sum(left for _, left in items)
                if english < best[1]:
                    best = (lead + separator.join(shown for shown, _ in items) + trail, english)
        return best

    def _miss(self, text: str) -> None:
        if text not in self._verbatim and _ENGLISH_WORDS.search(text):
            self.missed[text] = None


@functools.cache
def translator(language: str = ENGLISH) -> Translator:
    """The translator of ``language`` (shared: its ``missed`` texts accumulate)."""
    return Translator(load_catalogue(language))


def fresh_translator(language: str) -> Translator:
    """A translator of its own, whose ``missed`` holds only what it was asked."""
    return Translator(load_catalogue(language))
