"""Writing many hourly statistics rows at once, in the recorder's own thread; reading a sum hour-exact.

The recorder's ``async_import_statistics`` looked each row up before writing it (one query and one
flush per row, 2025.4 to 2026.2; 2026.11 looks them up in batches): two years of one heat pump's
history (87,600 rows) took over two minutes. This
task does what the recorder's import task does, for a contiguous run of hours of one statistic,
with one delete of the rows in that run and one bulk insert, in the recorder's thread and queue
like every recorder write (so it is ordered with the recorder's own compiling and adjusting).

It uses the recorder's internals (its task base class, metadata manager, table and session
scope), unchanged from 2025.4 to 2026.11; where any of them is missing the recorder's public
import is used instead, slower but the same rows.

The sum recorded before a moment is read as the last hourly row that starts before it: the
recorder's month-period query rounds its end up to the next month, so it answered with the sum at
the end of that month (issue 16: an import with a start inside a month counted the rest of the month
again).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from homeassistant.components.recorder.models import StatisticData, StatisticMetaData
from homeassistant.components.recorder.statistics import async_import_statistics, statistics_during_period
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.recorder import get_instance
from sqlalchemy import insert, select

from .const import LOGGER

try:
    from homeassistant.components.recorder.db_schema import Statistics
    from homeassistant.components.recorder.tasks import RecorderTask
    from homeassistant.helpers.recorder import session_scope

    BULK = all(hasattr(Statistics, name) for name in ("metadata_id", "start_ts", "created_ts", "state", "sum"))
except ImportError:  # pragma: no cover - a release that moved them: the public import below
    BULK = False


# what a row carries besides its start (the legacy datetime columns stay empty, as from_stats leaves them)
_VALUES = ("state", "sum", "mean", "min", "max", "mean_weight")

if BULK:

    @dataclass(slots=True)
    class _BulkImportTask(RecorderTask):
        """Replace one statistic's hourly rows from the first to the last of ``rows`` (sorted by start)."""

        metadata: StatisticMetaData
        rows: Sequence[StatisticData]

        def run(self, instance: Any) -> None:
            manager = instance.statistics_meta_manager
            with session_scope(session=instance.get_session()) as session:
                old = manager.get_many(session, statistic_ids={self.metadata["statistic_id"]})
                _, metadata_id = manager.update_or_add(session, self.metadata, old)
                first, last = self.rows[0]["start"].timestamp(), self.rows[-1]["start"].timestamp()
                session.query(Statistics).filter(
                    (Statistics.metadata_id == metadata_id) & (Statistics.start_ts >= first)
                    & (Statistics.start_ts <= last)
                ).delete(synchronize_session=False)  # fmt: skip
                now = time.time()
                # the columns from_stats fills, as one executemany: not the ORM's insert per object (it asks each
                # row's id back), nor an ORM object per row
                template: dict[str, Any] = {
                    column.key: None for column in Statistics.__table__.columns if column.key != "id"
                }
                template |= {"metadata_id": metadata_id, "created_ts": now}
                session.execute(insert(Statistics), [
                    template | {"start_ts": row["start"].timestamp()}
                    | {key: row.get(key) for key in _VALUES if key in template}
                    for row in self.rows
                ])  # fmt: skip


@callback
def async_replace_hourly_statistics(
    hass: HomeAssistant, metadata: StatisticMetaData, rows: list[StatisticData]
) -> None:
    """Queue writing ``rows`` (hour-aligned, UTC, sorted, and every row already recorded between the
    first and the last among them): the rows between the first and the last become exactly these."""
    if not rows:
        return
    if BULK:
        try:
            get_instance(hass).queue_task(_BulkImportTask(metadata, rows))
        except TypeError as err:  # pragma: no cover - the task's base class changed its shape
            LOGGER.debug("Bulk statistics import unavailable (%s): importing row by row", err)
        else:
            return
    async_import_statistics(hass, metadata, rows)


async def async_last_sums_before(hass: HomeAssistant, statistic_ids: set[str], moment: datetime) -> dict[str, float]:
    """Each statistic's sum (in its own unit) in the last hourly row that starts before ``moment``; absent: none."""
    if not statistic_ids:
        return {}
    instance = get_instance(hass)
    return await instance.async_add_executor_job(_last_sums_before, hass, statistic_ids, moment)


def _last_sums_before(hass: HomeAssistant, statistic_ids: set[str], moment: datetime) -> dict[str, float]:
    found: dict[str, float] = {}
    if not BULK:  # pragma: no cover - every row before the moment, through the public query
        rows = statistics_during_period(hass, datetime.fromtimestamp(0, moment.tzinfo), moment, statistic_ids,
                                        "hour", None, {"sum"})  # fmt: skip
        for sid, entries in rows.items():
            known = [row["sum"] for row in entries if row.get("sum") is not None]
            if known and known[-1] is not None:
                found[sid] = float(known[-1])
        return found
    with session_scope(hass=hass, read_only=True) as session:
        metadata = get_instance(hass).statistics_meta_manager.get_many(session, statistic_ids=statistic_ids)
        for sid, (metadata_id, _) in metadata.items():
            last = session.execute(
                select(Statistics.sum)
                .where(Statistics.metadata_id == metadata_id, Statistics.start_ts < moment.timestamp(),
                       Statistics.sum.is_not(None))
                .order_by(Statistics.start_ts.desc()).limit(1)
            ).scalar()  # fmt: skip
            if last is not None:
                found[sid] = float(last)
    return found
