export * from './tokenizer.ts';
export * from './rng.ts';
export * from './request-spec.ts';
export * from './request-record.ts';
export * from './load-spec.ts';
export * from './metrics/public.ts';
export * from './results.ts';
export * from './report/index.ts';
