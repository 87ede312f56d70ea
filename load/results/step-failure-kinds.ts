/**
 * Why a step failed, as a kind a program can act on (a CI job retrying only a `connect-timeout`,
 * a dashboard counting `server-exited`): one of these, defined once. The step's `reason` beside it
 * says the same in one line for a person. The results schema's union is built from this list, so
 * a misspelt kind fails typecheck in the writer and validation in the reader. Files written
 * before the kind existed have none (the field is optional).
 *
 * Pure module (no imports): the results schema and load/run both read it.
 */
export const STEP_FAILURE_KINDS = [
  /** --start-at: the step began after its slot's connect deadline (the previous step overran, or the shard started late). */
  'late-start',
  /** The server (embedded or --target) did not answer GET /healthz before the step began. */
  'server-unreachable',
  /** The embedded server exited during the step. */
  'server-exited',
  /** The --target stopped answering during the step. */
  'target-gone',
  /** A --fault could not be injected, or the server did not come back from it. */
  'fault',
  /** The clients did not finish connecting within the connect timeout (or the schedule's connect deadline). */
  'connect-timeout',
  /** Clients failed to connect (errno codes or HTTP answers, counted by kind in the reason). */
  'connect-failed',
  /** A load worker failed or exited. */
  'worker',
  /** The load workers did not report within the collect timeout. */
  'collect-timeout',
  /** No worker reported a measurement. */
  'no-measurement',
  /** A merged step (`wirebench merge`): shards failed for different kinds, or a shard has no result for the step. */
  'shards',
] as const;

export type StepFailureKind = (typeof STEP_FAILURE_KINDS)[number];
