/**
 * `hotline serve --tls-cert <file> --tls-key <file>`: HTTPS, with HTTP/2 and HTTP/1.1 on the one port. The
 * files are PEM and are read again on SIGHUP (what certbot's and acme.sh's deploy hooks send), so a renewed
 * certificate takes effect without a restart and without dropping a stream; a file that cannot be used
 * then leaves the running certificate in place and is reported in one log line.
 * @module
 */

import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { Hub, TlsCredentials } from '../hub/index.js';
import { type OptionTable, UsageError } from './args.js';

export const TLS_OPTIONS: OptionTable = {
  'tls-cert': {
    type: 'string',
    description: 'PEM certificate (chain) file: serve HTTPS, HTTP/2 and HTTP/1.1 on the port; re-read on SIGHUP',
    env: 'HOTLINE_TLS_CERT',
    valueName: 'file',
  },
  'tls-key': {
    type: 'string',
    description: 'PEM private key file of --tls-cert; re-read on SIGHUP',
    env: 'HOTLINE_TLS_KEY',
    valueName: 'file',
  },
};

/** Where the certificate and key are read from. */
export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/** The TLS files of the configuration: both or neither, else a usage error. */
export function tlsFiles(config: { 'tls-cert'?: string | undefined; 'tls-key'?: string | undefined }) {
  const certPath = config['tls-cert'];
  const keyPath = config['tls-key'];
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined)
    throw new UsageError('--tls-cert and --tls-key go together: give the certificate and its private key');
  return { certPath, keyPath };
}

/** Reads both PEM files; a file that cannot be read is an error naming the option and the path. */
export function readTlsFiles(files: TlsFiles): TlsCredentials {
  return { cert: readPem('--tls-cert', files.certPath), key: readPem('--tls-key', files.keyPath) };
}

function readPem(option: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** From this close to expiry the hub warns, at start and on reload (certbot and Caddy renew 30 days ahead). */
const EXPIRY_WARNING_DAYS = 14;
const DAY_MS = 86_400_000;

/** Prints that the hub serves HTTPS, until when, and how to reload; warns if the certificate expires soon. */
export function announceTls(credentials: TlsCredentials, logger: Logger): void {
  const expires = certificateExpiry(credentials.cert);
  console.log(
    `HTTPS with HTTP/2 and HTTP/1.1 (certificate expires ${expires ?? '?'}; kill -HUP ${process.pid} reloads it)`,
  );
  warnIfExpiring(expires, logger);
}

function warnIfExpiring(expires: string | undefined, logger: Logger): void {
  if (expires === undefined || Date.parse(expires) - Date.now() > EXPIRY_WARNING_DAYS * DAY_MS) return;
  logger.warn(
    { expires },
    `the TLS certificate expires within ${EXPIRY_WARNING_DAYS} days: renew it, then kill -HUP ${process.pid}`,
  );
}

/** When the first certificate of a PEM chain expires, as an ISO date, or `undefined` if it is unreadable. */
function certificateExpiry(cert: string | Buffer): string | undefined {
  try {
    return new Date(new X509Certificate(cert).validTo).toISOString();
  } catch {
    return undefined;
  }
}

/**
 * Re-reads the files on every SIGHUP and hands them to the hub. Returns what removes the handler. Either
 * way one line is logged: the new certificate's expiry, or why the old one stays.
 */
export function reloadTlsOnSighup(hub: Pick<Hub, 'setTlsCredentials'>, files: TlsFiles, logger: Logger): () => void {
  const reload = () => {
    try {
      const credentials = readTlsFiles(files);
      hub.setTlsCredentials(credentials);
      const expires = certificateExpiry(credentials.cert);
      logger.info({ cert: files.certPath, expires }, 'TLS certificate reloaded');
      warnIfExpiring(expires, logger);
    } catch (error) {
      logger.error(
        { cert: files.certPath, key: files.keyPath, reason: (error as Error).message },
        'TLS certificate not reloaded; still serving the previous one',
      );
    }
  };
  process.on('SIGHUP', reload);
  return () => process.off('SIGHUP', reload);
}
