/**
 * The JSON Schemas other tools read: the same TypeBox objects the code validates with, as plain
 * JSON. Declared draft-07: TypeBox writes tuples as `items: [...]` + `additionalItems`, which is
 * draft-07 syntax (2020-12 spells it `prefixItems`). `npm run build` writes
 * them to dist/schema/, and the package exports them as `wirebench/results.schema.json`,
 * `wirebench/micro.schema.json` and `wirebench/config.schema.json`.
 */
import type { TSchema } from '@sinclair/typebox';
import { MicroDocumentSchema } from '../load/results/micro-schema.js';
import { ResultsDocumentSchema } from '../load/results/results-schema.js';
import { ConfigFileSchema } from '../scripts/config-file.js';

function asJsonSchema(schema: TSchema, title: string): Record<string, unknown> {
  // JSON round trip: drops TypeBox's symbol keys and any undefined, leaving what a JSON reader sees.
  const plain = JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', title, ...plain };
}

/** File name → JSON Schema. */
export function jsonSchemas(): Record<string, Record<string, unknown>> {
  return {
    'results.schema.json': asJsonSchema(ResultsDocumentSchema, 'wirebench results document (wirebench bench)'),
    'micro.schema.json': asJsonSchema(MicroDocumentSchema, 'wirebench microbenchmark document (bench:micro)'),
    'config.schema.json': asJsonSchema(ConfigFileSchema, 'wirebench.config.json'),
  };
}

/** The results document's JSON Schema, as a plain object. */
export function resultsJsonSchema(): Record<string, unknown> {
  return jsonSchemas()['results.schema.json']!;
}
