"""Load a versioned YAML document into a pydantic model, with errors that name
the file, the line and the field (STYLE.md: "devices described by data").

Used for terminal declarations now and rig files later; a mistake stops the run
before anything is driven.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class DocumentError(Exception):
    """A declaration or rig file that cannot be used, with where and why."""

    def __init__(self, path: Path, line: int | None, field: str, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {field}: {message}")
        self.path, self.line, self.field = path, line, field


def yaml_line(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Walk the composed YAML tree along a pydantic error location."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == key), None)
            if match is None:
                # An extra or missing key: point at the key itself, or at the mapping.
                key_node = next((k for k, _ in node.value if k.value == key), None)
                return key_node.start_mark.line + 1 if key_node is not None else line
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
        line = node.start_mark.line + 1
    return line


def load_document(path: Path, model: type[Model]) -> Model:
    """Parse and validate ``path``; raise one ``DocumentError`` for the first problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DocumentError(path, None, "(file)", f"cannot be read: {exc.strerror}") from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise DocumentError(path, line, "(syntax)", str(getattr(exc, "problem", exc))) from exc
    if not isinstance(data, dict):
        raise DocumentError(path, 1, "(document)", "must be a mapping of fields")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        field = ".".join(str(p) for p in loc) or "(document)"
        raise DocumentError(path, yaml_line(node, loc), field, first["msg"]) from None
