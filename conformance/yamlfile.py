"""Load a versioned YAML document into a pydantic model, with errors that name
the file, the line and the field (STYLE.md: "devices described by data").

Used for terminal declarations, rig files and the requirement catalogue; a mistake
stops the run before anything is driven (DESIGN.md rule 7). The loader owns its input:
whatever bytes a vendor hands over, the result is a model or one ``DocumentError`` of
one line, never another exception.

Theory of operation, one pass per concern:

1. **Bytes.** At most ``MAX_OCTETS`` are read. The encoding is detected as YAML 1.2
   §5.2 describes (a byte order mark, else the NUL pattern of the first characters):
   UTF-8 (with or without a BOM), UTF-16 and UTF-32 are decoded. A file that is not UTF-8
   is decoded as Shift_JIS (Windows code page 932, what Japanese Windows editors write)
   when it decodes cleanly and holds Japanese (kana or kanji); anything else (Latin-1,
   Windows-1252, EUC-JP) is refused with a message that says to save it as UTF-8. A NUL
   or another control character is refused at its line.
2. **Events.** The event stream (iterative, so no recursion however deep the nesting)
   is walked once with the path of the current field, and refuses: nesting deeper than
   ``MAX_DEPTH``, a key given twice in one mapping (YAML 1.2 §3.2.1.1 demands unique
   keys; PyYAML silently keeps the last), a key that is not a plain value, an integer of
   more than ``MAX_INT_DIGITS`` digits, a date that is no date, and aliases that stand
   for more than ``MAX_EXPANDED_NODES`` nodes (a "billion laughs").
3. **Nodes and data.** The document is composed and constructed once, by libyaml's
   ``CSafeLoader`` when PyYAML has it (about 20 times faster), else ``SafeLoader``.
4. **Model.** pydantic validates; the first error is reported at the document path the
   reader can find in the file (pydantic's own branch names of a union are left out).
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)

MAX_OCTETS = 1 << 20  # 1 MiB: a declaration is about 2 kB, the catalogue 25 kB
MAX_DEPTH = 32  # nested mappings and sequences; the schemas need 5
MAX_INT_DIGITS = 40  # an unsigned 128-bit integer has 39 digits
MAX_EXPANDED_NODES = 100_000  # nodes that aliases stand for, nested aliases expanded
# libyaml is C; the pure-Python loader takes about 1.4 s per MB.
Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_INT_TAG = "tag:yaml.org,2002:int"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# YAML 1.2 §5.1: the printable characters; the rest may not appear in a stream.
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
# Full-width kana and kanji: what makes a non-UTF-8 file Japanese rather than Latin-1.
_JAPANESE = re.compile("[\u3040-\u30ff\u4e00-\u9fff\uff66-\uff9f]")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")  # code page 932's unassigned rows land here


class DocumentError(Exception):
    """A declaration or rig file that cannot be used, with where and why (one line)."""

    def __init__(self, path: Path, line: int | None, field: str, message: str) -> None:
        where = f"{path}:{line}" if line else str(path)
        message = " ".join(str(message).split())  # one line, whatever the input held
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


# -- 1. bytes ------------------------------------------------------------------------


def read_text(path: Path) -> tuple[str, str]:
    """The file's text and the name of the encoding it was read in; ``DocumentError`` else."""
    path = Path(path)
    try:
        with path.open("rb") as source:
            data = source.read(MAX_OCTETS + 1)
    except OSError as exc:
        raise DocumentError(path, None, "(file)", f"cannot be read: {exc.strerror or exc}") from exc
    if len(data) > MAX_OCTETS:
        raise DocumentError(path, None, "(file)", f"is larger than {MAX_OCTETS // 1024} KiB")
    text, encoding = _decode(path, data)
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line, column = _position(text, bad.start())
        what = (
            "a NUL character" if bad.group() == "\x00" else f"the control character U+{ord(bad.group()):04X}"
        )
        raise DocumentError(path, line, "(text)", f"{what} at column {column}: YAML does not allow it")
    return text, encoding


