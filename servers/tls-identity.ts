/**
 * The certificate a wirebench server presents over TLS: the user's own (`serve --tls-cert/--tls-key`)
 * or one made at start — self-signed, for the names a loopback run reaches it under, no network and
 * no files the user must make.
 *
 * Why the `selfsigned` package: Node's crypto makes key pairs but cannot issue an X.509
 * certificate; `selfsigned` (on @peculiar/x509) is the library the field uses for exactly this.
 */
import { isIP } from 'node:net';
import { generate } from 'selfsigned';

export interface TlsIdentity {
  /** PEM private key. */
  key: string;
  /** PEM certificate (chain); for a self-signed identity, also the CA a client may trust. */
  cert: string;
}

/** Valid from a minute ago (a client's clock may lag) for this long. */
const VALIDITY_MS = 7 * 24 * 3_600_000;

/**
 * A fresh self-signed certificate for `localhost`, 127.0.0.1, ::1 and `host` (the bind address),
 * ECDSA P-256 with SHA-256 — what a browser-grade TLS stack accepts without complaint, and
 * quick to make (tens of ms).
 */
export async function selfSignedIdentity(host: string): Promise<TlsIdentity> {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  if (host !== '0.0.0.0' && host !== '::') names.add(host.replace(/^\[|\]$/g, ''));
  const altNames = [...names].map((name) => (isIP(name) !== 0 ? { type: 7 as const, ip: name } : { type: 2 as const, value: name }));
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: 'wirebench self-signed' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + VALIDITY_MS),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
