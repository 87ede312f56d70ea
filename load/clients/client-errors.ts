/**
 * Error kinds of the clients: the errno code of a socket failure, and the coded Error start()
 * rejects with (the runner reads the code).
 */
/** Error kind of a socket / request failure: the errno code (ECONNRESET, EPIPE, …) when there is one. */
export function errorKind(error: unknown, fallback: string): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : fallback;
}

/** An Error carrying `code`, what start() rejects with (the runner reads the code). */
export function codedError(code: string, message: string): Error & { code: string } {
  return Object.assign(new Error(message), { code });
}
