"""Measurements as a table: name, value, unit, limit, verdict and the clause of the limit.

CSV, because the Allure report renders ``text/csv`` attachments as a table and a lab can
load the same file in a spreadsheet. The declared-versus-observed comparisons a scenario
made are tabulated the same way.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from conformance.measurements import Measurement

MEASUREMENT_COLUMNS = ("name", "value", "unit", "limit", "verdict", "source clause", "note")
COMPARISON_COLUMNS = ("item", "declared", "observed", "agrees", "source clause")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue()


def measurement_row(m: Measurement) -> tuple[str, ...]:
    value = "not observed" if m.value is None else f"{m.value:.3f}"
    return (
        m.limit.name,
        value,
        m.limit.unit,
        m.limit.describe(),
        "pass" if m.passed else "FAIL",
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
            (c["item"], c["declared"], c["observed"], "yes" if c["agrees"] else "NO", c["source"])
            for c in comparisons
        ),
    )
