"""The message sequence of a scenario as an SVG sequence chart: who sent what, when.

Drawn from the same observations as the text sequence (``conformance.observe.renderings``): one
lifeline per node (the terminal, each smart meter, the bench's injector, a neighbour, any
stranger by its EUI-64, and "broadcast" for frames to no one in particular), one arrow
per frame, one note per event a smart meter observed. Times are the scenario's (virtual
on the twin).

A scan repeats the same frame dozens of times, often interleaved with the answers and
with other nodes' scans, so an arrow identical to one of the last few rows is folded into
that row, which then shows a count and the time span. A flood can still make thousands
of rows: only the first and the last ``keep`` rows are drawn, with a marker saying how
many were left out and where to find them (the text sequence and the capture hold
everything, one line or frame per observation).

The chart is drawn at the end of each scenario, in English. It carries what it drew (the
lifelines, the rows and the title) as JSON in its ``<metadata>``, so that a report built
in another language draws it again in that language (``translate_svg``): the chart's own
words are translated, the frames' summaries stay as the bench decoded them.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from xml.sax.saxutils import escape, quoteattr

from conformance.observe.renderings import BROADCAST, HES, METER, TERMINAL, Observation
from reports.i18n import N_

UNADDRESSED = "?"  # a frame with no source address, such as an Ack
_HEADINGS = {UNADDRESSED: N_("? (no address)"), BROADCAST: N_("broadcast")}
# Lifelines whose names are the bench's words, not a node's own name (a meter's "SM-1").
_NAMED_BY_THE_BENCH = (TERMINAL, METER, HES, N_("bench injector"), N_("neighbour terminal"))

KEEP = 60  # rows drawn at each end of a long scenario
FOLD_WINDOW = 3  # an observation identical to one of this many last rows joins it

_LEFT = 110  # the time column
_SPACING = 190  # between lifelines
_TOP = 64  # header boxes
_ROW = 24
_FONT = "Noto Sans CJK JP, Noto Sans, DejaVu Sans, Arial, sans-serif"
_CHAR_PX = 6.2  # average advance of an 11 px glyph, to shorten labels that would overflow

_COLOURS = {"frame": "#2b3a4a", "plaintext": "#b9770e", "undecodable": "#c0392b", "event": "#1f6fb2"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Row:
    """One drawn row: an observation, or a run of identical ones."""

    first: Observation
    count: int = 1
    last_time: float | None = None

    @property
    def span(self) -> str:
        if self.count == 1 or self.last_time is None:
            return f"{self.first.time:.3f}"
        return f"{self.first.time:.3f}–{self.last_time:.3f}"


def _key(o: Observation) -> tuple[object, ...]:
    return (o.kind, o.source, o.destination, o.summary, o.about)


def collapse(found: Sequence[Observation], window: int = FOLD_WINDOW) -> list[Row]:
    """Rows to draw: an observation identical to one of the last ``window`` rows (same
    kind, ends and summary) is counted into that row instead of getting its own."""
    rows: list[Row] = []
    for o in found:
        for index in range(len(rows) - 1, max(-1, len(rows) - 1 - window), -1):
            row = rows[index]
            if _key(row.first) == _key(o):
                rows[index] = Row(first=row.first, count=row.count + 1, last_time=o.time)
                break
        else:
            rows.append(Row(first=o))
    return rows


def lifelines(found: Sequence[Observation]) -> list[str]:
    """The terminal first, then the smart meters (the nodes that observe events), then
    every other node in order of appearance; unaddressed frames and broadcast last."""
    meters = dict.fromkeys(o.source for o in found if o.kind == "event")
    others: dict[str, None] = {}
    for o in found:
        others.setdefault(o.source, None)
        if o.destination is not None:
            others.setdefault(o.destination, None)
    last = [name for name in (UNADDRESSED, BROADCAST) if name in others]
    names = dict.fromkeys([TERMINAL, *meters, *others])
    return [name for name in names if name not in last] + last


Words = Callable[[str], str]  # the report's language: English text -> shown text


def _english(text: str) -> str:
    return text


def _width(text: str) -> float:
    """Pixels ``text`` takes, a wide (CJK) glyph counting twice."""
    return _CHAR_PX * sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _shorten(text: str, width_px: float) -> str:
    if _width(text) <= max(8 * _CHAR_PX, width_px):
        return text
    while text and _width(text + "…") > max(8 * _CHAR_PX, width_px):
        text = text[:-1]
    return text + "…"


def _observes(o: Observation, words: Words) -> str:
    """A meter's event in words: "observes PanaStarted from terminal"."""
    about = words(o.about) if o.about in _NAMED_BY_THE_BENCH else o.about
    text = words(N_("observes {summary} from {about}")).format(summary=o.summary, about=about)
    return text + (f": {o.detail}" if o.detail else "")


