"""Measurements and declared-versus-observed comparisons as CSV tables."""

from __future__ import annotations

import csv
import io

from conformance.measurements import JOIN_TIME, Limit, Measurement
from reports.measurement_table import MEASUREMENT_COLUMNS, comparisons_csv, measurements_csv


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_each_measurement_is_a_row_with_value_unit_limit_verdict_and_clause() -> None:
    window = Limit(name="delivery ratio, jammed channel", unit="%", low=95.0, source="THK-13-HOP")
    table = measurements_csv(
        [
            Measurement(JOIN_TIME, 10.5162),
            Measurement(JOIN_TIME, 103.778, "expected smart meter SM-1"),
            Measurement(JOIN_TIME, None),
            Measurement(window, 97.25),
        ]
    )
    assert table.splitlines()[0] == ",".join(MEASUREMENT_COLUMNS)
    first, late, never, ratio = rows(table)
    assert first == {
        "name": "join time, power-on to authenticated",
        "value": "10.516",
        "unit": "s",
        "limit": "<= 90 s",
        "verdict": "pass",
        "source clause": "THK-7-JOIN",
        "note": "",
    }
    assert (late["verdict"], late["note"]) == ("FAIL", "expected smart meter SM-1")
    assert (never["value"], never["verdict"]) == ("not observed", "FAIL")
    assert (ratio["limit"], ratio["verdict"], ratio["source clause"]) == (">= 95 %", "pass", "THK-13-HOP")


def test_comparisons_say_plainly_whether_declaration_and_observation_agree() -> None:
    table = comparisons_csv(
        [
            {
                "item": "Pairing ID",
                "declared": "IOT00901",
                "observed": "IOT00901",
                "agrees": True,
                "source": "X",
            },
            {"item": "firmware", "declared": "1.0.0", "observed": "1.0.1", "agrees": False, "source": "Y"},
        ]
    )
    same, different = rows(table)
    assert same["agrees"] == "yes"
    assert (different["declared"], different["observed"], different["agrees"]) == ("1.0.0", "1.0.1", "NO")
