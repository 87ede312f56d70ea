/**
 * The report's browser script. `drawCharts` is inlined into the page with Function#toString, so it
 * is type-checked and linted like the rest of the code but runs in the browser: it must stay
 * self-contained (no imports, no references to anything outside its own body) and use only what
 * the target (ES2023) emits unchanged. The DOM types below are the few members it touches —
 * the project compiles without the DOM library on purpose (servers and load run in Node).
 */
import type { ChartSpec } from './chart-specs.js';

interface BrowserElement {
  textContent: string | null;
  addEventListener(type: string, listener: () => void): void;
  setAttribute(name: string, value: string): void;
}

interface Canvas2D {
  fillStyle: unknown;
  strokeStyle: unknown;
  lineWidth: number;
  font: string;
  textAlign: string;
  textBaseline: string;
  fillRect(x: number, y: number, w: number, h: number): void;
  beginPath(): void;
  moveTo(x: number, y: number): void;
  lineTo(x: number, y: number): void;
  stroke(): void;
  fillText(text: string, x: number, y: number): void;
  save(): void;
  restore(): void;
  translate(x: number, y: number): void;
  rotate(radians: number): void;
  createPattern(image: BrowserCanvas, repetition: string): unknown;
}

interface BrowserCanvas extends BrowserElement {
  width: number;
  height: number;
  getContext(kind: '2d'): Canvas2D | null;
}

interface ChartElementPosition {
  x: number;
  y: number;
}

interface ScaleOptions {
  type: string;
  min?: number;
  max?: number;
  ticks: { autoSkip: boolean };
  title: { text: string };
}

interface BuiltScale {
  type: string;
  min: number;
  max: number;
  height: number;
  ticks: { value: number }[];
}

interface LegendItem {
  datasetIndex?: number;
  fillStyle?: unknown;
  strokeStyle?: unknown;
  lineWidth?: number;
}

interface ChartInstance {
  ctx: Canvas2D;
  chartArea: { bottom: number };
  options: { scales: Record<string, ScaleOptions> };
  data: { datasets: { data: unknown[] }[] };
  update(): void;
  resize(): void;
  isDatasetVisible(index: number): boolean;
  getDatasetMeta(index: number): { data: ChartElementPosition[] };
}

interface TooltipItem {
  datasetIndex: number;
  dataIndex: number;
  parsed: { x: number; y: number | null };
  dataset: { label: string };
}

export interface BrowserWindow {
  document: {
    getElementById(id: string): BrowserElement | null;
    createElement(tag: 'canvas'): BrowserCanvas;
  };
  addEventListener(type: string, listener: () => void): void;
  Chart: {
    new (canvas: BrowserCanvas, config: unknown): ChartInstance;
    defaults: { plugins: { legend: { labels: { generateLabels(chart: ChartInstance): LegendItem[] } } } };
  };
}

