import { describe, it, expect } from 'vitest';
import { createRegistry, escapeLabelValue } from '../src/prom-text.ts';

describe('prom-text', () => {
  it('renders HELP/TYPE, sorted labels, counters and gauges', () => {
    const r = createRegistry();
    const c = r.counter({ name: 'vllm:prompt_tokens_total', help: 'Number of prefill tokens processed.' });
    c.inc({ model_name: 'm', engine: '0' }, 5);
    c.inc({ model_name: 'm', engine: '0' });
    let live = 3;
    r.gauge({ name: 'vllm:num_requests_running', help: 'Running.', collect: () => [{ labels: { model_name: 'm' }, value: live }] });
    live = 7;
    const text = r.render();
    expect(text).toBe(
      [
        '# HELP vllm:prompt_tokens_total Number of prefill tokens processed.',
        '# TYPE vllm:prompt_tokens_total counter',
        'vllm:prompt_tokens_total{engine="0",model_name="m"} 6',
        '# HELP vllm:num_requests_running Running.',
        '# TYPE vllm:num_requests_running gauge',
        'vllm:num_requests_running{model_name="m"} 7',
        '',
      ].join('\n'),
    );
    expect(() => c.inc({}, -1)).toThrow(/cannot decrease/);
  });

  it('renders cumulative histogram buckets, +Inf, count and sum', () => {
    const r = createRegistry();
    const h = r.histogram({ name: 'x_seconds', help: 'h', buckets: [0.1, 1, 10] });
    for (const v of [0.05, 0.1, 0.5, 5, 50]) h.observe({ a: 'b' }, v);
    const lines = r.render().trim().split('\n');
    expect(lines.slice(2)).toEqual([
      'x_seconds_bucket{a="b",le="0.1"} 2',
      'x_seconds_bucket{a="b",le="1"} 3',
      'x_seconds_bucket{a="b",le="10"} 4',
      'x_seconds_bucket{a="b",le="+Inf"} 5',
      'x_seconds_count{a="b"} 5',
      'x_seconds_sum{a="b"} 55.65',
    ]);
    expect(h.get({ a: 'b' })).toMatchObject({ count: 5, sum: 55.65 });
  });

  it('frozen label objects hit a cached series; mutable ones are looked up each time', () => {
    const r = createRegistry();
    const c = r.counter({ name: 'c_total', help: 'c' });
    const frozen = Object.freeze({ a: '1' });
    c.inc(frozen);
    c.inc(frozen);
    const mutable: Record<string, string> = { a: '1' };
    c.inc(mutable);
    mutable.a = '2';
    c.inc(mutable);
    expect(c.get({ a: '1' })).toBe(3);
    expect(c.get({ a: '2' })).toBe(1);
  });

  it('escapes label values and rejects bad names', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
    const r = createRegistry();
    const g = r.gauge({ name: 'info', help: 'line1\nline2' });
    g.set({ path: 'C:\\x "q"' }, 1);
    expect(r.render()).toContain('# HELP info line1\\nline2');
    expect(r.render()).toContain('info{path="C:\\\\x \\"q\\""} 1');
    expect(() => r.counter({ name: 'bad-name', help: '' })).toThrow(/invalid metric name/);
    expect(() => r.counter({ name: 'info', help: '' })).toThrow(/registered twice/);
    expect(() => g.set({ 'bad-label': 'x' }, 1)).toThrow(/invalid label name/);
    expect(() => r.histogram({ name: 'h', help: '', buckets: [1, 1] })).toThrow(/increase/);
  });
});

describe('empty families', () => {
  it('prometheus_client style (vLLM) writes HELP/TYPE for a family without samples; client_golang style (the EPP) leaves it out', () => {
    for (const [omitEmptyFamilies, expected] of [[false, true], [true, false]] as const) {
      const r = createRegistry({ omitEmptyFamilies });
      r.counter({ name: 'llm_d_inference_scheduler_disagg_decision_total', help: 'decisions' });
      const used = r.counter({ name: 'inference_objective_request_total', help: 'requests' });
      used.inc({ model_name: 'm' });
      const text = r.render();
      expect(text.includes('llm_d_inference_scheduler_disagg_decision_total')).toBe(expected);
      expect(text).toContain('inference_objective_request_total{model_name="m"} 1');
    }
  });
});
