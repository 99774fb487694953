import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText, PromParseError, type ParsedExposition } from '../../src/evidence/prom-parse.ts';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const family = (p: ParsedExposition, name: string) => {
  const f = p.families.find((x) => x.name === name);
  if (!f) throw new Error(`no family ${name} in ${p.families.map((x) => x.name).join(', ')}`);
  return f;
};

describe('parsePrometheusText on real vLLM and EPP expositions', () => {
  it('groups the vLLM V1 sample into typed families, keeping 0.0.4 `_created` gauges separate', () => {
    const p = parsePrometheusText(fixture('vllm-v1.prom'));
    expect(p.format).toBe('prometheus-0.0.4');
    expect(p.families.map((f) => f.name)).toEqual([
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:prefix_cache_queries_total',
      'vllm:prefix_cache_queries_created',
      'vllm:prefix_cache_hits_total',
      'vllm:request_success_total',
      'vllm:time_to_first_token_seconds',
      'vllm:lora_requests_info',
      'vllm:cache_config_info',
    ]);
    const running = family(p, 'vllm:num_requests_running');
    expect(running.type).toBe('gauge');
    expect(running.help).toBe('Number of requests in model execution batches.');
    expect(running.samples).toEqual([
      { name: 'vllm:num_requests_running', labels: { engine: '0', model_name: 'meta-llama/Llama-3.1-8B-Instruct' }, value: 3 },
    ]);
    expect(family(p, 'vllm:prefix_cache_queries_created').samples[0].value).toBeCloseTo(1.7955203709149702e9, 0);
    const success = family(p, 'vllm:request_success_total');
    expect(success.type).toBe('counter');
    expect(success.samples.map((s) => [s.labels.finished_reason, s.value])).toEqual([
      ['stop', 9],
      ['length', 1],
      ['abort', 0],
    ]);
    const ttft = family(p, 'vllm:time_to_first_token_seconds');
    expect(ttft.type).toBe('histogram');
    expect(ttft.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le)).toEqual(['0.001', '0.02', '0.04', '0.1', '0.5', '+Inf']);
    expect(ttft.samples.find((s) => s.name.endsWith('_sum'))!.value).toBeCloseTo(0.878);
    expect(ttft.samples.find((s) => s.name.endsWith('_count'))!.value).toBe(10);
    // Empty label values survive.
    expect(family(p, 'vllm:lora_requests_info').samples[0].labels.waiting_lora_adapters).toBe('');
  });

  it('parses the vLLM docs ordering (`_sum` before buckets) and the EPP hit-ratio testdata', () => {
    const docs = parsePrometheusText(fixture('vllm-docs-v0.prom'));
    const it_ = family(docs, 'vllm:iteration_tokens_total');
    expect(it_.type).toBe('histogram'); // a histogram whose name ends in _total stays a histogram
    expect(it_.samples).toHaveLength(11);
    expect(it_.samples[0].name).toBe('vllm:iteration_tokens_total_sum');

    const epp = parsePrometheusText(fixture('epp-prefix-hit-ratio.prom'));
    expect(epp.families).toHaveLength(1);
    const h = epp.families[0];
    expect(h.help).toBe('[ALPHA] Ratio of prefix length matched to total prefix length in the cache lookup.');
    expect(h.samples.map((s) => [s.name, s.labels.le ?? null, s.value])).toEqual([
      ['inference_extension_prefix_indexer_hit_ratio_bucket', '0', 2],
      ['inference_extension_prefix_indexer_hit_ratio_bucket', '0.5', 4],
      ['inference_extension_prefix_indexer_hit_ratio_bucket', '1', 6],
      ['inference_extension_prefix_indexer_hit_ratio_bucket', '+Inf', 6],
      ['inference_extension_prefix_indexer_hit_ratio_sum', null, 2.7],
      ['inference_extension_prefix_indexer_hit_ratio_count', null, 6],
    ]);
  });
});

