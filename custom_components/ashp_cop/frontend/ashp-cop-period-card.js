// ASHP COP period card: a heat pump's or plant's figures over a period, as heatpumpmonitor.org shows a system.
// A plain web component, no build step: the integration serves this file and adds it to the frontend's
// extra modules (period_card.py). The table comes from the websocket command ashp_cop/period, computed
// from the recorder's long-term statistics (the same figures as the ashp_cop.recalculate action).
// The period follows the Energy dashboard's date picker when the card sits beside one (the energy
// collection), otherwise the card's own selector.

const PERIODS = [
  ["today", "Today"], ["week", "This week"], ["month", "This month"],
  ["season", "Heating season"], ["year", "Last 365 days"], ["custom", "Custom"],
];
const ROWS = [
  ["combined", "Combined"], ["running", "When running"], ["space_heating", "Space heating"],
  ["hot_water", "Hot water"], ["cooling", "Cooling"],
];
const COLUMNS = [
  // key, heading, unit, decimals, what a missing figure means
  ["elec_kwh", "Electricity", "kWh", 1, "no electricity recorded"],
  ["heat_kwh", "Heat", "kWh", 1, "no heat recorded"],
  ["cop", "COP", "", 2, "no electricity in the period"],
  ["flow_temp_c", "Flow", "°C", 1, "no flow temperature with statistics"],
  ["outdoor_temp_c", "Outdoor", "°C", 1, "no outdoor temperature with statistics"],
  ["carnot_pct", "Carnot", "%", 0, "flow or outdoor temperature missing"],
  ["starts", "Starts", "", 0, "not counted (per mode, or no statistics of starts in the period)"],
];

// names the owner gave (entry titles, the card's title) go into the markup as text, never as markup
const esc = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function startOfDay(d) { const s = new Date(d); s.setHours(0, 0, 0, 0); return s; }

export function periodBounds(period, now = new Date(), custom = {}) {
  const today = startOfDay(now);
  switch (period) {
    case "today": return [today, now];
    case "week": { const s = new Date(today); s.setDate(s.getDate() - ((s.getDay() + 6) % 7)); return [s, now]; }
    case "month": return [new Date(today.getFullYear(), today.getMonth(), 1), now];
    case "season": { // 1 September, as the integration's seasonal sensors count it (statistics.py)
      const year = today.getMonth() >= 8 ? today.getFullYear() : today.getFullYear() - 1;
      return [new Date(year, 8, 1), now];
    }
    case "year": return [new Date(now.getTime() - 365 * 86400000), now];
    case "custom": {
      const s = custom.start ? startOfDay(new Date(custom.start + "T00:00")) : today;
      const e = custom.end ? startOfDay(new Date(custom.end + "T00:00")) : today;
      e.setDate(e.getDate() + 1); // the end day counts whole
      return [s, e];
    }
    default: return [new Date(today.getFullYear(), today.getMonth(), 1), now];
  }
}

class AshpCopPeriodCard extends HTMLElement {
  static getStubConfig() { return { period: "month" }; }
  static getConfigElement() { return undefined; }

  setConfig(config) {
    this._config = { ...config };
    this._period = config.period || "month";
    this._custom = {};
    this._table = null;
    this._error = null;
    this._asked = 0;
    if (!this.shadowRoot) this.attachShadow({ mode: "open" });
    this._render();
  }

  getCardSize() { return 5; }
  getGridOptions() { return { columns: 12, min_columns: 6 }; }

  set hass(hass) {
    const first = !this._hass;
    this._hass = hass;
    this._followEnergy();
    if (first) this._load();
  }

  _followEnergy() {
    if (this._energyUnsub || this._config.follow_energy === false || !this._hass) return;
    const key = this._config.collection_key ? `_${this._config.collection_key}` : "_energy";
    const collection = this._hass.connection && this._hass.connection[key];
    if (!collection || typeof collection.subscribe !== "function") return;
    this._energyUnsub = collection.subscribe((data) => {
      if (!data || !data.start) return;
      this._energyPeriod = [new Date(data.start), data.end ? new Date(data.end) : new Date()];
      this._load();
    });
  }

  disconnectedCallback() {
    if (this._energyUnsub) { this._energyUnsub(); this._energyUnsub = undefined; }
  }

  connectedCallback() { if (this._hass) { this._followEnergy(); } }

  async _entryId() {
    if (this._config.entry_id) return this._config.entry_id;
    if (this._chosenEntry) return this._chosenEntry;
    const answer = await this._hass.callWS({ type: "ashp_cop/heat_pumps" });
    // a plant first (the whole installation), else the first heat pump; the others to pick from
    this._entries = [...answer.entries.filter((e) => e.kind === "plant"),
      ...answer.entries.filter((e) => e.kind === "heat_pump")];
    if (!this._entries.length) throw new Error("No heat pump or plant of ASHP COP is loaded.");
    this._chosenEntry = this._entries[0].entry_id;
    return this._chosenEntry;
  }

