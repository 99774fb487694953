// One CSV record as text, byte for byte what csv-stringify 6.x writes with its defaults (delimiter `,`, quote
// and escape `"`, record delimiter `\n`) and routebench's number cast (String(n)): a string is quoted when it
// holds a delimiter, a quote, `\n` or `\r` (csv-stringify lib/api/index.js, `containsdelimiter`,
// `containsQuote`, `containsRecordDelimiter`), with quotes doubled; null is an empty cell.
// Why not csv-stringify for requests.csv: its sync API allocated ~7 KB per row (a stringifier per call, a
// [value, field] pair and an options lookup per cell) — 28% of the client's allocation per 16-token request
// in `pnpm bench`'s capacity case (sampled heap profile), and more allocation means more young-generation
// collections. This writes the row string and nothing else; test/output/csv-row.test.ts holds it to csv-stringify's output over awkward values.
export type CsvCell = string | number | null;

const NEEDS_QUOTES = /[",\n\r]/;

function cell(v: CsvCell): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  return NEEDS_QUOTES.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

/** `a,b,"c,d"` for [a, b, 'c,d'] (no record delimiter: csvRecord adds it, a line writer adds its own). */
export function csvLine(cells: readonly CsvCell[]): string {
  let out = cells.length > 0 ? cell(cells[0]!) : '';
  for (let i = 1; i < cells.length; i++) out += `,${cell(cells[i]!)}`;
  return out;
}

/** `a,b,"c,d"\n` for [a, b, 'c,d']. */
export function csvRecord(cells: readonly CsvCell[]): string {
  return `${csvLine(cells)}\n`;
}
