import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { resultsJsonSchema } from '../api/json-schemas.js';
import {
  CLIENT_ERROR_KIND_FAMILIES,
  CLIENT_ERROR_KINDS,
  codedError,
  errorKind,
  isClientErrorKind,
  startFailureKind,
  type ClientErrorKind,
} from '../load/clients/client-errors.js';
import { CLIENTS } from '../load/clients/clients-by-transport.js';
import { LIMIT_ERROR } from '../load/clients/client-limits.js';
import { DeliveryTracker } from '../load/meter/delivery-tracker.js';
import { DOCUMENT_ERROR_KINDS, ResultsSchemaError, StepFailureKindSchema, validateResults, type DocumentErrorKind } from '../load/results/results-schema.js';
import { STEP_FAILURE_KINDS, type StepFailureKind } from '../load/results/step-failure-kinds.js';
import type { TargetAnswerErrorKind } from '../load/run/target-answers.js';
import { readResultsFile, ResultsFileError, type ResultsFileErrorKind } from '../reports/read-results.js';
import { TRANSPORTS } from '../servers/contract.js';
import { buildResults } from './fixtures/results-builder.js';

test('a misspelt error kind fails typecheck, in every domain', () => {
  // Each line below compiles only because of its @ts-expect-error: were the union a free string,
  // tsc would report the directive as unused and the build would fail.
  // @ts-expect-error not a client error kind (parse_error misspelt)
  const client: ClientErrorKind = 'parse_eror';
  // @ts-expect-error a numbered family needs its number
  const family: ClientErrorKind = 'http_';
  // @ts-expect-error not a step failure kind
  const step: StepFailureKind = 'conect-timeout';
  // @ts-expect-error not a target answer's kind
  const answer: TargetAnswerErrorKind = 'too-large';
  // @ts-expect-error not a results document's kind
  const document: DocumentErrorKind = 'not_json';
  // @ts-expect-error not a results file's kind
  const file: ResultsFileErrorKind = 'missing';
  const good: ClientErrorKind[] = ['parse_error', 'http_503', 'ws_close_1006', 'h2_rst_8', 'cors_preflight_403', 'ECONNRESET', 'ERR_SSL_WRONG_VERSION_NUMBER'];
  assert.deepEqual([client, family, step, answer, document, file].length, 6);
  assert.ok(good.every(isClientErrorKind));
});

test('client error kinds: fixed names, numbered families, a library\'s upper-case code; nothing else', () => {
  for (const kind of CLIENT_ERROR_KINDS) assert.ok(isClientErrorKind(kind), kind);
  for (const family of CLIENT_ERROR_KIND_FAMILIES) {
    assert.ok(isClientErrorKind(`${family}42`), family);
    assert.ok(!isClientErrorKind(family), `${family} without its number`);
  }
  for (const code of ['ECONNRESET', 'EMFILE', 'ERR_HTTP2_GOAWAY_SESSION', 'CERT_HAS_EXPIRED', 'WS_ERR_INVALID_CLOSE_CODE']) assert.ok(isClientErrorKind(code), code);
  for (const bad of ['parse_eror', 'Timeout', 'http_abc', 'ws_close_', '', 'econnreset', '_X']) assert.ok(!isClientErrorKind(bad), JSON.stringify(bad));
  // The caps' kinds (client-limits.ts) are among the fixed ones (also checked at compile time).
  for (const kind of Object.values(LIMIT_ERROR)) assert.ok((CLIENT_ERROR_KINDS as readonly string[]).includes(kind), kind);
  assert.equal(new Set(CLIENT_ERROR_KINDS).size, CLIENT_ERROR_KINDS.length, 'no kind listed twice');
});

test('errorKind takes a library\'s upper-case code, else the fallback; a failed start()\'s kind reads back from its coded Error', () => {
  assert.equal(errorKind(Object.assign(new Error('x'), { code: 'ECONNRESET' }), 'socket_error'), 'ECONNRESET');
  assert.equal(errorKind(Object.assign(new Error('x'), { code: 'not-a-code' }), 'socket_error'), 'socket_error');
  assert.equal(errorKind(new Error('x'), 'h2_error'), 'h2_error');
  assert.equal(errorKind(null, 'ws_error'), 'ws_error');
  assert.equal(startFailureKind(codedError('http_404', 'poll client could not connect'), 'connect_failed'), 'http_404');
  assert.equal(startFailureKind(codedError('body_too_large', 'x'), 'connect_failed'), 'body_too_large');
  assert.equal(startFailureKind(Object.assign(new Error('x'), { code: 'made_up' }), 'connect_failed'), 'connect_failed');
  assert.equal(startFailureKind('not an error', 'connect_failed'), 'connect_failed');
});