def _decode(path: Path, data: bytes) -> tuple[str, str]:
    # YAML 1.2 §5.2: a BOM names the encoding; without one, NULs among the first
    # (ASCII) characters tell UTF-32 and UTF-16 apart from UTF-8.
    guesses = (
        (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),  # before UTF-16: it starts with the same octets
        (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
        (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
        (codecs.BOM_UTF8, "utf-8-sig", "UTF-8 with BOM"),
    )
    codec, name = next(((c, n) for bom, c, n in guesses if data.startswith(bom)), (None, None))
    if codec is None:
        head = data[:4]
        if len(head) == 4 and head[:3] == b"\0\0\0":
            codec, name = "utf-32-be", "UTF-32BE"
        elif len(head) == 4 and head[1:] == b"\0\0\0":
            codec, name = "utf-32-le", "UTF-32LE"
        elif len(head) >= 2 and head[0] == 0:
            codec, name = "utf-16-be", "UTF-16BE"
        elif len(head) >= 2 and head[1] == 0:
            codec, name = "utf-16-le", "UTF-16LE"
    if codec is not None:
        try:
            return data.decode(codec), name
        except UnicodeDecodeError as exc:
            raise DocumentError(
                path, None, "(encoding)", f"starts as {name} but is not: {exc.reason}"
            ) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError as exc:
        not_utf8 = exc
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        text = ""
    if _JAPANESE.search(text) and not _PRIVATE_USE.search(text):
        return text, "Shift_JIS"
    line, column = _position(data.decode("utf-8", "replace"), not_utf8.start)
    octet = data[not_utf8.start]
    guess = "Latin-1 or Windows-1252" if octet >= 0x80 else "an unknown encoding"
    raise DocumentError(
        path, line, "(encoding)",
        f"octet 0x{octet:02X} at column {column} is not UTF-8, and the file is not Shift_JIS "
        f"either (it looks like {guess}): save it as UTF-8",
    )  # fmt: skip


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of ``text[index]``."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# -- 2. events -----------------------------------------------------------------------


class _Frame:
    """A mapping or sequence being walked: where the walk is, and what it has seen."""

    __slots__ = ("anchor", "expect_key", "key", "kind", "seen", "weight")

    def __init__(self, kind: str, anchor: str | None) -> None:
        self.kind, self.anchor = kind, anchor
        self.expect_key = kind == "map"
        self.key: str | int | None = None if kind == "map" else 0
        self.seen: dict[str, int] = {}  # key -> its line
        self.weight = 1  # nodes, aliases expanded


def _field(stack: list[_Frame], last: str | None = None) -> str:
    parts = [str(f.key) for f in stack if f.key is not None]
    if last is not None:
        parts.append(last)
    return ".".join(parts) or "(document)"


def check_events(path: Path, text: str) -> None:
    """Walk the event stream once; raise ``DocumentError`` for what the loader refuses."""
    stack: list[_Frame] = []
    anchored: dict[str, int] = {}  # anchor -> how many nodes it stands for, expanded
    expanded = 0
    helper = Loader("")  # only its resolver and constructor are used
    try:
        for event in yaml.parse(text, Loader=Loader):
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                if frame.anchor:
                    anchored[frame.anchor] = frame.weight
                _completed(stack, frame.weight)
                continue
            if not isinstance(event, yaml.NodeEvent):
                continue
            line = event.start_mark.line + 1
            parent = stack[-1] if stack else None
            if parent is not None and parent.kind == "map" and parent.expect_key:
                if not isinstance(event, yaml.ScalarEvent):
                    raise DocumentError(path, line, _field(stack), "a key must be a plain value")
                first = parent.seen.get(event.value)
                if first is not None:
                    message = f"given twice (first at line {first}); a key may appear once"
                    raise DocumentError(path, line, _field(stack, event.value), message)
                parent.seen[event.value] = line
                parent.key, parent.expect_key = event.value, False
                continue
            weight = 1
            if isinstance(event, yaml.AliasEvent):
                weight = anchored.get(event.anchor or "", 1)
                expanded += weight
                if expanded > MAX_EXPANDED_NODES:
                    message = f"aliases stand for more than {MAX_EXPANDED_NODES} nodes"
                    raise DocumentError(path, line, _field(stack), message)
            if isinstance(event, yaml.CollectionStartEvent):
                if len(stack) >= MAX_DEPTH:
                    raise DocumentError(path, line, _field(stack), f"nested deeper than {MAX_DEPTH} levels")
                kind = "map" if isinstance(event, yaml.MappingStartEvent) else "seq"
                stack.append(_Frame(kind, event.anchor))
                continue
            if isinstance(event, yaml.ScalarEvent):
                _check_scalar(path, line, stack, event, helper)
                if event.anchor:
                    anchored[event.anchor] = 1
            _completed(stack, weight)
    finally:
        helper.dispose()


def _completed(stack: list[_Frame], weight: int) -> None:
    """A value (scalar, alias or whole collection) ended inside the top frame."""
    if not stack:
        return
    parent = stack[-1]
    parent.weight += weight
    if parent.kind == "map":
        parent.expect_key, parent.key = True, None
    else:
        parent.key = int(parent.key or 0) + 1


def _check_scalar(path: Path, line: int, stack: list[_Frame], event: yaml.ScalarEvent, resolver) -> None:
    tag = event.tag
    if tag in (None, "!"):
        tag = resolver.resolve(yaml.ScalarNode, event.value, event.implicit)
    if tag == _INT_TAG:
        digits = sum(c.isalnum() for c in event.value)
        if digits > MAX_INT_DIGITS:
            message = f"an integer of {digits} digits; the bench reads at most {MAX_INT_DIGITS}"
            raise DocumentError(path, line, _field(stack), message)
    elif tag == _TIMESTAMP_TAG:
        try:
            resolver.construct_yaml_timestamp(yaml.ScalarNode(tag, event.value))
        except (ValueError, OverflowError) as exc:  # the value is not quoted: it may be a secret
            raise DocumentError(path, line, _field(stack), f"not a date: {exc}") from None


# -- 3 and 4. nodes, data, model -----------------------------------------------------


def compose(path: Path) -> tuple[yaml.Node | None, Any]:
    """The file's node tree (for lines) and its data, after the checks above."""
    path = Path(path)
    text, _ = read_text(path)
    try:
        check_events(path, text)
        loader = Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DocumentError(path, line, "(syntax)", str(exc.problem or exc.context or exc)) from None
    except yaml.reader.ReaderError as exc:
        line, _ = _position(text, exc.position)
        raise DocumentError(path, line, "(text)", exc.reason) from None
    except DocumentError:
        raise
    except Exception as exc:  # the boundary: nothing a file holds gets past as another type
        raise DocumentError(
            path, None, "(document)", f"cannot be read: {type(exc).__name__}: {exc}"
        ) from None
    return node, data


def load_document(path: Path, model: type[Model]) -> Model:
    """Parse and validate ``path``; raise one ``DocumentError`` for the first problem."""
    path = Path(path)
    node, data = compose(path)
    if not isinstance(data, dict):
        raise DocumentError(path, 1, "(document)", "must be a mapping of fields")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        loc = _document_loc(data, tuple(errors[0]["loc"]))
        # A union (an IPv4 or IPv6 address) fails once per branch: say all, once each.
        messages = dict.fromkeys(e["msg"] for e in errors if _document_loc(data, tuple(e["loc"])) == loc)
        field = ".".join(str(p) for p in loc) or "(document)"
        raise DocumentError(path, yaml_line(node, loc), field, "; ".join(messages)) from None
    except Exception as exc:  # a validator that broke on an odd value: still the file's line
        raise DocumentError(path, None, "(document)", f"refused: {type(exc).__name__}: {exc}") from None


def _document_loc(data: Any, loc: tuple[int | str, ...]) -> tuple[int | str, ...]:
    """The part of a pydantic location that names fields of the document: pydantic adds
    the names of a union's branches and validators (``lax-or-strict[...]``) after them."""
    kept: list[int | str] = []
    for key in loc:
        if isinstance(data, dict):
            kept.append(key)
            if key not in data:
                break  # a missing or unknown field: named, and nothing below it
            data = data[key]
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            kept.append(key)
            data = data[key]
        else:
            break
    return tuple(kept)
