"""Measurements as a table: name, value, unit, limit, verdict and the clause of the limit.

CSV, because the Allure report renders ``text/csv`` attachments as a table and a lab can
load the same file in a spreadsheet. The declared-versus-observed comparisons a scenario
made are tabulated the same way.

The tables are written in English as a scenario ends; a report built in another language
translates them cell by cell (``translate_measurements_csv``, ``translate_comparisons_csv``):
the headings, names, units, limits, verdicts, clause sources and notes, never the values.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

from conformance.measurements import Measurement
from reports.i18n import N_, Translator

MEASUREMENT_COLUMNS = (
    N_("name"), N_("value"), N_("unit"), N_("limit"), N_("verdict"), N_("source clause"), N_("note"),
)  # fmt: skip
COMPARISON_COLUMNS = (N_("item"), N_("declared"), N_("observed"), N_("agrees"), N_("source clause"))
NOT_OBSERVED, PASSED, FAILED = N_("not observed"), N_("pass"), N_("FAIL")
AGREES, DIFFERS = N_("yes"), N_("NO")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def measurement_row(m: Measurement) -> tuple[str, ...]:
    value = NOT_OBSERVED if m.value is None else f"{m.value:.3f}"
    return (
        m.limit.name,
        value,
        m.limit.unit,
        m.limit.describe(),
        PASSED if m.passed else FAILED,
        m.limit.source,
        m.note,
    )


def measurements_csv(measurements: Iterable[Measurement]) -> str:
    return _csv(MEASUREMENT_COLUMNS, (measurement_row(m) for m in measurements))


def comparisons_csv(comparisons: Iterable[dict[str, object]]) -> str:
    """``comparisons``: the ``declared_vs_observed`` entries of a verdict (fixtures.verdicts)."""
    return _csv(
        COMPARISON_COLUMNS,
        (
            (c["item"], c["declared"], c["observed"], AGREES if c["agrees"] else DIFFERS, c["source"])
            for c in comparisons
        ),
    )


Cell = Callable[[str], str]


def _translate_csv(text: str, columns: Sequence[str], cells: Sequence[Cell], t: Translator) -> str:
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or tuple(rows[0]) != tuple(columns):
        return text  # not a table this module wrote: shown as it is
    body = [
        [translate(cell) if cell else cell for translate, cell in zip(cells, row, strict=False)]
        for row in rows[1:]
    ]
    return _csv([t(column) for column in columns], body)


def translate_measurements_csv(text: str, t: Translator) -> str:
    """A ``measurements_csv`` table in ``t``'s language; the values stay as measured."""
    cells = (t, lambda v: t(v) if v == NOT_OBSERVED else v, t.unit, t, t, t, t)
    return text if t.english else _translate_csv(text, MEASUREMENT_COLUMNS, cells, t)


def translate_comparisons_csv(text: str, t: Translator) -> str:
    """A ``comparisons_csv`` table in ``t``'s language; the declared and observed values stay."""
    cells = (t, str, str, t, t)
    return text if t.english else _translate_csv(text, COMPARISON_COLUMNS, cells, t)
