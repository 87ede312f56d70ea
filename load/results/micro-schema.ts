/**
 * The microbenchmark results document (`wirebench/micro`): what `bench:micro` writes and
 * `wirebench compare` reads beside the run results. Like load/results/results-schema.ts, the types and
 * the JSON Schema are one TypeBox object, validated on read. Pure: reports/ may import it.
 *
 * Times are nanoseconds per operation (one message encoded, parsed or metered).
 */
import { Type, type Static } from '@sinclair/typebox';
import { checkDocument, EnvironmentSchema } from './results-schema.js';

export const MICRO_SCHEMA_ID = 'wirebench/micro';
export const MICRO_SCHEMA_VERSION = 1;

export const MicroTaskSchema = Type.Object({
  /** encode (server side), parse (client side) or meter (our own measuring cost). */
  group: Type.Union([Type.Literal('encode'), Type.Literal('parse'), Type.Literal('meter')]),
  /** Stable key, e.g. "encode sse event"; compare matches tasks by it. */
  name: Type.String(),
  /** The transport it costs, or null for transport-independent work (the meter). */
  transport: Type.Union([Type.String(), Type.Null()]),
  /** A peer implementation measured for reference (e.g. eventsource-parser), not ours. */
  reference: Type.Boolean(),
  medianNs: Type.Number({ minimum: 0 }),
  meanNs: Type.Number({ minimum: 0 }),
  p99Ns: Type.Number({ minimum: 0 }),
  /** Relative margin of error of the mean, percent (tinybench's rme). */
  rmePercent: Type.Number({ minimum: 0 }),
  samples: Type.Integer({ minimum: 0 }),
  opsPerSec: Type.Number({ minimum: 0 }),
});
export type MicroTask = Static<typeof MicroTaskSchema>;

export const MicroDocumentSchema = Type.Object({
  schema: Type.Literal(MICRO_SCHEMA_ID),
  version: Type.Literal(MICRO_SCHEMA_VERSION),
  startedAt: Type.String(),
  config: Type.Object({
    /** Payload bytes of the message every task works on. */
    size: Type.Integer({ minimum: 0 }),
    /** Messages per operation batch: every figure is divided back to one message. */
    batch: Type.Integer({ minimum: 1 }),
    timeMs: Type.Number({ minimum: 0 }),
    warmupMs: Type.Number({ minimum: 0 }),
  }),
  environment: EnvironmentSchema,
  tasks: Type.Array(MicroTaskSchema),
});
export type MicroDocument = Static<typeof MicroDocumentSchema>;

/** Validates a parsed value as a micro document; throws ResultsSchemaError naming the first problem. */
export function validateMicro(value: unknown): MicroDocument {
  return checkDocument(value, MicroDocumentSchema, { id: MICRO_SCHEMA_ID, versions: [MICRO_SCHEMA_VERSION], title: 'microbenchmark', schemaName: 'micro' });
}