test('every transport\'s client that cannot connect rejects start() with a client error kind (a real refused port)', async () => {
  // A port that was just listening and is closed now: the connect is refused by the kernel.
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  for (const transport of TRANSPORTS) {
    const tracker = new DeliveryTracker();
    const client = CLIENTS[transport]({ baseUrl: new URL(`http://127.0.0.1:${port}`), since: 0, headers: [], intervalMs: 200, holdMs: 30_000, tracker: tracker.createClient(0) });
    const error = await client.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await client.stop();
    assert.ok(error instanceof Error, `${transport}: start() rejected`);
    assert.equal(startFailureKind(error, 'connect_failed'), 'ECONNREFUSED', `${transport}: ${(error as Error).message}`);
  }
});

test('the results schema: errors document every kind and still read any key; failureKind is the typed union, optional', () => {
  const schemaText = JSON.stringify(resultsJsonSchema());
  for (const kind of CLIENT_ERROR_KINDS) assert.ok(schemaText.includes(kind), `the JSON Schema names ${kind}`);
  for (const family of CLIENT_ERROR_KIND_FAMILIES) assert.ok(schemaText.includes(`${family}<n>`), `the JSON Schema names ${family}<n>`);
  assert.deepEqual(
    StepFailureKindSchema.anyOf.map((literal) => literal.const),
    [...STEP_FAILURE_KINDS],
    'the schema\'s union is the constant list',
  );

  // A file from another version with a kind this one does not know still validates.
  const old = buildResults({ failed: { 'ws@100': 'the server exited mid-step (SIGKILL): no output' } });
  const okStep = old.results[0]!.steps[0]!;
  assert.ok(okStep.measurement);
  okStep.measurement.window.errors = { some_kind_of_an_older_version: 3, ECONNRESET: 1 };
  validateResults(old);
  // A failed step without failureKind (every file written before it) validates; with one too.
  const failed = old.results.flatMap((r) => r.steps).find((s) => s.status === 'failed');
  assert.ok(failed?.status === 'failed');
  delete failed.failureKind;
  validateResults(old);
  failed.failureKind = 'server-exited';
  validateResults(old);
  // A kind outside the union is refused, naming the step.
  (failed as { failureKind: string }).failureKind = 'server-exitted';
  assert.throws(
    () => validateResults(old),
    (error: unknown) => error instanceof ResultsSchemaError && error.type === 'invalid' && /^\/results\/\d+\/steps\/\d+: /.test(error.message),
  );
  assert.deepEqual([...DOCUMENT_ERROR_KINDS], ['not-json', 'not-results', 'version', 'invalid']);
});

test('a results file that cannot be used says why as a kind: unreadable, empty, not-json, not-results, version, invalid', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'wirebench-error-kinds-'));
  const cases: Array<[string, string | undefined, ResultsFileErrorKind]> = [
    ['missing.json', undefined, 'unreadable'],
    ['empty.json', '  \n', 'empty'],
    ['cut.json', '{"schema": "https://', 'not-json'],
    ['other.json', '{"schema": "something else"}', 'not-results'],
    ['future.json', JSON.stringify({ ...buildResults(), version: 999 }), 'version'],
    ['bad.json', JSON.stringify({ ...buildResults(), status: 'exploded' }), 'invalid'],
  ];
  for (const [name, text, kind] of cases) {
    const file = path.join(dir, name);
    if (text !== undefined) await writeFile(file, text);
    await assert.rejects(readResultsFile(file), (error: unknown) => error instanceof ResultsFileError && error.kind === kind && error.message.startsWith(file), name);
  }
});

test('README names every step failure kind, in the list\'s order', async () => {
  const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
  const listed = /`failureKind` \(one of ([^)]*?):/s.exec(readme)?.[1];
  assert.ok(listed, 'README has the failureKind list');
  assert.deepEqual([...listed.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]), [...STEP_FAILURE_KINDS]);
});