def _label(row: Row, words: Words = _english) -> str:
    o = row.first
    text = o.summary if o.kind == "frame" else _observes(o, words)
    return text + (f" ×{row.count}" if row.count > 1 else "")


def _tooltip(row: Row, words: Words = _english) -> str:
    o = row.first
    if o.kind == "frame":
        text = f"{row.span} s  {o.source} -> {o.destination}: {o.summary}  [{o.where.strip()}]"
    else:
        text = f"{row.span} s  {o.source} {_observes(o, words)}"
    times = words(N_("({count} times)")).format(count=row.count)
    return text + (f" {times}" if row.count > 1 else "")


def _tone(o: Observation) -> str:
    if o.kind == "event":
        return "event"
    if "undecodable" in o.summary or "not decrypted" in o.summary:
        return "undecodable"
    return "plaintext" if "PLAINTEXT" in o.summary else "frame"


LEGEND = (
    N_(
        "solid arrow: a frame to a node · dashed: broadcast or unaddressed"
        " · square: what a smart meter observed"
    ),
    N_(
        "amber: not secured at the link layer · red: undecodable, or secured with a key the bench did"
        " not issue · channel and RSSI of each frame: in the text sequence"
    ),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Layout:
    """What a chart draws: its lifelines, its rows, and the rows a long one leaves out
    (how many observations, from and to which time)."""

    names: list[str]
    rows: list[Row]
    omitted: tuple[int, float, float] | None = None

    @classmethod
    def of(cls, found: Sequence[Observation], keep: int = KEEP) -> Layout:
        rows = collapse(found)
        omitted: tuple[int, float, float] | None = None
        if len(rows) > 2 * keep:
            hidden = rows[keep:-keep]
            count = sum(r.count for r in hidden)
            omitted = (count, hidden[0].first.time, max(r.last_time or r.first.time for r in hidden))
            rows = [*rows[:keep], *rows[-keep:]]
        return cls(names=lifelines(found), rows=rows, omitted=omitted)

    def as_json(self) -> dict:
        return {
            "names": self.names,
            "rows": [
                {"first": asdict(r.first), "count": r.count, "last_time": r.last_time} for r in self.rows
            ],
            "omitted": list(self.omitted) if self.omitted else None,
        }

    @classmethod
    def from_json(cls, data: dict) -> Layout:
        rows = [
            Row(first=Observation(**r["first"]), count=r["count"], last_time=r["last_time"])
            for r in data["rows"]
        ]
        omitted = tuple(data["omitted"]) if data.get("omitted") else None
        return cls(names=list(data["names"]), rows=rows, omitted=omitted)  # type: ignore[arg-type]


def sequence_svg(found: Sequence[Observation], *, title: str = "", keep: int = KEEP) -> str:
    """An SVG document charting ``found``; at most ``2 * keep`` rows plus an elision marker."""
    return draw(Layout.of(found, keep), title=title, keep=keep)


_METADATA = re.compile(r'<metadata id="sequence">(.*?)</metadata>', re.DOTALL)


def translate_svg(svg: str, words: Words, title: Words | None = None) -> str:
    """The chart ``svg`` (drawn by ``sequence_svg``) drawn again with ``words`` for its
    own texts and ``title`` for its title; a chart without its layout is returned as is."""
    found = _METADATA.search(svg)
    if found is None:
        return svg
    data = json.loads(found.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    return draw(
        Layout.from_json(data["layout"]),
        title=(title or words)(data["title"]) if data["title"] else "",
        keep=data["keep"],
        words=words,
        english_title=data["title"],
    )


def draw(
    layout: Layout,
    *,
    title: str = "",
    keep: int = KEEP,
    words: Words = _english,
    english_title: str | None = None,
) -> str:
    """The SVG of ``layout``, its own texts in ``words``' language."""
    rows, omitted, names = layout.rows, layout.omitted, layout.names
    x = {name: _LEFT + _SPACING // 2 + i * _SPACING for i, name in enumerate(names)}
    drawn = len(rows) + (1 if omitted else 0)
    width = max(_LEFT + _SPACING * len(names) + 10, 900)
    bottom = _TOP + 30 + drawn * _ROW
    height = bottom + 30 + 14 * len(LEGEND)
    english = title if english_title is None else english_title
    source = {"title": english, "keep": keep, "layout": layout.as_json()}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family={quoteattr(_FONT)} font-size="11">',
        f'<metadata id="sequence">{escape(json.dumps(source, ensure_ascii=False))}</metadata>',
        "<defs>",
        *(
            f'<marker id="head-{tone}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            f'markerHeight="7" orient="auto-start-reverse">'
            f'<path d="M0,0 L10,5 L0,10 z" fill="{colour}"/></marker>'
            for tone, colour in _COLOURS.items()
        ),
        "</defs>",
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="18" font-size="13" font-weight="bold">'
        f"{escape(title or words(N_('message sequence')))}</text>",
        f'<text x="8" y="{_TOP - 14}" fill="#555">{escape(words(N_("time (s)")))}</text>',
    ]
    for name in names:
        cx = x[name]
        heading = words(_HEADINGS.get(name, name)) if name in (*_HEADINGS, *_NAMED_BY_THE_BENCH) else name
        out += [
            f'<line x1="{cx}" y1="{_TOP + 14}" x2="{cx}" y2="{bottom}" '
            'stroke="#b8c2cc" stroke-dasharray="4 3"/>',
            f'<rect x="{cx - 80}" y="{_TOP - 28}" width="160" height="28" rx="4" '
            'fill="#eef3f8" stroke="#7a8a9a"/>',
            f'<text x="{cx}" y="{_TOP - 10}" text-anchor="middle" font-weight="bold">'
            f"{escape(_shorten(heading, 156))}</text>",
        ]
    y = _TOP + 30
    for index, row in enumerate(rows):
        if omitted and index == keep:
            count, start, end = omitted
            marker = words(
                N_(
                    "⋯ {count} more observations from {start} s to {end} s not drawn "
                    "(see the text sequence and the capture) ⋯"
                )
            ).format(count=count, start=f"{start:.3f}", end=f"{end:.3f}")
            out.append(
                f'<text x="{width // 2}" y="{y + 4}" text-anchor="middle" fill="#8a5a00" font-style="italic">'
                f"{escape(marker)}</text>"
            )
            y += _ROW
        out.append(_row_svg(row, x, y, words))
        y += _ROW
    for line, text in enumerate(LEGEND):
        y = bottom + 22 + 14 * line
        out.append(f'<text x="8" y="{y}" fill="#555" font-size="10">{escape(words(text))}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _row_svg(row: Row, x: dict[str, int], y: int, words: Words = _english) -> str:
    o = row.first
    tone = _tone(o)
    colour = _COLOURS[tone]
    time = f'<text x="8" y="{y + 4}" fill="#555">{escape(row.span)}</text>'
    tooltip = f"<title>{escape(_tooltip(row, words))}</title>"
    if o.kind == "event" or o.destination is None:
        cx = x[o.source]
        text = escape(_shorten(_label(row, words), _SPACING * 2.5))
        return (
            f"<g>{tooltip}{time}"
            f'<rect x="{cx - 5}" y="{y - 5}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{cx + 10}" y="{y + 4}" fill="{colour}">{text}</text></g>'
        )
    x1, x2 = x[o.source], x[o.destination]
    dash = ' stroke-dasharray="6 3"' if o.destination == BROADCAST or o.source == UNADDRESSED else ""
    if x1 == x2:  # a node addressing itself: a small loop
        path = f'<path d="M{x1},{y} h30 v8 h-30" fill="none" stroke="{colour}"/>'
        label = escape(_shorten(_label(row, words), _SPACING * 2.5))
        return f'<g>{tooltip}{time}{path}<text x="{x1 + 36}" y="{y + 4}" fill="{colour}">{label}</text></g>'
    span = abs(x2 - x1)
    label = _shorten(_label(row, words), max(span - 12, _SPACING * 2.5))
    if _width(label) <= span - 12:  # fits over the arrow: centred on it
        anchor = f'x="{(x1 + x2) / 2:g}" text-anchor="middle"'
    else:  # longer than the arrow: from its left end on, over the lifelines beyond
        anchor = f'x="{min(x1, x2) + 6}"'
    return (
        f"<g>{tooltip}{time}"
        f'<line x1="{x1}" y1="{y + 6}" x2="{x2}" y2="{y + 6}" stroke="{colour}" stroke-width="1.3"'
        f'{dash} marker-end="url(#head-{tone})"/>'
        f'<text {anchor} y="{y + 2}" fill="{colour}">{escape(label)}</text></g>'
    )