  async _load() {
    if (!this._hass) return;
    const [start, end] = this._energyPeriod || periodBounds(this._period, new Date(), this._custom);
    const asked = ++this._asked;
    this._loading = true;
    this._render();
    try {
      const entryId = await this._entryId();
      const table = await this._hass.callWS({
        type: "ashp_cop/period", entry_id: entryId, start: start.toISOString(), end: end.toISOString(),
      });
      if (asked !== this._asked) return; // a later choice answered first
      this._table = table;
      this._error = null;
    } catch (err) {
      if (asked !== this._asked) return;
      this._error = (err && (err.message || err.code)) || String(err);
    }
    this._loading = false;
    this._render();
  }

  _format(value, decimals) {
    const lang = (this._hass && this._hass.locale && this._hass.locale.language) || undefined;
    return new Intl.NumberFormat(lang, { minimumFractionDigits: decimals, maximumFractionDigits: decimals })
      .format(value);
  }

  _cell(row, column, withUnit = true) {
    const [key, , unit, decimals, why] = column;
    const value = row ? row[key] : null;
    if (value === null || value === undefined) {
      return `<td class="none" data-col="${key}" title="${why}">—</td>`;
    }
    const shown = this._format(value, decimals) + (withUnit && unit && unit !== "kWh" ? ` ${unit}` : "");
    return `<td data-col="${key}">${shown}</td>`;
  }

  _rows() {
    const rows = (this._table && this._table.rows) || {};
    if (this._table && this._table.kind === "plant") { // the plant, its heat pumps, its shared loads
      const titles = this._table.row_titles || {};
      const units = Object.keys(rows).filter((key) => key in titles).map((key) => [key, esc(titles[key]), rows[key]]);
      return [["combined", "Plant", rows.combined], ...units, ["shared", "Shared loads", rows.shared]]
        .filter(([, , row]) => row);
    }
    return ROWS.filter(([key]) => key in rows).map(([key, label]) => [key, label, rows[key]]);
  }

  _wideTable() {
    const head = COLUMNS.map(([key, heading, unit]) =>
      `<th data-col="${key}">${heading}${unit === "kWh" ? "<br><small>kWh</small>" : ""}</th>`).join("");
    const body = this._rows().map(([key, label, row]) =>
      `<tr data-row="${key}"><th scope="row">${label}</th>${COLUMNS.map((c) => this._cell(row, c)).join("")}</tr>`,
    ).join("");
    return `<table class="wide"><thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table>`;
  }

  _narrowTable() {
    const rows = this._rows();
    const head = rows.map(([key, label]) => `<th data-row="${key}">${label}</th>`).join("");
    const body = COLUMNS.map((column) => {
      const [key, heading, unit] = column;
      const cells = rows.map(([, , row]) => this._cell(row, column, false)).join("");
      // the unit under the heading: the row headings' column stays narrow (a desktop column of 340 px)
      return `<tr data-col="${key}"><th scope="row">${heading}${unit ? `<br><small>${unit}</small>` : ""}</th>${cells}</tr>`;
    }).join("");
    return `<table class="narrow"><thead><tr><th></th>${head}</tr></thead><tbody>${body}</tbody></table>`;
  }

  _periodText() {
    if (!this._table) return "";
    const options = { dateStyle: "medium" };
    const lang = (this._hass && this._hass.locale && this._hass.locale.language) || undefined;
    const start = new Date(this._table.start);
    const end = new Date(new Date(this._table.end).getTime() - 1);
    const fmt = new Intl.DateTimeFormat(lang, options);
    const span = fmt.format(start) === fmt.format(end) ? fmt.format(start) : `${fmt.format(start)} – ${fmt.format(end)}`;
    return `${span} · ${this._table.hours} h of statistics`;
  }

  _selector() {
    if (this._energyPeriod) {
      return `${this._entryPicker()}<div class="follows">Period of the Energy dashboard's date picker</div>`;
    }
    const chips = PERIODS.map(([key, label]) =>
      `<button type="button" data-period="${key}" class="${key === this._period ? "on" : ""}">${label}</button>`,
    ).join("");
    const custom = this._period === "custom"
      ? `<div class="custom"><label>From <input type="date" data-custom="start" value="${this._custom.start || ""}"></label>
         <label>to <input type="date" data-custom="end" value="${this._custom.end || ""}"></label></div>`
      : "";
    return `${this._entryPicker()}<div class="periods" role="group" aria-label="Period">${chips}</div>${custom}`;
  }

