"""The heat pump's coordinator: reads its roles, feeds the live model, keeps its totals."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.const import CONF_SCAN_INTERVAL
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator
from homeassistant.util import dt as dt_util

from .const import (
    CONF_ALERT_DEGRADATION,
    CONF_ALERT_LOW_COP,
    CONF_ALERT_MAX_STARTS,
    CONF_ALERT_MIN_RUN,
    CONF_ALERT_STUCK,
    CONF_ALERT_SUSTAIN,
    CONF_APPLICATION,
    CONF_BACKUP_IN_HEAT_METER,
    CONF_DATASHEET,
    CONF_FLOW_RATE_OFFSET,
    CONF_FLOW_TEMP_OFFSET,
    CONF_MASS_FRACTION,
    CONF_MEDIUM,
    CONF_METER_POSITION,
    CONF_MODE_MAP,
    CONF_RETURN_TEMP_OFFSET,
    CONF_ROLE_UNITS,
    CONF_ROLES,
    CONF_ROLLING_WINDOW,
    CONF_RUNNING_THRESHOLD,
    DEFAULT_ROLLING_WINDOW_MIN,
    DEFAULT_RUNNING_THRESHOLD_W,
    DEFAULT_SCAN_INTERVAL_S,
    DOMAIN,
    LOGGER,
)
from .engine.alerts import AlertMonitor, AlertSettings, Conditions
from .engine.audit import MeterError, publication_check
from .engine.counters import CounterEvent
from .engine.en14825 import calculate_scop, parse_datasheet
from .engine.en14825.scop import ScopResult
from .engine.errors import EngineInputError
from .engine.expected import ExpectedCop, gap_pct
from .engine.fluids import Medium
from .engine.heat import HeatCircuit, MeterPosition, heat_power_w
from .engine.live import LiveHeatPump, LiveSettings, Measurement, Role
from .engine.live_audit import LiveMeterAccount, PollReadings
from .engine.modes import BUCKETS, Mode, ModeTotals, bucket_of, modes_of, usable_mapping
from .engine.plant import UnitReading
from .engine.plausibility import IMPLAUSIBLE_COP, FlaggedHour
from .engine.short_cycling import (
    DEFAULT_MAX_STARTS_PER_HOUR,
    DEFAULT_MIN_MEDIAN_RUN_MIN,
    SHORT_CYCLING,
    ShortCyclingMonitor,
    ShortCyclingSettings,
)
from .meter_audit import band_attributes, meter_classes, metered_feeds
from .mode_keys import MODE_ELECTRIC_SENSORS, MODE_SHOWN_TOTALS
from .mode_recorder import ModeStatisticsRecorder
from .recorded import RecordedTotals, shown_above
from .repairs import issue_id, sync_alert_issues
from .role_sources import read_roles
from .totals_store import HEAT_PUMP, TotalsStore, totals_key

if TYPE_CHECKING:
    from .history_import import HistoryImporter
    from .seasonal import SeasonalCoordinator

# the repair issue (and its translation) while heat goes unmetered: its id is issue_id(entry, HEAT_METER_ERROR)
HEAT_METER_ERROR = "heat_meter_error"

# heat pump sensor key -> (the total it shows, the unit the engine keeps it in)
SHOWN_TOTALS: dict[str, tuple[str, str | None]] = {
    "heat_energy": ("heat_kwh", "kWh"),
    "defrost_energy": ("defrost_heat_kwh", "kWh"),
    "electric_energy_running": ("elec_running_kwh", "kWh"),
    "electric_energy_standby": ("elec_standby_kwh", "kWh"),
    "backup_energy": ("backup_kwh", "kWh"),
    "pump_energy": ("pumps_kwh", "kWh"),
    "defrost_count": ("defrost_count", None),
    "defrost_duration": ("defrost_s", "s"),
    "compressor_starts": ("compressor_starts", None),
    "compressor_run_time": ("compressor_run_s", "s"),
}

type HeatPumpConfigEntry = ConfigEntry[HeatPumpCoordinator]


def _field(totals: ModeTotals, name: str) -> float:
    return float(getattr(totals, name))


@dataclass(frozen=True, slots=True)
class Rating:
    """What the unit's datasheet promises: EN 14825 SCOP and the COP to expect now."""

    scop: ScopResult
    expected: ExpectedCop
    declared_scop: float | None = None  # what the datasheet itself declares, shown beside the computed SCOP
    pdesignh_kw: float | None = None  # the design load it was rated at (EN 14825 3.1.38), for the oversizing

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Rating | None:
        text = config.get(CONF_DATASHEET) or ""
        if not text.strip():
            return None
        sheet = parse_datasheet(json.loads(text))
        application = int(config.get(CONF_APPLICATION, 35))
        return cls(calculate_scop(sheet), ExpectedCop.from_points(sheet.points, application), sheet.declared_scop,
                   sheet.pdesignh_kw)  # fmt: skip


