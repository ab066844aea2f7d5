/**
 * The nchan comparison peer: nginx with the nchan module from Debian, one worker process, run in the
 * foreground from a temp dir with a generated nginx.conf. Publish with `POST ${url}/pub/<channel>`, subscribe
 * at `GET ${url}/sub/<channel>` (EventSource).
 * @module
 */
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, type Peer, waitUntilAnswering } from './peer.js';

const INSTALL = fileURLToPath(new URL('../../scripts/install-nchan.sh', import.meta.url));
/** Where Debian's libnginx-mod-nchan puts the module. */
export const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';
const NGINX = '/usr/sbin/nginx';

/** Installs nginx + nchan if missing (idempotent; needs apt and root or sudo). */
export async function ensureNchan(): Promise<void> {
  await promisify(execFile)('bash', [INSTALL], { timeout: 300_000 });
}

/** The generated configuration; exported so the docs and tests can show exactly what runs. */
export function nchanConfig(dir: string, port: number): string {
  return `load_module ${NCHAN_MODULE};
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 20000; }
worker_rlimit_nofile 20000;
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};
    location ~ ^/pub/([^/]+)$ {
      nchan_publisher;
      nchan_channel_id $1;
      nchan_message_buffer_length 10;
    }
    location ~ ^/sub/([^/]+)$ {
      nchan_subscriber eventsource;
      nchan_channel_id $1;
    }
    location = / { return 200; }
  }
}
`;
}

/** The worker's pid: with one worker, the only child of the master. */
async function workerPid(masterPid: number): Promise<number> {
  for (let i = 0; i < 100; i++) {
    try {
      const children = (await readFile(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8')).trim().split(/\s+/);
      if (children[0]) return Number(children[0]);
    } catch {
      // The master is still starting; try again.
    }
    await sleep(50);
  }
  throw new Error('nginx started no worker process');
}

/** Starts nginx + nchan (installing them first if needed); `pid` is the worker that serves the streams. */
export async function startNchan(): Promise<Peer & { masterPid: number; dir: string }> {
  if (!existsSync(NGINX) || !existsSync(NCHAN_MODULE)) await ensureNchan();
  const dir = await mkdtemp(join(tmpdir(), 'hotline-nchan-'));
  const port = await freePort();
  await writeFile(join(dir, 'nginx.conf'), nchanConfig(dir, port));
  // -e: nginx ≥ 1.19.5 opens the default error log before reading the config; point it at the temp dir too.
  const child = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (t: string) => {
    stderr += t;
  });
  const url = `http://127.0.0.1:${port}`;
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
  try {
    await waitUntilAnswering(`${url}/`, 10_000, () => child.exitCode === null);
    const pid = await workerPid(child.pid!);
    return { url, pid, masterPid: child.pid!, dir, stop };
  } catch (error) {
    await stop();
    throw new Error(`nginx + nchan did not start: ${stderr.trim()}`, { cause: error });
  }
}
