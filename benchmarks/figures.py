"""The figures a benchmark run keeps, and their change since the previous run.

Each benchmark prints its own lines and hands its headline figures to :func:`keep`.
``python -m benchmarks`` then writes them all to a JSON file (``make benchmarks``:
``reports/out/benchmarks.json``) after printing each one next to the value the previous
run left in that file, with the change and whether it is for the better. Figures from
another machine, or from a busy one, are not comparable: the file records the host, its
CPU count and the load average at the start, and the comparison says so when they differ.
"""

from __future__ import annotations

import json
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

LOWER, HIGHER = "lower", "higher"  # which way is better
NOISE = 0.05  # a change under 5 % is within the noise of this machine's runs


@dataclass(frozen=True, slots=True)
class Figure:
    value: float
    unit: str
    better: str  # LOWER or HIGHER


_kept: dict[str, Figure] = {}


def keep(name: str, value: float, unit: str, *, better: str) -> None:
    """Keep one figure of this run under a stable name (the comparison's key)."""
    if better not in (LOWER, HIGHER):
        raise ValueError(f"figure {name!r}: better must be {LOWER!r} or {HIGHER!r}")
    _kept[name] = Figure(float(value), unit, better)


def kept() -> dict[str, Figure]:
    return dict(_kept)


def machine() -> dict[str, object]:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return {
        "host": platform.node(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load": load,
    }


def save(path: Path, figures: dict[str, Figure], context: dict[str, object]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": context,
        "figures": {name: asdict(figure) for name, figure in figures.items()},
    }
    path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")


def load(path: Path) -> tuple[dict[str, Figure], dict[str, object]] | None:
    """The figures a previous run kept (None when there is no file or it is unreadable)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        figures = {name: Figure(**fields) for name, fields in document["figures"].items()}
        return figures, {"when": document.get("when"), **document.get("machine", {})}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def comparison(now: dict[str, Figure], before: dict[str, Figure]) -> list[str]:
    """One line per figure: the previous value, this run's, the change and its direction."""
    width = max((len(name) for name in now), default=0)
    lines = []
    for name, figure in now.items():
        old = before.get(name)
        shown = f"{_number(figure.value)} {figure.unit}"
        if old is None or old.unit != figure.unit:
            lines.append(f"  {name:<{width}}  {shown}  (new)")
            continue
        if old.value == 0:
            change = "" if figure.value == 0 else "from 0"
            direction = "same" if figure.value == 0 else _direction(figure, figure.value > 0)
        else:
            ratio = figure.value / old.value - 1
            change = f"{ratio:+.1%}"
            direction = "same" if abs(ratio) < NOISE else _direction(figure, ratio > 0)
        lines.append(f"  {name:<{width}}  {_number(old.value)} -> {shown}  {change} ({direction})")
    return lines


def _direction(figure: Figure, rose: bool) -> str:
    return "better" if rose == (figure.better == HIGHER) else "worse"


def _number(value: float) -> str:
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    return f"{value:.3g}"
