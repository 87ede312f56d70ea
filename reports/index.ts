/** The reports library: what the CLI and the bench command call. */
export { renderHtml } from './html-report.js';
export { renderMarkdown } from './markdown-report.js';
export { EXPORTERS, REPORT_FORMATS, type ReportExporter, type ReportFormat } from './exporters.js';
export { writeReport, writeReports, type WrittenReports } from './write-reports.js';
export { readResultsFile, ResultsFileError } from './read-results.js';
export { deriveFigures, type ReportFigures } from './figures.js';
export { writeHeadline } from './headline.js';
export { modelBytesPerMessage, type BytesModel } from './bytes-model.js';