export function drawCharts(win: BrowserWindow, dataElementId: string): void {
  const doc = win.document;
  const source = doc.getElementById(dataElementId);
  const specs = JSON.parse(source?.textContent ?? '[]') as ChartSpec[];
  const charts: ChartInstance[] = [];
  const format = (value: number): string => value.toLocaleString('en-US', { maximumSignificantDigits: 3 });

  function rgba(hex: string, alpha: number): string {
    const n = parseInt(hex.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }

  // Projected bars are hatched: a light fill crossed by diagonal stripes of the transport's colour.
  function hatch(color: string): unknown {
    const tile = doc.createElement('canvas');
    tile.width = 8;
    tile.height = 8;
    const ctx = tile.getContext('2d');
    if (!ctx) return rgba(color, 0.3);
    ctx.fillStyle = rgba(color, 0.18);
    ctx.fillRect(0, 0, 8, 8);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.moveTo(0, 8);
    ctx.lineTo(8, 0);
    ctx.moveTo(-2, 2);
    ctx.lineTo(2, -2);
    ctx.moveTo(6, 10);
    ctx.lineTo(10, 6);
    ctx.stroke();
    return ctx.createPattern(tile, 'repeat') ?? rgba(color, 0.3);
  }

  function dataset(spec: ChartSpec, index: number): Record<string, unknown> {
    const ds = spec.datasets[index];
    if (!ds) return {};
    const base: Record<string, unknown> = { label: ds.label, data: ds.data, borderColor: ds.color };
    if (ds.overlayLine) {
      return { ...base, type: 'line', yAxisID: 'y2', backgroundColor: ds.color, pointRadius: 4, borderWidth: 2, order: -1 };
    }
    if (spec.kind === 'line') {
      const saturated = ds.saturated ?? [];
      return {
        ...base,
        backgroundColor: ds.color,
        borderDash: ds.dotted ? [2, 3] : ds.dashed ? [6, 4] : [],
        borderWidth: ds.dotted ? 3 : 2,
        pointStyle: saturated.map((s) => (s ? 'triangle' : 'circle')),
        pointRadius: saturated.map((s) => (s ? 8 : 3)),
        spanGaps: true,
      };
    }
    if (ds.reference) {
      return { ...base, backgroundColor: rgba(ds.color, 0.12), borderWidth: 2, stack: ds.stack };
    }
    const projected = ds.projected ?? [];
    const saturated = ds.saturated ?? [];
    return {
      ...base,
      stack: ds.stack,
      backgroundColor: ds.data.map((_, i) => (projected[i] ? hatch(ds.color) : ds.color)),
      borderWidth: ds.data.map((_, i) => (saturated[i] ? 3 : projected[i] ? 1 : 0)),
      borderColor: ds.data.map((_, i) => (saturated[i] ? '#000000' : ds.color)),
    };
  }

  // Writes "projected" above hatched bars, "✗ failed" where a tried count failed, and "*" over generator-saturated values, so the marks
  // survive printing in black and white and do not depend on the tooltip.
  function marksPlugin(spec: ChartSpec): Record<string, unknown> {
    return {
      id: 'wirebenchMarks',
      afterDatasetsDraw(chart: ChartInstance) {
        const ctx = chart.ctx;
        ctx.save();
        ctx.fillStyle = '#222222';
        ctx.textAlign = 'left';
        ctx.textBaseline = 'middle';
        spec.datasets.forEach((ds, index) => {
          if (!chart.isDatasetVisible(index)) return;
          const points = chart.getDatasetMeta(index).data;
          points.forEach((point, i) => {
            if (ds.failed?.[i] && point !== undefined && Number.isFinite(point.x)) {
              ctx.save();
              ctx.font = 'bold 12px system-ui, sans-serif';
              ctx.fillStyle = '#c0392b';
              ctx.translate(point.x, chart.chartArea.bottom - 4);
              ctx.rotate(-Math.PI / 2);
              ctx.fillText('✗ failed', 0, 0);
              ctx.restore();
              return;
            }
            if (ds.data[i] === null || point === undefined || Number.isNaN(point.y)) return;
            if (ds.projected?.[i]) {
              ctx.save();
              ctx.font = '11px system-ui, sans-serif';
              ctx.translate(point.x, point.y - 4);
              ctx.rotate(-Math.PI / 2);
              ctx.fillText('projected', 0, 0);
              ctx.restore();
            }
            if (ds.saturated?.[i]) {
              ctx.font = 'bold 16px system-ui, sans-serif';
              ctx.textAlign = 'center';
              ctx.fillText('*', point.x, point.y - (ds.projected?.[i] ? 64 : spec.kind === 'line' ? 16 : 10));
              ctx.textAlign = 'left';
            }
          });
        });
        ctx.restore();
      },
    };
  }

  // Log axes label only 1, 2 and 5 × 10^k, as Chart.js does by default, but with our number format.
  function tick(this: { type: string; getLabelForValue(value: number): string | string[] }, value: number | string): string | string[] {
    if (typeof value !== 'number') return value;
    if (this.type === 'category') return this.getLabelForValue(value);
    if (this.type === 'logarithmic') {
      const lead = value / 10 ** Math.floor(Math.log10(value));
      if (![1, 2, 5].some((d) => Math.abs(lead - d) < 1e-6)) return '';
    }
    return format(value);
  }

  // Log axes get a tick at every 1, 2 and 5 × 10^k in range: Chart.js generates 1–9 × 10^k and
  // auto-skipping then drops labels, often the 2 and 5 ms where the push medians sit.
  function oneTwoFive(scale: BuiltScale): void {
    if (scale.type !== 'logarithmic' || !(scale.min > 0) || !(scale.max > scale.min)) return;
    // Powers of ten only when 1-2-5 would crowd the axis (under ~16 px a label).
    const decades = Math.log10(scale.max / scale.min);
    const leads = scale.height > 0 && scale.height / (decades * 3) < 16 ? [1] : [1, 2, 5];
    const ticks: { value: number }[] = [];
    for (let exp = Math.floor(Math.log10(scale.min)); 10 ** exp <= scale.max; exp++) {
      for (const lead of leads) {
        const value = Number((lead * 10 ** exp).toPrecision(6));
        if (value >= scale.min * (1 - 1e-9) && value <= scale.max * (1 + 1e-9)) ticks.push({ value });
      }
    }
    if (ticks.length >= 2) scale.ticks = ticks;
  }

  function axis(spec: ChartSpec['x'], type: string, options: { stacked?: boolean; grid?: boolean; right?: boolean; grace?: boolean }): Record<string, unknown> {
    return {
      type: spec.log ? 'logarithmic' : type,
      position: options.right ? 'right' : undefined,
      stacked: Boolean(options.stacked),
      min: spec.log ? spec.logMin : spec.min,
      max: spec.log ? spec.logMax : spec.max,
      grace: options.grace ? '8%' : undefined,
      title: { display: true, text: spec.title, font: { size: 12 } },
      grid: { display: options.grid !== false },
      ticks: { callback: tick, maxRotation: 0, autoSkip: !spec.log, autoSkipPadding: 8 },
      afterBuildTicks: oneTwoFive,
    };
  }

  // The legend shows each series' own colour, not the marks (hatching, saturated border) of its first value.
  function legendLabels(spec: ChartSpec): (chart: ChartInstance) => LegendItem[] {
    return (chart) => {
      const items = win.Chart.defaults.plugins.legend.labels.generateLabels(chart);
      for (const item of items) {
        const ds = item.datasetIndex === undefined ? undefined : spec.datasets[item.datasetIndex];
        if (!ds || ds.reference || ds.overlayLine) continue;
        item.fillStyle = ds.color;
        item.strokeStyle = ds.color;
        item.lineWidth = spec.kind === 'line' ? 2 : 0;
      }
      return items;
    };
  }

  function build(spec: ChartSpec): void {
    const canvas = doc.getElementById(spec.id) as BrowserCanvas | null;
    if (!canvas) return;
    const datasets = spec.datasets.map((_, index) => dataset(spec, index));
    if (spec.datasets.some((ds) => ds.projected?.some(Boolean))) {
      datasets.push({ label: 'projected (hatched)', data: [], backgroundColor: hatch('#555555'), borderColor: '#555555', borderWidth: 1 });
    }
    const scales: Record<string, unknown> = {
      x: axis(spec.x, spec.kind === 'line' ? 'linear' : 'category', { stacked: spec.x.stacked, grid: spec.kind === 'line' }),
      y: axis(spec.y, 'linear', { stacked: spec.y.stacked, grace: true }),
    };
    if (spec.y2) scales.y2 = axis(spec.y2, 'linear', { right: true, grid: false });
    const chart = new win.Chart(canvas, {
      type: spec.kind,
      data: { labels: spec.labels, datasets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        layout: { padding: { top: spec.datasets.some((ds) => ds.projected?.some(Boolean)) ? 64 : 24 } },
        interaction: { mode: spec.kind === 'line' ? 'nearest' : 'index', intersect: false },
        scales,
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 14, font: { size: 12 }, generateLabels: legendLabels(spec) } },
          tooltip: {
            callbacks: {
              label(item: TooltipItem) {
                const ds = spec.datasets[item.datasetIndex];
                if (!ds || item.parsed.y === null) return '';
                const unit = ds.overlayLine ? (spec.y2?.unit ?? '') : (spec.y.unit ?? '');
                const marks = `${ds.projected?.[item.dataIndex] ? ' (projected)' : ''}${ds.saturated?.[item.dataIndex] ? ' * generator-saturated' : ''}`;
                const at = spec.kind === 'line' ? ` at ${format(item.parsed.x)} ${spec.x.unit ?? 'clients'}` : '';
                return `${item.dataset.label}: ${format(item.parsed.y)} ${unit}${at}${marks}`;
              },
            },
          },
        },
      },
      plugins: [marksPlugin(spec)],
    });
    charts.push(chart);

    const scaleButton = doc.getElementById(`${spec.id}-scale`);
    scaleButton?.addEventListener('click', () => {
      const y = chart.options.scales.y;
      if (!y) return;
      const toLog = y.type !== 'logarithmic';
      y.type = toLog ? 'logarithmic' : 'linear';
      y.min = toLog ? spec.y.logMin : spec.y.min;
      y.max = toLog ? spec.y.logMax : spec.y.max;
      y.ticks.autoSkip = !toLog;
      scaleButton.textContent = toLog ? 'y axis: log (switch to linear)' : 'y axis: linear (switch to log)';
      scaleButton.setAttribute('aria-pressed', String(toLog));
      chart.update();
    });

    // The layer switch and the overhead toggle pick one view of each dataset together.
    let layer = spec.layerSwitch?.initial ?? '';
    let overheadOnly = false;
    const overheadButton = doc.getElementById(`${spec.id}-overhead`);
    function showView(): void {
      spec.datasets.forEach((ds, index) => {
        const target = chart.data.datasets[index];
        if (!target) return;
        const view = ds.views?.[overheadOnly ? `${layer}:overhead` : layer];
        target.data = view ?? (overheadOnly && ds.altData ? ds.altData : ds.data);
      });
      const y = chart.options.scales.y;
      const layerTitle = spec.layerSwitch?.layers.find((l) => l.id === layer)?.title;
      if (y) y.title.text = overheadOnly && spec.overheadToggle ? spec.overheadToggle.altTitle : (layerTitle ?? spec.y.title);
      chart.update();
    }
    overheadButton?.addEventListener('click', () => {
      overheadOnly = !overheadOnly;
      overheadButton.textContent = overheadOnly ? 'showing: overhead only (switch to all bytes)' : 'showing: all bytes (switch to overhead only)';
      overheadButton.setAttribute('aria-pressed', String(overheadOnly));
      showView();
    });
    for (const option of spec.layerSwitch?.layers ?? []) {
      const button = doc.getElementById(`${spec.id}-layer-${option.id}`);
      button?.addEventListener('click', () => {
        layer = option.id;
        for (const other of spec.layerSwitch?.layers ?? []) doc.getElementById(`${spec.id}-layer-${other.id}`)?.setAttribute('aria-pressed', String(other.id === layer));
        showView();
      });
    }
  }

  specs.forEach(build);
  // Responsive charts size themselves to the screen; give them the page's width when printing.
  win.addEventListener('beforeprint', () => charts.forEach((chart) => chart.resize()));
  win.addEventListener('afterprint', () => charts.forEach((chart) => chart.resize()));
}
