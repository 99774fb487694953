// Number formatting for verdict details: short, the way the seed table reads ("73% cache hit rate").
export const pct = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(digits)}%`;

export const num = (x: number | null | undefined, digits = 0): string =>
  x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : Number(x.toFixed(digits)).toString();

export const ms = (x: number | null | undefined): string => (x === null || x === undefined ? 'n/a' : `${num(x, x < 10 ? 2 : 0)} ms`);

/** Rounded copy of a number for the evidence record (keeps verdicts.json readable). */
export const round = (x: number | null, digits = 4): number | null => (x === null || !Number.isFinite(x) ? null : Number(x.toFixed(digits)));
