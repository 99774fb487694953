// Public surface of per-run results: ITL/TPOT definitions, HDR histograms, the recorder, per-second timeline,
// the versioned summary (+ rebuild from records and exact merge), and the JSONL/CSV result files.
export * from './itl.ts';
export * from './histogram.ts';
export * from './timeseries.ts';
export * from './recorder.ts';
export * from './summary.ts';
export * from './merge.ts';
export * from './jsonl.ts';
export * from './csv-outputs.ts';
