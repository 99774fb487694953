export * from './prompt-tokenizer.ts';
export * from './schema-parts.ts';
export * from './merge-patch.ts';
export * from './workloads/index.ts';
export * from './scenario.ts';
export * from './overrides.ts';
export * from './presets/index.ts';
export * from './import/inference-perf.ts';
