// A small Prometheus text-exposition (format 0.0.4) writer: counters, gauges and histograms with labels.
// Output mirrors prometheus_client as vLLM uses it: `# HELP`/`# TYPE` per family, label keys sorted,
// histogram series as _bucket{le=…} (cumulative, ending at +Inf), then _count and _sum.
// Counter names are given in full (e.g. `vllm:prompt_tokens_total`), as they appear on the wire.

export type Labels = Record<string, string>;

export interface Counter {
  inc(labels?: Labels, value?: number): void;
  /** Create the series at 0 so it shows before its first increment (vLLM pre-creates per-engine series). */
  ensure(labels?: Labels): void;
  get(labels?: Labels): number;
}

export interface Gauge {
  set(labels: Labels, value: number): void;
  inc(labels?: Labels, value?: number): void;
  get(labels?: Labels): number;
}

export interface Histogram {
  observe(labels: Labels, value: number): void;
  ensure(labels?: Labels): void;
  /** count and sum of one series (for tests and summaries). */
  get(labels?: Labels): { count: number; sum: number; buckets: number[] };
}

export interface Registry {
  counter(def: MetricDef): Counter;
  gauge(def: MetricDef & { collect?: () => Array<{ labels: Labels; value: number }> }): Gauge;
  histogram(def: MetricDef & { buckets: readonly number[] }): Histogram;
  /** The whole exposition text. */
  render(): string;
}

export interface MetricDef {
  name: string;
  help: string;
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** `{a="x",b="y"}` with keys sorted, or '' when there are no labels. */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return '{' + keys.map((k) => `${k}="${escapeLabelValue(labels[k]!)}"`).join(',') + '}';
}

function keyOf(labels: Labels): string {
  return formatLabels(labels);
}

function checkLabels(metric: string, labels: Labels): void {
  for (const k of Object.keys(labels)) {
    if (!LABEL_RE.test(k) || k === 'le') throw new Error(`metric ${metric}: invalid label name "${k}"`);
  }
}

/**
 * Hot paths (one observation per streamed token) pass the same frozen labels object every time;
 * remember its series by identity so we do not sort and escape label keys per observation.
 * Only frozen objects are cached: a mutable one could change after being remembered.
 */
function cachedSlot<S>(lookup: (labels: Labels) => S): (labels: Labels) => S {
  const byObject = new WeakMap<Labels, S>();
  return (labels) => {
    if (!Object.isFrozen(labels)) return lookup(labels);
    let s = byObject.get(labels);
    if (s === undefined) {
      s = lookup(labels);
      byObject.set(labels, s);
    }
    return s;
  };
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  render(out: string[]): void;
}

export interface RegistryOptions {
  /** Go client style (the EPP): families without a sample are left out entirely. */
  omitEmptyFamilies?: boolean;
}

export function createRegistry(opts: RegistryOptions = {}): Registry {
  const families: Family[] = [];
  const names = new Set<string>();

  function register(f: Family) {
    if (!NAME_RE.test(f.name)) throw new Error(`invalid metric name "${f.name}"`);
    if (names.has(f.name)) throw new Error(`metric ${f.name} registered twice`);
    names.add(f.name);
    families.push(f);
  }

  function scalarSeries(name: string) {
    const series = new Map<string, { labels: Labels; value: number }>();
    const slot = cachedSlot((labels: Labels) => {
      const k = keyOf(labels);
      let s = series.get(k);
      if (!s) {
        checkLabels(name, labels);
        s = { labels: { ...labels }, value: 0 };
        series.set(k, s);
      }
      return s;
    });
    return { series, slot };
  }

  return {
    counter(def) {
      const { series, slot } = scalarSeries(def.name);
      register({
        ...def,
        type: 'counter',
        render(out) {
          for (const s of series.values()) out.push(`${def.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
        },
      });
      return {
        inc(labels = {}, value = 1) {
          if (value < 0) throw new Error(`counter ${def.name} cannot decrease`);
          slot(labels).value += value;
        },
        ensure(labels = {}) {
          slot(labels);
        },
        get(labels = {}) {
          return series.get(keyOf(labels))?.value ?? 0;
        },
      };
    },

    gauge(def) {
      const { series, slot } = scalarSeries(def.name);
      register({
        name: def.name,
        help: def.help,
        type: 'gauge',
        render(out) {
          if (def.collect) for (const c of def.collect()) slot(c.labels).value = c.value;
          for (const s of series.values()) out.push(`${def.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
        },
      });
      return {
        set(labels, value) {
          slot(labels).value = value;
        },
        inc(labels = {}, value = 1) {
          slot(labels).value += value;
        },
        get(labels = {}) {
          return series.get(keyOf(labels))?.value ?? 0;
        },
      };
    },

    histogram(def) {
      const bounds = [...def.buckets];
      for (let i = 1; i < bounds.length; i++) {
        if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`histogram ${def.name}: buckets must increase`);
      }
      const series = new Map<string, { labels: Labels; counts: number[]; count: number; sum: number }>();
      const slot = cachedSlot((labels: Labels) => {
        const k = keyOf(labels);
        let s = series.get(k);
        if (!s) {
          checkLabels(def.name, labels);
          s = { labels: { ...labels }, counts: bounds.map(() => 0), count: 0, sum: 0 };
          series.set(k, s);
        }
        return s;
      });
      register({
        name: def.name,
        help: def.help,
        type: 'histogram',
        render(out) {
          for (const s of series.values()) {
            // Buckets are cumulative on the wire; we store them cumulative already.
            for (let i = 0; i < bounds.length; i++) {
              out.push(`${def.name}_bucket${formatLabels({ ...s.labels, le: formatValue(bounds[i]!) })} ${s.counts[i]}`);
            }
            out.push(`${def.name}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${s.count}`);
            out.push(`${def.name}_count${formatLabels(s.labels)} ${s.count}`);
            out.push(`${def.name}_sum${formatLabels(s.labels)} ${formatValue(s.sum)}`);
          }
        },
      });
      return {
        observe(labels, value) {
          const s = slot(labels);
          for (let i = 0; i < bounds.length; i++) if (value <= bounds[i]!) s.counts[i]!++;
          s.count++;
          s.sum += value;
        },
        ensure(labels = {}) {
          slot(labels);
        },
        get(labels = {}) {
          const s = series.get(keyOf(labels));
          return s ? { count: s.count, sum: s.sum, buckets: [...s.counts] } : { count: 0, sum: 0, buckets: bounds.map(() => 0) };
        },
      };
    },

    render() {
      const out: string[] = [];
      for (const f of families) {
        const samples: string[] = [];
        f.render(samples);
        // prometheus/client_golang writes nothing for a *Vec with no children; prometheus_client (vLLM) writes HELP/TYPE.
        if (samples.length === 0 && opts.omitEmptyFamilies) continue;
        out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`);
        out.push(`# TYPE ${f.name} ${f.type}`);
        out.push(...samples);
      }
      return out.join('\n') + '\n';
    },
  };
}
