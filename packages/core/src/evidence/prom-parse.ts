// Parser for the Prometheus text exposition format (0.0.4) that also accepts OpenMetrics 1.0 text
// (`# EOF`, `# UNIT`, `_created` series, exemplars, float-second timestamps).
//
// Written here rather than taken from npm: the one parser there (parse-prometheus-text-format) is a
// 2018 port that knows nothing of OpenMetrics, and we need exact control over how `_bucket/_sum/_count/
// _created` series are grouped into families, because counter deltas and histogram quantiles are
// computed per family downstream.
//
// Output is plain data: families in exposition order, each with its samples.

export const METRIC_TYPES = ['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'untyped', 'unknown'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

export interface PromSample {
  /** Full series name as exposed, e.g. `vllm:e2e_request_latency_seconds_bucket`. */
  name: string;
  labels: Record<string, string>;
  /** May be NaN, +Infinity or -Infinity. */
  value: number;
  /** Milliseconds since the epoch, when the exposition carried a timestamp. */
  timestampMs?: number;
}

export interface PromFamily {
  /** Family name: the TYPE/HELP name (histogram `foo` holds `foo_bucket`, `foo_sum`, `foo_count`). */
  name: string;
  /** `untyped` when the exposition had no TYPE line for it. */
  type: MetricType;
  help?: string;
  unit?: string;
  samples: PromSample[];
}

export interface ParsedExposition {
  format: 'prometheus-0.0.4' | 'openmetrics-1.0';
  families: PromFamily[];
}

export class PromParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'PromParseError';
  }
}

export interface ParseOptions {
  /** Force the dialect; by default OpenMetrics is assumed when the text ends with `# EOF`. */
  format?: ParsedExposition['format'];
}

// Which sample-name suffixes belong to a family of each type (OpenMetrics §"Suffixes"), so
// `foo_bucket` is filed under histogram `foo`. Counters in 0.0.4 are usually declared with their
// `_total` name already, in which case the exact-name match wins.
const SUFFIXES_BY_TYPE: Partial<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_sum', '_count', '_created'],
  gaugehistogram: ['_bucket', '_gsum', '_gcount'],
  summary: ['_sum', '_count', '_created'],
  info: ['_info'],
};

const ALL_SUFFIXES = [...new Set(Object.values(SUFFIXES_BY_TYPE).flat())];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME_AT = /[a-zA-Z_][a-zA-Z0-9_]*/y;

export function parsePrometheusText(text: string, options: ParseOptions = {}): ParsedExposition {
  const lines = text.split(/\r?\n/);
  const format = options.format ?? (lines.some((l) => l.trim() === '# EOF') ? 'openmetrics-1.0' : 'prometheus-0.0.4');
  const families: PromFamily[] = [];
  const byName = new Map<string, PromFamily>();

  const familyFor = (name: string): PromFamily => {
    let f = byName.get(name);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      byName.set(name, f);
      families.push(f);
    }
    return f;
  };

  // A sample belongs to a declared family by exact name, else by a suffix its type allows;
  // otherwise it is its own untyped family (missing TYPE is legal in 0.0.4).
  const familyOfSample = (sampleName: string): PromFamily => {
    const exact = byName.get(sampleName);
    if (exact) return exact;
    for (const suffix of ALL_SUFFIXES) {
      if (!sampleName.endsWith(suffix)) continue;
      const base = byName.get(sampleName.slice(0, -suffix.length));
      if (base && SUFFIXES_BY_TYPE[base.type]?.includes(suffix)) return base;
    }
    return familyFor(sampleName);
  };

  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i].trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      parseComment(line, lineNo, familyFor);
      continue;
    }
    const sample = parseSampleLine(line, lineNo, format);
    familyOfSample(sample.name).samples.push(sample);
  }
  return { format, families };
}

function parseComment(line: string, lineNo: number, familyFor: (n: string) => PromFamily): void {
  const m = /^#\s*(HELP|TYPE|UNIT)\s+(\S+)(?:\s+(.*))?$/.exec(line);
  if (!m) return; // plain comment or `# EOF`
  const [, keyword, name, rest = ''] = m;
  if (!METRIC_NAME.test(name) || METRIC_NAME.exec(name)![0] !== name) {
    throw new PromParseError(`invalid metric name "${name}" in # ${keyword}`, lineNo);
  }
  const family = familyFor(name);
  if (keyword === 'HELP') family.help = unescapeHelp(rest);
  else if (keyword === 'UNIT') family.unit = rest.trim();
  else {
    const t = rest.trim().toLowerCase() as MetricType;
    if (!(METRIC_TYPES as readonly string[]).includes(t)) {
      throw new PromParseError(`unknown metric type "${rest.trim()}" for ${name}`, lineNo);
    }
    if (family.samples.length > 0) throw new PromParseError(`# TYPE for ${name} after its samples`, lineNo);
    family.type = t;
  }
}

