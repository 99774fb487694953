// Public API of the outputs that read summaries: run comparison (CSV/table), the HTML report, the llm-d export.
export * from '../output/compare.ts';
export { renderHtmlReport, HtmlReportOptionsSchema, type HtmlReportOptions } from '../output/html-report.ts';
export * from '../output/llmd-report.ts';
