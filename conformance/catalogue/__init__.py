"""The requirement catalogue: the guideline clauses the bench tests, quoted from their source.

``requirements.yaml`` beside this module lists every requirement in scope with its Japanese
clause, severity and feature area. ``load_catalogue()`` reads it like any other document of
the bench (``conformance.yamlfile``): a mistake raises ``CatalogueError`` naming the file, the
line and the field (DESIGN.md rule 7).

    >>> catalogue = load_catalogue()
    >>> catalogue.get("NAT-3.1-T4").title
    'Detect DoS attacks'
"""

from __future__ import annotations

import difflib
import functools
import importlib.resources
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Literal, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic.dataclasses import dataclass

from conformance.yamlfile import DocumentError, load_document, yaml_line

__all__ = [
    "AREAS",
    "PROFILES",
    "SEVERITIES",
    "Catalogue",
    "CatalogueError",
    "Guideline",
    "NotInCatalogueError",
    "Requirement",
    "load_catalogue",
]

Area = Literal["join", "link_security", "metering", "home_side", "security", "operations", "hardware"]
Severity = Literal["blocker", "critical", "normal", "minor"]  # Allure's, most severe first
Profile = Literal["twin", "hil"]
AREAS: tuple[str, ...] = get_args(Area)
SEVERITIES: tuple[str, ...] = get_args(Severity)
PROFILES: tuple[str, ...] = get_args(Profile)

# The catalogue is validated like declarations and rig files, so its errors are theirs.
CatalogueError = DocumentError

_Text = Annotated[str, Field(min_length=1)]
_RequirementId = Annotated[str, Field(pattern=r"^[A-Z]{3}-\d+(\.\d+)?(-[0-9A-Z]+)?$")]
_STRICT = ConfigDict(extra="forbid")


class NotInCatalogueError(KeyError):
    """A lookup asked for a requirement or guideline the catalogue does not hold."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


@dataclass(frozen=True, slots=True, kw_only=True, config=_STRICT)
class Guideline:
    """One source document; the IDs of its requirements start with ``key``."""

    key: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    title: _Text
    publisher: _Text
    date: _Text
    seed: _Text  # file name of its text in shared/seeds/
    epic: _Text  # the Allure epic its scenarios are filed under


@dataclass(frozen=True, slots=True, kw_only=True, config=_STRICT)
class Requirement:
    """One clause of a guideline, with what the bench needs to test and report it."""

    id: _RequirementId
    guideline: _Text
    section: _Text
    title: _Text
    area: Area
    quote: _Text  # verbatim from the seed, whitespace collapsed
    related_quotes: tuple[_Text, ...] = ()  # further verbatim passages: footnotes, the other half
    severity: Severity
    testable: bool
    untestable_reason: _Text | None = None
    check: _Text  # how a bench can check it (REQUIREMENTS.md)
    profiles: Annotated[tuple[Profile, ...], Field(min_length=1)] = PROFILES  # that can run the check


class _Document(BaseModel):
    model_config = _STRICT

    version: Literal[1]
    guidelines: Annotated[tuple[Guideline, ...], Field(min_length=1)]
    requirements: Annotated[tuple[Requirement, ...], Field(min_length=1)]


class Catalogue:
    """The validated catalogue: requirements in document order, looked up by ID."""

    def __init__(self, document: _Document) -> None:
        self.version = document.version
        self.guidelines = document.guidelines
        self.requirements = document.requirements
        self._by_id = {requirement.id: requirement for requirement in self.requirements}

    def __iter__(self) -> Iterator[Requirement]:
        return iter(self.requirements)

    def __len__(self) -> int:
        return len(self.requirements)

    def __contains__(self, req_id: object) -> bool:
        return req_id in self._by_id

    def get(self, req_id: str) -> Requirement:
        """The requirement ``req_id``; ``NotInCatalogueError`` (a KeyError) names near matches."""
        try:
            return self._by_id[req_id]
        except KeyError:
            near = difflib.get_close_matches(req_id.upper(), self._by_id, n=3, cutoff=0.6)
            hint = f"; did you mean {', '.join(near)}?" if near else ""
            raise NotInCatalogueError(f"no requirement {req_id!r} in the catalogue{hint}") from None

    def guideline(self, key: str) -> Guideline:
        """The guideline whose requirement IDs start with ``key`` (``NAT``, ``THK``)."""
        for guideline in self.guidelines:
            if guideline.key == key:
                return guideline
        known = ", ".join(guideline.key for guideline in self.guidelines)
        raise NotInCatalogueError(f"no guideline {key!r} in the catalogue (known: {known})")


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a catalogue file; by default the ``requirements.yaml`` of this package."""
    if path is None:
        resource = importlib.resources.files(__name__) / "requirements.yaml"
        with importlib.resources.as_file(resource) as packaged:
            return load_catalogue(packaged)
    path = Path(path)
    document = load_document(path, _Document)

    @functools.cache
    def composed() -> yaml.Node:
        # Only a broken file pays for composing it a second time, to find the line.
        return yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)

    def line_of(*loc: str | int) -> int | None:
        return yaml_line(composed(), loc)

    problem = _first_problem(document, line_of)
    if problem is not None:
        loc, message = problem
        raise CatalogueError(path, line_of(*loc), ".".join(map(str, loc)), message)
    return Catalogue(document)


def _first_problem(
    document: _Document, line_of: Callable[..., int | None]
) -> tuple[tuple[str | int, ...], str] | None:
    """What the schema cannot see: consistency across entries. Returns (location, message)."""
    keys: list[str] = []
    for index, guideline in enumerate(document.guidelines):
        if guideline.key in keys:
            return ("guidelines", index, "key"), f"guideline {guideline.key!r} is declared twice"
        keys.append(guideline.key)
    first_index: dict[str, int] = {}
    for index, requirement in enumerate(document.requirements):
        at = ("requirements", index)
        req_id, key = requirement.id, requirement.guideline
        if key not in keys:
            return (*at, "guideline"), f"unknown guideline {key!r} (declared: {', '.join(keys)})"
        if not req_id.startswith(f"{key}-"):
            return (*at, "id"), f"ID {req_id!r} of guideline {key} must start with '{key}-'"
        if req_id in first_index:
            first_line = line_of("requirements", first_index[req_id], "id")
            return (*at, "id"), f"duplicate ID {req_id!r}, first at line {first_line}"
        first_index[req_id] = index
        if not requirement.testable and requirement.untestable_reason is None:
            return (*at, "untestable_reason"), f"{req_id} is not testable: say why"
        if requirement.testable and requirement.untestable_reason is not None:
            return (*at, "untestable_reason"), f"{req_id} is testable: drop the reason"
        if len(set(requirement.profiles)) != len(requirement.profiles):
            return (*at, "profiles"), "a profile is listed twice"
    return None