def alert_settings(config: dict[str, Any]) -> AlertSettings:
    return AlertSettings(
        low_cop=float(config.get(CONF_ALERT_LOW_COP, 1.0)),
        degradation_pct=float(config.get(CONF_ALERT_DEGRADATION, 20.0)),
        sustain_s=60.0 * float(config.get(CONF_ALERT_SUSTAIN, 60.0)),
        stuck_s=60.0 * float(config.get(CONF_ALERT_STUCK, 30.0)),
    )


def short_cycling_settings(config: dict[str, Any]) -> ShortCyclingSettings:
    return ShortCyclingSettings(
        max_starts_per_hour=float(config.get(CONF_ALERT_MAX_STARTS, DEFAULT_MAX_STARTS_PER_HOUR)),
        min_median_run_min=float(config.get(CONF_ALERT_MIN_RUN, DEFAULT_MIN_MEDIAN_RUN_MIN)),
    )


def log_counter_event(title: str, source: str, event: CounterEvent) -> None:
    """A meter's counter changed series (logged as a warning) or a glitch was ignored (debug)."""
    if event.kind == "glitch_ignored":
        LOGGER.debug("%s: %s read %g for a moment, ignored (the series is at %g)", title, source, event.after,
                     event.before)  # fmt: skip
        return
    LOGGER.warning(
        "%s: the counter of %s %s (%g kWh -> %g kWh); counting goes on from the new series, the poll across "
        "the change is left out", title, source, {"reset": "was reset", "replaced": "was replaced"}.get(event.kind,
        "jumped"), event.before, event.after,
    )  # fmt: skip


def live_settings(config: dict[str, Any]) -> LiveSettings:
    """The engine's settings from the entry's data and options (options win)."""
    circuit = HeatCircuit(
        medium=Medium(config.get(CONF_MEDIUM, Medium.WATER.value)),
        mass_fraction_pct=float(config.get(CONF_MASS_FRACTION, 0.0)),
        meter_position=MeterPosition(config.get(CONF_METER_POSITION, MeterPosition.RETURN.value)),
        flow_temp_offset_k=float(config.get(CONF_FLOW_TEMP_OFFSET, 0.0)),
        return_temp_offset_k=float(config.get(CONF_RETURN_TEMP_OFFSET, 0.0)),
        flow_rate_offset_m3h=float(config.get(CONF_FLOW_RATE_OFFSET, 0.0)),
    )
    return LiveSettings(
        circuit=circuit,
        running_threshold_w=float(config.get(CONF_RUNNING_THRESHOLD, DEFAULT_RUNNING_THRESHOLD_W)),
        rolling_window_s=60.0 * float(config.get(CONF_ROLLING_WINDOW, DEFAULT_ROLLING_WINDOW_MIN)),
        backup_heat_metered=bool(config.get(CONF_BACKUP_IN_HEAT_METER, True)),
        bound=frozenset(Role(key) for key in config.get(CONF_ROLES, {}) if key in Role.__members__.values()),
    )


