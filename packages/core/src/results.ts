// Public surface of per-run results: ITL/TPOT definitions, HDR histograms, the recorder, per-second timeline,
// the versioned summary (+ rebuild from records and exact merge), and the JSONL/CSV result files.
export * from './record/itl.ts';
export * from './record/histogram.ts';
export * from './record/timeseries.ts';
export * from './record/recorder.ts';
export * from './record/summary.ts';
export * from './record/merge.ts';
export * from './output/jsonl.ts';
export * from './output/csv.ts';
