"""The periods a fleet audit reports: calendar years, heating seasons, the last 365 days, all.

All boundaries are in UTC, as the timestamps are. A heating season runs from
1 October to 1 May (the October-April season of the UK Electrification of
Heat trial and of most national heating-degree-day statistics), named after
the two years it spans: ``season-2024/25``. A period is listed when the
series has samples in it; whether it holds enough of them is the coverage's
business (``hours`` over the period's length).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

SECONDS_PER_DAY = 86_400.0
SEASON_START_MONTH = 10
SEASON_END_MONTH = 5


@dataclass(frozen=True, slots=True)
class Period:
    """A named half-open interval [start_s, end_s) of UTC seconds; None bounds are open."""

    name: str
    start_s: float | None
    end_s: float | None

    def length_h(self, first_s: float, last_s: float) -> float:
        """Hours of the period: a whole year or season even where the series covers part of it; ``all``
        is the series' own span (``first_s`` to ``last_s``)."""
        start = first_s if self.start_s is None else self.start_s
        end = last_s if self.end_s is None else self.end_s
        return max(end - start, 0.0) / 3600.0


def _utc(year: int, month: int) -> float:
    return datetime(year, month, 1, tzinfo=UTC).timestamp()


def periods_of(first_s: float, last_s: float) -> list[Period]:
    """Every period that holds a sample between ``first_s`` and ``last_s`` (inclusive), in a fixed order."""
    first_year = datetime.fromtimestamp(first_s, tz=UTC).year
    last_year = datetime.fromtimestamp(last_s, tz=UTC).year
    periods = [Period(str(year), _utc(year, 1), _utc(year + 1, 1)) for year in range(first_year, last_year + 1)]
    for year in range(first_year - 1, last_year + 1):
        start, end = _utc(year, SEASON_START_MONTH), _utc(year + 1, SEASON_END_MONTH)
        if start <= last_s and end > first_s:
            periods.append(Period(f"season-{year}/{(year + 1) % 100:02d}", start, end))
    # The 365 days up to and including the last sample.
    periods.append(Period("last365", last_s + 1.0 - 365 * SECONDS_PER_DAY, last_s + 1.0))
    periods.append(Period("all", None, None))
    return periods
