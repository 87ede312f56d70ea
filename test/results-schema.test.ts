import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseResults, ResultsSchemaError, validateResults, type DocumentErrorKind } from '../load/results/results-schema.js';
import { MICRO_SCHEMA_ID, validateMicro } from '../load/results/micro-schema.js';
import { buildResults } from './fixtures/results-builder.js';

function refusal(check: () => unknown): { type: DocumentErrorKind; message: string } {
  try {
    check();
  } catch (error) {
    assert.ok(error instanceof ResultsSchemaError, String(error));
    return { type: error.type, message: error.message };
  }
  assert.fail('accepted');
}

test('results and microbenchmark documents are refused through one check, with one typed error kind', () => {
  assert.deepEqual(refusal(() => parseResults('{"schema": ')).type, 'not-json');
  assert.deepEqual(refusal(() => validateResults({ hello: 1 })), { type: 'not-results', message: 'not a wirebench results document (expected "schema": "wirebench/results")' });
  assert.deepEqual(refusal(() => validateMicro({ schema: 'wirebench/results' })), { type: 'not-results', message: `not a wirebench microbenchmark document (expected "schema": "${MICRO_SCHEMA_ID}")` });
  assert.deepEqual(refusal(() => validateResults({ ...buildResults(), version: 9 })), {
    type: 'version',
    message: 'results schema version 9 is not supported (this wirebench reads versions 1 and 2); re-run the bench with this version',
  });
  assert.deepEqual(refusal(() => validateMicro({ schema: MICRO_SCHEMA_ID, version: 0 })), { type: 'version', message: 'micro schema version 0 is not supported (this wirebench reads version 1)' });
  const invalid = refusal(() => validateResults({ ...buildResults(), status: 'maybe' }));
  assert.equal(invalid.type, 'invalid');
  assert.match(invalid.message, /^\/status: /);
  assert.equal(refusal(() => validateMicro({ schema: MICRO_SCHEMA_ID, version: 1 })).type, 'invalid');
  assert.equal(validateResults(buildResults()).schema, 'wirebench/results', 'a valid document is returned as it is');
});
