// The zod mirror of llm-d-benchmark's Benchmark Report v0.2.1 against upstream's own artefacts (copied, with their
// source commit, into test/fixtures/llmd-report/): the example report validates, the mirror has the JSON Schema's
// fields, and broken reports are rejected with the field named.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  LlmdBenchmarkReportSchema,
  LlmdBenchmarkReportV02Schema,
  V021_TIME_SERIES_FIELDS,
  validateAnyLlmdReport,
  validateLlmdReport,
} from '../../src/output/llmd-report-schema.ts';
import { isRoutebenchError } from '../../src/errors.ts';

const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'llmd-report');
const example = (): Record<string, any> => parseYaml(readFileSync(join(FIXTURES, 'br_v0_2_1_example.yaml'), 'utf8'));
const upstreamJsonSchema = JSON.parse(readFileSync(join(FIXTURES, 'br_v0_2_1_json_schema.json'), 'utf8'));

function rejects(value: unknown, field: RegExp, validate: (v: unknown) => unknown = validateLlmdReport): void {
  try {
    validate(value);
  } catch (e) {
    expect(isRoutebenchError(e, 'RB_INPUT_INVALID')).toBe(true);
    expect((e as Error).message).toMatch(field);
    return;
  }
  expect.unreachable(`accepted a report that should fail at ${field}`);
}

describe('upstream example report (br_v0_2_1_example.yaml)', () => {
  it('validates against the v0.2.1 mirror and keeps its numbers', () => {
    const raw = example();
    const report = validateLlmdReport(raw);
    expect(report.version).toBe('0.2.1');
    expect(report.run.eid).toBe(raw.run.eid);
    expect(report.results.component_health![0]!.replica_health).toEqual(raw.results.component_health[0].replica_health);
    expect(report.results.observability!.components![0]!.time_series!.kv_cache_usage!.series).toEqual(raw.results.observability.components[0].time_series.kv_cache_usage.series);
    // YAML `.inf`: an uncapped concurrency, which upstream allows as the one float.
    expect(report.scenario!.load!.standardized.concurrency).toBe(raw.scenario.load.standardized.concurrency);
    expect(validateAnyLlmdReport(raw)).toEqual(report);
  });

  it('is rejected as v0.2 when it uses a field v0.2.1 added, and accepted as v0.2 without them', () => {
    const asV02: Record<string, any> = { ...example(), version: '0.2' };
    // The example carries v0.2.1's multi-modal aggregates (requests.multimodal, requests.request_size, image_rate…).
    expect(asV02.results.request_performance.aggregate.requests.multimodal).toBeDefined();
    rejects(asV02, /multimodal|request_size|image_rate|video_rate|audio_rate/, validateAnyLlmdReport);
    const v02 = example();
    v02.version = '0.2';
    const agg = v02.results.request_performance.aggregate;
    delete agg.requests.request_size;
    delete agg.requests.multimodal;
    for (const k of ['image_rate', 'video_rate', 'audio_rate']) delete agg.throughput[k];
    expect(validateAnyLlmdReport(v02).version).toBe('0.2');
    // …and a v0.2 report must not carry the v0.2.1 engine series either.
    v02.results.observability.components[0].time_series.num_requests_running = { units: 'count', series: [{ ts: '2025-11-05T18:05:00Z', value: 3 }] };
    rejects(v02, /num_requests_running/, validateAnyLlmdReport);
    expect(V021_TIME_SERIES_FIELDS).toContain('num_requests_running');
  });
});

