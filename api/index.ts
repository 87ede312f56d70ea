/**
 * wirebench's programmatic API (`import { … } from 'wirebench'`): run a bench, read, validate and
 * merge results, compare two runs, render a report. Each export is the library function the CLI
 * itself calls, so the API and `wirebench <command>` cannot disagree.
 */

// Running a bench, with typed progress events.
export { bench, resolveRunConfig, BenchOptionsError, type BenchOptions } from './bench.js';
export { RunError, type RunEvent, type StepPhase } from '../load/run/runner.js';

// Results: the schema (types + JSON Schema), reading, validating, merging shards.
export {
  RESULTS_SCHEMA_ID,
  RESULTS_SCHEMA_VERSION,
  ResultsDocumentSchema,
  ResultsSchemaError,
  DOCUMENT_ERROR_KINDS,
  parseResults,
  validateResults,
  type Environment,
  type HeaderProfile,
  type HistogramSummary,
  type Measurement,
  type ResultsDocument,
  type DocumentErrorKind,
  type RunConfig,
  type StepResult,
  type TransportResult,
} from '../load/results/results-schema.js';
export { readResultsFile, ResultsFileError, type ResultsFileErrorKind } from '../reports/read-results.js';
// Error kinds, each a typed union defined once: a step's client errors (Measurement `errors`), why a step failed (`failureKind`).
export { CLIENT_ERROR_KINDS, CLIENT_ERROR_KIND_FAMILIES, isClientErrorKind, type ClientErrorKind } from '../load/clients/client-errors.js';
export { STEP_FAILURE_KINDS, type StepFailureKind } from '../load/results/step-failure-kinds.js';
export { writeResultsFile } from '../load/results/results-file.js';
export { mergeResults, MergeRefusedError } from '../reports/merge-results.js';
export { jsonSchemas, resultsJsonSchema } from './json-schemas.js';
// The results model's figures: what each number is, how it is read from a step, where it is shown.
export {
  FIGURE_IDS,
  FIGURES,
  figuresIn,
  type FigureDefinition,
  type FigureId,
  type FigureKind,
  type FigureUnit,
  type FigureView,
} from '../load/results/figure-registry.js';

// Comparing two runs (the CI gate's decision) and rendering the comparison.
export {
  compareResults,
  CompareRefusedError,
  DEFAULT_THRESHOLDS,
  RESULT_METRICS,
  type CompareOptions,
  type CompareReport,
  type CompareRow,
  type ResultMetric,
} from '../reports/compare.js';
export type { GateScope, MetricKind, Threshold, Verdict } from '../reports/compare-thresholds.js';
export { COMPARE_EXPORTERS, COMPARE_FORMATS, type CompareFormat } from '../reports/compare-exporters.js';

// Reports of one run.
export { EXPORTERS, REPORT_FORMATS, renderHtml, renderMarkdown, writeReport, writeReports, type ReportFormat } from '../reports/index.js';

// The servers, for embedding one in a test of your own client.
export { createWirebenchServer, type WirebenchServer, type WirebenchServerOptions } from '../servers/server.js';
export { TRANSPORTS, type TransportName } from '../servers/contract.js';
