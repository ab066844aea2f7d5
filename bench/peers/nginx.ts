/**
 * Debian's nginx run in the foreground from a temp dir with a generated nginx.conf, on a free loopback
 * port: the nchan benchmark peer and the reverse proxy of the doctor tests both start it this way.
 * @module
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitUntilAnswering } from './peer.js';

export const NGINX = '/usr/sbin/nginx';
/** Installs nginx + nchan from Debian, idempotently. */
export const INSTALL_NGINX = fileURLToPath(new URL('../../scripts/install-nchan.sh', import.meta.url));

/** `*_temp_path` directives that keep every spool file in `dir` (none in /var/lib/nginx). */
export function tempPaths(dir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((kind) => `${kind}_temp_path ${dir}/${kind};`)
    .join('\n  ');
}

export interface RunningNginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The temp dir holding nginx.conf, the pid file and the logs. */
  readonly dir: string;
  /** The nginx process started (the master, or the only process with `master_process off`). */
  readonly child: ChildProcess;
  /** Fast shutdown (SIGKILL if it lingers), then the temp dir is removed. */
  stop(): Promise<void>;
}

/**
 * Starts nginx with the config `configure(dir, port)` returns and waits until `readyPath` answers (any
 * status); on failure, stops it and throws with what nginx printed.
 */
export async function startNginx(
  name: string,
  configure: (dir: string, port: number) => string,
  readyPath = '/',
): Promise<RunningNginx> {
  const dir = await mkdtemp(join(tmpdir(), `hotline-${name}-`));
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), configure(dir, port));
  // -e: nginx ≥ 1.19.5 opens the default error log before reading the config; point it at the temp dir too.
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    stderr += text;
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      // SIGQUIT would wait for the open streams; SIGTERM is nginx's fast shutdown.
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(`${url}${readyPath}`, 10_000, () => child.exitCode === null);
  } catch (error) {
    await stop();
    throw new Error(`nginx (${name}) did not start: ${stderr.trim()}`, { cause: error });
  }
  return { url, dir, child, stop };
}