describe('broken reports are rejected with the field named', () => {
  it('names the path of a wrong unit, a missing required field, an unknown key, a bad timestamp and a bad version', () => {
    const wrongUnit = example();
    wrongUnit.results.observability.components[0].time_series.kv_cache_usage.units = 'count';
    rejects(wrongUnit, /results\.observability\.components\[0\]\.time_series\.kv_cache_usage\.units/);

    const noLabel = example();
    delete noLabel.results.component_health[0].component_label;
    rejects(noLabel, /results\.component_health\[0\]\.component_label/);

    const negative = example();
    negative.results.component_health[0].replica_health[0].restarts = -1;
    rejects(negative, /replica_health\[0\]\.restarts/);

    const unknown = example();
    unknown.run.experiment = 'x';
    rejects(unknown, /experiment/);

    const badTs = example();
    badTs.results.observability.components[0].time_series.kv_cache_usage.series[0].ts = 'yesterday';
    rejects(badTs, /kv_cache_usage\.series\[0\]\.ts/);

    const noUid = example();
    delete noUid.run.uid;
    rejects(noUid, /run\.uid/);

    try {
      validateAnyLlmdReport({ ...example(), version: '0.3' });
      expect.unreachable();
    } catch (e) {
      expect(isRoutebenchError(e, 'RB_INPUT_INVALID') && e.field).toBe('version');
    }
    try {
      validateLlmdReport(wrongUnit);
      expect.unreachable();
    } catch (e) {
      expect(isRoutebenchError(e) && e.field).toBe('results.observability.components.0.time_series.kv_cache_usage.units');
    }
  });
});

/** Follow $ref and the `X | null` anyOf upstream's JSON Schema uses for optional fields. */
function deref(node: any): any {
  if (!node) return node;
  if (node.$ref) return deref(upstreamJsonSchema.$defs[node.$ref.split('/').pop()]);
  if (node.anyOf) {
    const nonNull = node.anyOf.filter((x: any) => x.type !== 'null');
    if (nonNull.length === 1) return deref(nonNull[0]);
  }
  return node;
}

describe('the mirror has the fields of upstream’s JSON Schema (br_v0_2_1_json_schema.json)', () => {
  it('same objects, same field names, same required fields, same closed objects (bar the documented differences)', () => {
    const ours = z.toJSONSchema(LlmdBenchmarkReportSchema, { io: 'input', unrepresentable: 'any' }) as any;
    const diffs: string[] = [];
    let compared = 0;
    const walk = (up: any, our: any, path: string) => {
      up = deref(up);
      if (!up || !our) return;
      if (up.type === 'array' && our.type === 'array') return walk(up.items, our.items, `${path}[]`);
      if (!up.properties || !our.properties) return;
      compared++;
      const uk = Object.keys(up.properties).sort();
      const ok = Object.keys(our.properties).sort();
      if (uk.join() !== ok.join()) diffs.push(`${path}: upstream has [${uk.filter((k) => !ok.includes(k))}], mirror has [${ok.filter((k) => !uk.includes(k))}]`);
      // Documented difference: `version` is required here (upstream defaults it), since the mirror dispatches on it.
      const ur = (up.required ?? []).filter((k: string) => !(path === '$' && k === 'version')).sort().join();
      const or = (our.required ?? []).filter((k: string) => !(path === '$' && k === 'version')).sort().join();
      if (ur !== or) diffs.push(`${path}: required upstream [${ur}], mirror [${or}]`);
      // Documented difference: Statistics (the objects with units + mean) reject unknown keys here.
      const isStatistics = 'units' in up.properties && 'mean' in up.properties && 'p99p9' in up.properties && !('ts' in up.properties);
      const upOpen = up.additionalProperties !== false;
      const ourOpen = our.additionalProperties !== false;
      if (upOpen !== ourOpen && !(isStatistics && upOpen && !ourOpen)) diffs.push(`${path}: extra keys upstream ${upOpen}, mirror ${ourOpen}`);
      for (const k of uk) if (ok.includes(k)) walk(up.properties[k], our.properties[k], `${path}.${k}`);
    };
    walk(upstreamJsonSchema, ours, '$');
    expect(diffs).toEqual([]);
    expect(compared).toBeGreaterThan(40);
  });

  it('keeps v0.2 as the same tree without the v0.2.1 additions', () => {
    const v02 = z.toJSONSchema(LlmdBenchmarkReportV02Schema, { io: 'input', unrepresentable: 'any' }) as any;
    const requests = v02.properties.results.properties.request_performance.properties.aggregate.properties.requests.properties;
    expect(Object.keys(requests)).toEqual(['total', 'failures', 'incomplete', 'input_length', 'output_length']);
  });
});