  _entryPicker() {
    if (this._config.entry_id || !this._entries || this._entries.length < 2) return "";
    const options = this._entries.map((e) => `<option value="${e.entry_id}"${e.entry_id === this._chosenEntry
      ? " selected" : ""}>${esc(e.title)}</option>`).join("");
    return `<select class="entry" aria-label="Heat pump or plant">${options}</select>`;
  }

  _render() {
    if (!this.shadowRoot) return;
    const title = esc(this._config.title || (this._table && this._table.title) || "Heat pump");
    let body;
    if (this._error) body = `<div class="error">${esc(this._error)}</div>`;
    else if (!this._table) body = `<div class="wait">Reading the statistics…</div>`;
    else if (!this._table.hours) body = `<div class="empty">No hour of this period has statistics yet.</div>`;
    else body = this._wideTable() + this._narrowTable();
    this.shadowRoot.innerHTML = `
      <style>
        :host { display: block; container: card / inline-size; }
        ha-card, .card { padding: 12px 16px 16px; }
        h2 { margin: 0 0 2px; font-size: 1.15em; font-weight: 500; }
        .when { color: var(--secondary-text-color, #666); font-size: 0.85em; margin-bottom: 8px; min-height: 1em; }
        .periods { display: flex; flex-wrap: wrap; gap: 6px; margin-bottom: 8px; }
        button { font: inherit; font-size: 0.85em; padding: 4px 10px; border-radius: 14px; cursor: pointer;
          border: 1px solid var(--divider-color, #ccc); background: none; color: var(--primary-text-color, #222); }
        button.on { background: var(--primary-color, #03a9f4); border-color: var(--primary-color, #03a9f4);
          color: var(--text-primary-color, #fff); }
        .custom { display: flex; gap: 8px; flex-wrap: wrap; margin-bottom: 8px; font-size: 0.9em; }
        select.entry { font: inherit; font-size: 0.9em; margin-bottom: 8px; max-width: 100%; padding: 2px 4px;
          color: var(--primary-text-color, #222); background: var(--card-background-color, #fff);
          border: 1px solid var(--divider-color, #ccc); border-radius: 4px; }
        .follows { font-size: 0.85em; color: var(--secondary-text-color, #666); margin-bottom: 8px; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; font-size: 0.95em; }
        th, td { padding: 5px 6px; text-align: right; border-bottom: 1px solid var(--divider-color, #e0e0e0); }
        td { white-space: nowrap; }
        th[scope="row"] { text-align: left; font-weight: 500; white-space: nowrap; }
        thead th { font-weight: 500; color: var(--secondary-text-color, #555); vertical-align: bottom; }
        thead small { font-weight: 400; }
        tr[data-row="combined"] td, td[data-col="cop"] { font-weight: 600; }
        td.none { color: var(--disabled-text-color, #999); }
        .narrow { display: none; }
        .error { color: var(--error-color, #db4437); }
        .wait, .empty { color: var(--secondary-text-color, #666); padding: 8px 0; }
        .table { overflow-x: auto; } /* a font wider than planned scrolls the table, never cuts it */
        /* the wide table needs some 540 px of text at 14 px (565 px with the card's padding): below 640 px of
           card the figures turn into rows (a desktop masonry column cut the last column by a few px at 561) */
        @container card (max-width: 640px) {
          .wide { display: none; }
          .narrow { display: table; font-size: 0.9em; }
          th, td { padding: 5px 3px; }
          th[scope="row"] small { font-weight: 400; color: var(--secondary-text-color, #555); }
        }
      </style>
      <ha-card><div class="card">
        <h2>${title}</h2>
        <div class="when">${this._loading && this._table ? "Reading…" : this._periodText()}</div>
        ${this._selector()}
        <div class="table">${body}</div>
      </div></ha-card>`;
    this.shadowRoot.querySelectorAll("button[data-period]").forEach((button) =>
      button.addEventListener("click", () => { this._period = button.dataset.period; this._load(); }));
    const picker = this.shadowRoot.querySelector("select.entry");
    if (picker) picker.addEventListener("change", () => { this._chosenEntry = picker.value; this._load(); });
    this.shadowRoot.querySelectorAll("input[data-custom]").forEach((input) =>
      input.addEventListener("change", () => { this._custom[input.dataset.custom] = input.value; this._load(); }));
  }
}

if (!customElements.get("ashp-cop-period-card")) {
  customElements.define("ashp-cop-period-card", AshpCopPeriodCard);
  window.customCards = window.customCards || [];
  window.customCards.push({
    type: "ashp-cop-period-card",
    name: "ASHP COP period",
    description: "A heat pump's or plant's electricity, heat, COP, temperatures, % of Carnot and starts over a period.",
  });
}