describe('parsePrometheusText edge cases', () => {
  it('unescapes label values (\\\\, \\", \\n) and HELP text, keeps unknown escapes verbatim', () => {
    const p = parsePrometheusText(
      [
        '# HELP x Help with \\\\ backslash and \\n newline',
        '# TYPE x gauge',
        'x{path="C:\\\\dir\\\\",quote="say \\"hi\\"",nl="a\\nb",odd="\\t",comma="a,b}c"} 1',
      ].join('\n'),
    );
    const f = p.families[0];
    expect(f.help).toBe('Help with \\ backslash and \n newline');
    expect(f.samples[0].labels).toEqual({ path: 'C:\\dir\\', quote: 'say "hi"', nl: 'a\nb', odd: '\\t', comma: 'a,b}c' });
  });

  it('reads NaN, +Inf, -Inf, exponents and 0.0.4 millisecond timestamps', () => {
    const p = parsePrometheusText('a NaN\nb +Inf 1700000000000\nc -Inf\nd 1.5e-3\ne{x="1",} -2\n');
    const v = Object.fromEntries(p.families.map((f) => [f.name, f.samples[0]]));
    expect(v.a.value).toBeNaN();
    expect(v.b.value).toBe(Infinity);
    expect(v.b.timestampMs).toBe(1700000000000);
    expect(v.c.value).toBe(-Infinity);
    expect(v.d.value).toBe(0.0015);
    expect(v.e).toEqual({ name: 'e', labels: { x: '1' }, value: -2 });
  });

  it('makes samples without TYPE untyped families of their own name', () => {
    const p = parsePrometheusText('foo_bucket{le="1"} 1\nfoo_count 1\nbar 2\n');
    expect(p.families.map((f) => [f.name, f.type])).toEqual([
      ['foo_bucket', 'untyped'],
      ['foo_count', 'untyped'],
      ['bar', 'untyped'],
    ]);
  });

  it('accepts OpenMetrics: counter family with _total and _created, exemplars ignored, second timestamps, # EOF', () => {
    const text = [
      '# TYPE vllm:request_success counter',
      '# HELP vllm:request_success Count of successfully processed requests.',
      'vllm:request_success_total{finished_reason="stop"} 17.0 # {trace_id="abc"} 1.0 1700000000.5',
      'vllm:request_success_created{finished_reason="stop"} 1.7e9',
      '# TYPE lat histogram',
      '# UNIT lat seconds',
      'lat_bucket{le="0.1"} 3 # {trace_id="x"} 0.05',
      'lat_bucket{le="+Inf"} 4',
      'lat_count 4 1700000001.25',
      'lat_sum 0.9',
      'lat_created 1.7e9',
      '# EOF',
      '',
    ].join('\n');
    const p = parsePrometheusText(text);
    expect(p.format).toBe('openmetrics-1.0');
    expect(p.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['vllm:request_success', 'counter', 2],
      ['lat', 'histogram', 5],
    ]);
    expect(p.families[0].samples[0].value).toBe(17);
    expect(p.families[1].unit).toBe('seconds');
    expect(p.families[1].samples[2].timestampMs).toBe(1700000001250);
  });

  it('rejects garbage with the line number', () => {
    expect(() => parsePrometheusText('<html><body>502 Bad Gateway</body></html>')).toThrow(PromParseError);
    expect(() => parsePrometheusText('ok 1\nbroken{a="1" 2\n')).toThrow(/line 2/);
    expect(() => parsePrometheusText('x one\n')).toThrow(/invalid sample value "one"/);
    expect(() => parsePrometheusText('x{a="1",a="2"} 1')).toThrow(/duplicate label a/);
    expect(() => parsePrometheusText('# TYPE x bogus\n')).toThrow(/unknown metric type/);
    expect(() => parsePrometheusText('x 1 2 3')).toThrow(/value \[timestamp\]/);
  });
});