function unescapeHelp(s: string): string {
  return s.replace(/\\(\\|n)/g, (_m, c: string) => (c === 'n' ? '\n' : '\\'));
}

function parseSampleLine(line: string, lineNo: number, format: ParsedExposition['format']): PromSample {
  const nameMatch = METRIC_NAME.exec(line);
  if (!nameMatch) throw new PromParseError(`expected a metric name, got "${truncate(line)}"`, lineNo);
  const name = nameMatch[0];
  let pos = name.length;
  let labels: Record<string, string> = {};
  if (line[pos] === '{') {
    const parsed = parseLabels(line, pos + 1, lineNo);
    labels = parsed.labels;
    pos = parsed.end;
  }
  // Value, optional timestamp, optional exemplar (` # {…} v [ts]`), which we ignore.
  let rest = line.slice(pos);
  const exemplarAt = rest.indexOf(' # ');
  if (exemplarAt >= 0) rest = rest.slice(0, exemplarAt);
  if (rest.length > 0 && !/^[ \t]/.test(rest)) throw new PromParseError(`expected whitespace after "${name}"`, lineNo);
  const fields = rest.trim().split(/[ \t]+/).filter((f) => f !== '');
  if (fields.length < 1 || fields.length > 2) {
    throw new PromParseError(`expected "value [timestamp]" after ${name}, got "${truncate(rest.trim())}"`, lineNo);
  }
  const value = parseValue(fields[0], lineNo);
  const sample: PromSample = { name, labels, value };
  if (fields.length === 2) {
    const ts = Number(fields[1]);
    if (!Number.isFinite(ts)) throw new PromParseError(`invalid timestamp "${fields[1]}"`, lineNo);
    // 0.0.4 timestamps are integer milliseconds; OpenMetrics uses (float) seconds.
    sample.timestampMs = format === 'openmetrics-1.0' ? ts * 1000 : ts;
  }
  return sample;
}

function parseLabels(line: string, start: number, lineNo: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let pos = start;
  const skipWs = () => {
    while (line[pos] === ' ' || line[pos] === '\t') pos++;
  };
  for (;;) {
    skipWs();
    if (line[pos] === '}') return { labels, end: pos + 1 };
    LABEL_NAME_AT.lastIndex = pos;
    const m = LABEL_NAME_AT.exec(line);
    if (!m) throw new PromParseError(`expected a label name at column ${pos + 1}`, lineNo);
    const key = m[0];
    pos += key.length;
    skipWs();
    if (line[pos] !== '=') throw new PromParseError(`expected "=" after label ${key}`, lineNo);
    pos++;
    skipWs();
    if (line[pos] !== '"') throw new PromParseError(`expected a quoted value for label ${key}`, lineNo);
    pos++;
    let value = '';
    // Fast path: no escapes before the closing quote (the common case) → one slice.
    const close = line.indexOf('"', pos);
    const esc = line.indexOf('\\', pos);
    if (close >= 0 && (esc < 0 || esc > close)) {
      value = line.slice(pos, close);
      pos = close;
    }
    for (;;) {
      const c = line[pos];
      if (c === undefined) throw new PromParseError(`unterminated value for label ${key}`, lineNo);
      if (c === '"') break;
      if (c === '\\') {
        const n = line[pos + 1];
        if (n === 'n') value += '\n';
        else if (n === '\\' || n === '"') value += n;
        else if (n === undefined) throw new PromParseError(`unterminated escape in label ${key}`, lineNo);
        else value += '\\' + n; // 0.0.4 says other escapes are kept verbatim
        pos += 2;
        continue;
      }
      value += c;
      pos++;
    }
    pos++; // closing quote
    if (key in labels) throw new PromParseError(`duplicate label ${key}`, lineNo);
    labels[key] = value;
    skipWs();
    if (line[pos] === ',') {
      pos++;
      continue;
    }
    if (line[pos] === '}') return { labels, end: pos + 1 };
    throw new PromParseError(`expected "," or "}" after label ${key}`, lineNo);
  }
}

function parseValue(s: string, lineNo: number): number {
  switch (s.toLowerCase()) {
    case 'nan':
      return NaN;
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
  }
  // Number('') is 0 and Number('0x1') is 1: accept only decimal floats as Go's ParseFloat would emit.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new PromParseError(`invalid sample value "${truncate(s)}"`, lineNo);
  return Number(s);
}

function truncate(s: string): string {
  return s.length > 60 ? s.slice(0, 60) + '…' : s;
}

/** Stable key for a label set (sorted), for matching series across scrapes. */
export function labelKey(labels: Record<string, string>, omit: readonly string[] = []): string {
  return Object.keys(labels)
    .filter((k) => !omit.includes(k))
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

/** The value of the `le` label as a number (`+Inf` → Infinity); NaN when missing or malformed. */
export function parseLe(le: string | undefined): number {
  if (le === undefined) return NaN;
  if (le === '+Inf' || le === 'Inf') return Infinity;
  return Number(le);
}