class HeatPumpCoordinator(DataUpdateCoordinator[None]):
    """Reads every bound role once per interval and updates the live model.

    Totals are saved every minute while they change and at Home Assistant's final write
    (totals_store.py), so they continue after a restart instead of starting from 0.
    """

    config_entry: HeatPumpConfigEntry

    def __init__(self, hass: HomeAssistant, entry: HeatPumpConfigEntry) -> None:
        config = {**entry.data, **entry.options}
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} heat pump {entry.title}",
            update_interval=timedelta(seconds=int(config.get(CONF_SCAN_INTERVAL, DEFAULT_SCAN_INTERVAL_S))),
        )
        self.roles: dict[str, str] = dict(config.get(CONF_ROLES, {}))
        self.role_units: dict[str, str] = dict(config.get(CONF_ROLE_UNITS, {}))
        # the operating mode's states -> modes; the modes it can produce get their own sensors
        stored_map: dict[str, str] = dict(config.get(CONF_MODE_MAP, {})) if Role.OPERATING_MODE in self.roles else {}
        # a stored line whose target is no mode (an older release or a hand-edited entry stored one) is left out,
        # named in the log and in a repair issue (_async_setup): the mapping is never silently half-used
        self.mode_map, self.mode_map_problem = usable_mapping(stored_map)
        self.modes: tuple[Mode, ...] = tuple(m for m in modes_of(self.mode_map) if m is not Mode.OFF)
        self.live = LiveHeatPump(live_settings(config))
        # the meters' classes, coverage and heat-meter errors (engine/live_audit.py)
        self.meter_account = LiveMeterAccount(meter_classes(config), metered_feeds(config))
        self.meter_error_flagged = False
        self._audit_of: tuple[float | None, date] | None = None
        self.audit_version = 0
        self._audit_cache: tuple[dict[str, float | None], float | None, float | None] = ({}, None, None)
        self._publication_of: tuple[object, ...] | None = None
        self._publication: dict[str, object] = {}
        self.problems: dict[str, str] = {}
        # seconds since the epoch; replaceable so tests can run the plant's clock
        self.clock: Callable[[], float] = lambda: dt_util.utcnow().timestamp()
        self.totals_store = TotalsStore(hass, totals_key(HEAT_PUMP, entry.entry_id), self._export)
        # A datasheet saved by an older release may fail today's checks: the heat pump runs without a
        # rating and a repair issue says why, rather than not loading at all.
        self.rating: Rating | None = None
        self.datasheet_problem: str | None = None
        try:
            self.rating = Rating.from_config(config)
        except (EngineInputError, ValueError) as err:
            self.datasheet_problem = str(err)
        self.alerts = AlertMonitor(alert_settings(config))
        self._implausible_shown: tuple[bool, FlaggedHour | None] = (False, None)  # what the issue shows
        self.short_cycling = ShortCyclingMonitor(short_cycling_settings(config))
        self.outdoor_c: float | None = None
        self.flow_c: float | None = None
        self.expected_cop: float | None = None
        self.on_day_closed: Callable[[datetime, float | None], None] | None = None
        self._day = self._today()
        self.seasonal: SeasonalCoordinator | None = None  # made in setup when the recorder runs
        self.history: HistoryImporter | None = None  # the same
        self.recorded: RecordedTotals | None = None  # what the recorder held of the totals (set up)
        # each mapped mode's hours as statistics of the heat pump's own (mode_recorder.py), with the recorder
        self.mode_statistics: ModeStatisticsRecorder | None = None
        if "recorder" in hass.config.components and self.modes:
            self.mode_statistics = ModeStatisticsRecorder(
                hass, entry.entry_id, entry.title, self._mode_totals(), self.adopt_shown
            )

    async def _async_setup(self) -> None:
        mode_issue = f"mode_map_refused_{self.config_entry.entry_id}"
        if not self.mode_map_problem:
            ir.async_delete_issue(self.hass, DOMAIN, mode_issue)
        else:
            LOGGER.error(
                "%s: lines of its mode mapping are left out: %s", self.config_entry.title, self.mode_map_problem
            )
            ir.async_create_issue(
                self.hass, DOMAIN, mode_issue, is_fixable=False, severity=ir.IssueSeverity.WARNING,
                translation_key="mode_map_refused",
                translation_placeholders={"name": self.config_entry.title, "error": self.mode_map_problem},
            )  # fmt: skip
        issue_id = f"datasheet_refused_{self.config_entry.entry_id}"
        if self.datasheet_problem is None:
            ir.async_delete_issue(self.hass, DOMAIN, issue_id)
        else:
            LOGGER.error("%s: its datasheet is left out: %s", self.config_entry.title, self.datasheet_problem)
            ir.async_create_issue(
                self.hass, DOMAIN, issue_id, is_fixable=False, severity=ir.IssueSeverity.WARNING,
                translation_key="datasheet_refused",
                translation_placeholders={"name": self.config_entry.title, "error": self.datasheet_problem},
            )  # fmt: skip
        saved = await self.totals_store.async_load()
        if saved:
            self.live.restore(saved)
            self._check_plausibility(force=True)  # an alert saved before a restart is shown again
            alerts = saved.get("alerts")
            if isinstance(alerts, dict):
                self.alerts.restore(alerts)
            self.short_cycling.restore(saved.get("short_cycling"))
            audit = saved.get("meter_audit")
            if isinstance(audit, dict):
                self.meter_account.restore(audit)
        day = saved.get("day_date") if saved else None
        if isinstance(day, str):
            self._day = date.fromisoformat(day)
        saved_at = saved.get("saved_at") if saved else None
        before = self._combined_and_modes() if self.mode_statistics is not None else {}
        await self._adopt_shown_totals(saved_at if isinstance(saved_at, int | float) else None)
        if self.mode_statistics is not None:
            await self.mode_statistics.async_adopt_last()
            self._adopt_mode_residual(before)
            self.mode_statistics.begin()

    def _mode_totals(self) -> dict[str, Callable[[], float]]:
        """Each mapped mode's totals by the key of the sensor that shows it (mode_keys.py), for their statistics."""
        modes = self.live.modes.totals
        totals: dict[str, Callable[[], float]] = {}
        for key, name in MODE_SHOWN_TOTALS.items():
            mode_name, _, field = name.partition("/")
            if Mode(mode_name) in self.modes:
                totals[key] = partial(_field, modes[Mode(mode_name)], field)
        for key, mode in MODE_ELECTRIC_SENSORS.items():
            if mode in self.modes:
                totals[key] = partial(_field, modes[mode], "elec_kwh")
        return totals

    def _combined_and_modes(self) -> dict[str, tuple[float, float]]:
        """Each energy: (the combined total, the sum of every mode's part)."""
        modes = self.live.modes.totals.values()
        return {f: (float(getattr(self.live.totals, f)), sum(float(getattr(m, f)) for m in modes)) for f in BUCKETS}

    def _adopt_mode_residual(self, before: dict[str, tuple[float, float]]) -> None:
        """After an unclean stop the combined totals come back from their sensors' last states, each mode's from
        its last hour written: what the combined ones rose by beyond their parts ran in the mode in force."""
        mode = self.live.modes.current
        part = self.live.modes.totals[mode]
        raised: dict[str, float] = {}
        for field, (combined, parts) in self._combined_and_modes().items():
            extra = min((combined - before[field][0]) - (parts - before[field][1]), combined - parts)
            if shown_above(extra, 0.0, "kWh"):
                raised[bucket_of(mode, field)] = float(getattr(part, field)) + extra
        if raised:
            LOGGER.info("%s: %s given what the combined totals showed beyond it: %s", self.config_entry.title,
                        mode.value, self.live.adopt_shown(raised))  # fmt: skip

    async def _adopt_shown_totals(self, saved_at: float | None) -> None:
        """After an unclean stop, no total comes back lower than the recorder saw it."""
        entry = self.config_entry
        sensors = {key: unit for key, (_, unit) in SHOWN_TOTALS.items()} | {"electric_energy": "kWh"}
        sensors |= dict.fromkeys((*MODE_SHOWN_TOTALS, *MODE_ELECTRIC_SENSORS), "kWh") if self.modes else {}
        self.recorded = RecordedTotals(self.hass, entry, saved_at, sensors, self.adopt_shown)
        await self.recorded.async_adopt_known()

    def adopt_shown(self, shown: dict[str, float]) -> None:
        """Raise totals to what their sensors showed (key -> value); a sum's parts take what it showed beyond them."""
        entry = self.config_entry
        totals = {
            field: value
            for key, value in shown.items()
            if key in SHOWN_TOTALS
            and shown_above(
                value, float(getattr(self.live.totals, field := SHOWN_TOTALS[key][0])), SHOWN_TOTALS[key][1]
            )
        }
        raised = self.live.adopt_shown(totals)
        # the unit's electricity is shown as a sum too: what it showed beyond its parts ran while running
        beyond = shown.get("electric_energy", 0.0) - self.live.totals.elec_unit_kwh
        if shown_above(beyond, 0.0, "kWh"):
            raised |= self.live.adopt_shown({"elec_running_kwh": self.live.totals.elec_running_kwh + beyond})
        raised |= self._adopt_shown_modes(shown)
        if raised:
            LOGGER.info("%s: totals raised to what the recorder showed before an unclean stop: %s", entry.title, raised)

    def _adopt_shown_modes(self, shown: dict[str, float]) -> dict[str, float]:
        """The per-mode totals, as the combined ones: never back lower than the recorder saw them."""
        modes = self.live.modes.totals
        totals = {}
        for key, name in MODE_SHOWN_TOTALS.items():
            mode, _, field = name.partition("/")
            if key in shown and shown_above(shown[key], float(getattr(modes[Mode(mode)], field)), "kWh"):
                totals[name] = shown[key]
        raised = self.live.adopt_shown(totals)
        for key, mode in MODE_ELECTRIC_SENSORS.items():  # a sum: what it showed beyond its parts ran while running
            beyond = shown.get(key, 0.0) - modes[mode].elec_kwh
            if shown_above(beyond, 0.0, "kWh"):
                name = bucket_of(mode, "elec_running_kwh")
                raised |= self.live.adopt_shown({name: modes[mode].elec_running_kwh + beyond})
        return raised

    def _today(self, now_s: float | None = None) -> date:
        return dt_util.as_local(dt_util.utc_from_timestamp(self.clock() if now_s is None else now_s)).date()

    @callback
    def close_day(self) -> None:
        """The local day changed: its COP goes to the statistics and the new day starts from 0.

        Checked on every update rather than by a midnight timer, so a day that
        ended while Home Assistant was down is still closed on the first update.
        """
        if self.on_day_closed is not None:
            self.on_day_closed(dt_util.start_of_local_day(self._day), self.live.daily_cop)
        self.live.start_day(closed=self._day)
        self.meter_account.start_day()
        self._day = self._today()

    async def _async_update_data(self) -> None:
        values, self.problems = read_roles(self.hass, self.roles, self.role_units, self.mode_map)
        now_s = self.clock()
        if self._today(now_s) != self._day:
            self.close_day()
        self.live.update(now_s, values)
        outdoor, flow = values.get(Role.OUTDOOR_TEMP), values.get(Role.FLOW_TEMP)
        self.outdoor_c = None if outdoor is None else outdoor.value
        self.flow_c = None if flow is None else flow.value
        self.expected_cop = None
        if self.rating is not None and self.outdoor_c is not None and self.flow_c is not None and self.live.running:
            self.expected_cop = self.rating.expected.cop(self.outdoor_c, self.flow_c)
        self._check_alerts(now_s, values)
        self._check_plausibility()
        self._check_short_cycling(now_s)
        self._audit(now_s, values)
        for role, event in self.live.take_counter_events():
            log_counter_event(self.config_entry.title, self.roles.get(role.value, role.value), event)
        self.totals_store.changed()

    def _check_alerts(self, now_s: float, values: dict[Role, Measurement]) -> None:
        def value(role: Role) -> float | None:
            reading = values.get(role)
            return None if reading is None else reading.value

        before = dict(self.alerts.active)
        live = self.live
        active = self.alerts.update(Conditions(
            time_s=now_s, running=live.running, defrost=live.defrost_active,
            cop=None if live.modes.current is Mode.COOLING else live.rolling_cop,  # no heating COP while cooling
            outdoor_c=self.outdoor_c, flow_temp_c=self.flow_c, return_temp_c=value(Role.RETURN_TEMP),
            flow_m3h=value(Role.FLOW_RATE),
        ))  # fmt: skip
        if active != before:
            baseline = self.alerts.baseline_cop
            placeholders = {
                "cop": "-" if live.rolling_cop is None else f"{live.rolling_cop:.2f}",
                "baseline": "-" if baseline is None else f"{baseline:.2f}",
                "flow": self.roles.get(Role.FLOW_RATE.value, "-"),
            }
            sync_alert_issues(self.hass, self.config_entry.entry_id, self.config_entry.title, active, placeholders)

    def _check_plausibility(self, *, force: bool = False) -> None:
        """The repair issue of hours beyond physics (engine/plausibility.py): raised and cleared with the guard."""
        guard = self.live.plausibility
        hour = guard.last_flagged
        if (guard.active, hour) == self._implausible_shown and not force:
            return
        self._implausible_shown = (guard.active, hour)  # the issue names the latest flagged hour
        placeholders = {
            "hour": "-" if hour is None else dt_util.as_local(dt_util.utc_from_timestamp(hour.start_s)).isoformat(),
            "cop": "-" if hour is None else f"{hour.cop:.1f}",
            "carnot_pct": "-" if hour is None or hour.practical_efficiency is None
            else f"{100.0 * hour.practical_efficiency:.0f}",
            "elec": self.roles.get(Role.ELEC_POWER.value) or self.roles.get(Role.ELEC_ENERGY.value) or "-",
            "heat": self.roles.get(Role.HEAT_ENERGY.value) or self.roles.get(Role.HEAT_POWER.value)
            or self.roles.get(Role.FLOW_RATE.value) or "-",
        }  # fmt: skip
        sync_alert_issues(self.hass, self.config_entry.entry_id, self.config_entry.title,
                          {IMPLAUSIBLE_COP: guard.active}, placeholders)  # fmt: skip

    def _check_short_cycling(self, now_s: float) -> None:
        """The short-cycling alert (engine/short_cycling.py) and its repair issue."""
        monitor = self.short_cycling
        before = monitor.active
        # Short cycling is judged in space heating: a hot-water reheat or cooling cycles by design. Without
        # the operating-mode role every run is space heating.
        space_heating = self.live.modes.current is Mode.SPACE_HEATING
        if monitor.update(now_s, self.live.cycle_step, space_heating=space_heating) != before:
            median = monitor.median_run_s
            placeholders = {
                "starts": str(monitor.starts_last_hour),
                "max_starts": f"{monitor.settings.max_starts_per_hour:g}",
                "median": "-" if median is None else f"{median / 60:.1f}",
                "min_run": f"{monitor.settings.min_median_run_min:g}",
            }
            sync_alert_issues(self.hass, self.config_entry.entry_id, self.config_entry.title,
                              {SHORT_CYCLING: monitor.active}, placeholders)  # fmt: skip

    def _audit(self, now_s: float, values: dict[Role, Measurement]) -> None:
        """The meters' account (engine/live_audit.py); a repair issue while heat goes unmetered."""
        live = self.live

        def value(role: Role) -> float | None:
            reading = values.get(role)
            return None if reading is None else reading.value

        flow_c, return_c, flow_m3h = value(Role.FLOW_TEMP), value(Role.RETURN_TEMP), value(Role.FLOW_RATE)
        flow_heat_w = None
        # the heat the flow meter saw, only where the heat meter shows none while running (a heat-meter error)
        if live.running and (live.heat_power_w or 0.0) <= 0 and None not in (flow_c, return_c, flow_m3h):
            flow_heat_w = float(heat_power_w(live.settings.circuit, flow_c or 0.0, return_c or 0.0, flow_m3h or 0.0))
        account = self.meter_account
        errors_before = account.error_s + account.open_run_s
        account.update(now_s, PollReadings(
            net_heat_kwh=live.totals.net_heat_kwh, heat_power_w=live.heat_power_w, elec_power_w=live.elec_power_w,
            running=live.running, flow_c=flow_c, return_c=return_c, flow_m3h=flow_m3h, flow_heat_w=flow_heat_w,
        ))  # fmt: skip
        if account.error_s + account.open_run_s != errors_before:
            self._sync_meter_error_issue()

    def elec_feeds_kwh(self) -> tuple[float, float, float]:
        """The electricity of each meter (unit, backup heater, pumps): the interval's weights."""
        totals = self.live.totals
        return totals.elec_unit_kwh, totals.backup_kwh, totals.pumps_kwh

    def meter_error(self) -> MeterError:
        balance = self.live.totals.balance(self.live.settings.backup_heat_metered)
        return self.meter_account.meter_error(balance.elec_kwh, self.live.spf()["system"])

    def _sync_meter_error_issue(self) -> None:
        """A repair issue while the heat the meter missed moves the COP by more than 0.2 (its figures kept
        current while the error goes on); gone once it no longer does."""
        error = self.meter_error()
        meter_issue = issue_id(self.config_entry.entry_id, HEAT_METER_ERROR)
        if not error.flagged:
            if self.meter_error_flagged:
                ir.async_delete_issue(self.hass, DOMAIN, meter_issue)
            self.meter_error_flagged = False
            return
        self.meter_error_flagged = True
        ir.async_create_issue(
            self.hass, DOMAIN, meter_issue, is_fixable=False, severity=ir.IssueSeverity.WARNING,
            translation_key=HEAT_METER_ERROR,
            translation_placeholders={"name": self.config_entry.title, "hours": f"{error.seconds / 3600:.1f}",
                                      "kwh": f"{error.heat_kwh:.1f}", "shift": f"{error.cop_shift:.2f}"},
        )  # fmt: skip

    def audit_now(self) -> tuple[dict[str, float | None], float | None, float | None]:
        """The interval's factors (of a figure of 1) and the coverage since set-up and today, once per poll."""
        account = self.meter_account
        key = (account.last_poll_s, self._day)
        if self._audit_of != key:
            day_start = dt_util.start_of_local_day(self._day).timestamp()
            unit = account.band(1.0, self.elec_feeds_kwh())
            now = (unit, account.coverage(), account.coverage(day_start))
            if now != self._audit_cache:  # sensors build their attributes again only for a new version
                self._audit_cache = now
                self.audit_version += 1
            self._audit_of = key
        return self._audit_cache

    def figure_audit(self, value: float | None, period: str | None) -> dict[str, Any]:
        """What a period figure shown as ``value`` carries: its 95 % interval, boundary and (``period``:
        "today" or "since_setup") the share of that time with heat and electricity both measured."""
        unit, since_setup, today = self.audit_now()
        low, high = unit["spf_low"], unit["spf_high"]
        band = {"spf_low": None if value is None or low is None else value * low,
                "spf_high": None if value is None or high is None else value * high,
                "relative_95": unit["relative_95"]}  # fmt: skip
        attributes = band_attributes(value, band)
        attributes["boundary"] = self.meter_account.boundary
        if period is not None:
            share = today if period == "today" else since_setup
            attributes["coverage_pct"] = None if share is None else round(100 * share)
        return attributes

    def publication(self) -> dict[str, object]:
        """heatpumpmonitor.org's publication check over the last 365 days (engine/audit.py), worked out again
        only when what it depends on changed."""
        days = None
        if self.seasonal is not None and isinstance(year := (self.seasonal.data or {}).get("last_365_days"), dict):
            days = float(year.get("hours", 0)) / 24.0
        error = self.meter_error()
        key = (days, round(error.seconds), round(error.heat_kwh, 1), error.flagged, error.checked)
        if self._publication_of != key:
            account = self.meter_account
            self._publication = publication_check(account.meters, account.metered, period_days=365.0,
                                                  days_in_window=days, meter_error=error)  # fmt: skip
            self._publication_of = key
        return self._publication

    def _export(self) -> dict[str, Any]:
        return {**self.live.export(), "alerts": self.alerts.export(), "short_cycling": self.short_cycling.export(),
                "day_date": self._day.isoformat(), "meter_audit": self.meter_account.export()}  # fmt: skip

    @property
    def day(self) -> date:
        """The local day being counted (today, unless it ended while Home Assistant was down)."""
        return self._day

    @property
    def cop_gap_pct(self) -> float | None:
        """Rolling measured COP against the datasheet's expectation now (negative: worse)."""
        return gap_pct(self.live.rolling_cop, self.expected_cop)

    async def async_save(self) -> None:
        await self.totals_store.async_save()

    def accounting(self) -> dict[str, Any]:
        """How the totals are being counted now: channels, the open span, each counter and its events."""
        live = self.live
        exported = live.export()
        return {
            "channels": live.channels(),
            "open_span": exported["span"],
            "heat_debt_kwh": live.heat_debt_kwh,
            "counters": exported["counters"],
        }

    def unit_reading(self) -> UnitReading:
        """This unit's lifetime totals and powers, as a plant adds them up."""
        live = self.live
        totals = live.totals
        balance = totals.balance(live.settings.backup_heat_metered)
        heat = totals.heat_kwh + (0.0 if live.settings.backup_heat_metered else totals.backup_kwh)
        return UnitReading(heat, balance.elec_kwh, totals.defrost_heat_kwh, live.heat_power_w, live.elec_power_w)
