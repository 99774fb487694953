// Public API of the outputs that read summaries: run comparison (CSV/table), the HTML report, the llm-d export.
export * from '../compare.ts';
export { renderHtmlReport, HtmlReportOptionsSchema, type HtmlReportOptions } from './html-report.ts';
export * from '../llmd-report.ts';
