/**
 * The nchan comparison peer: nginx with the nchan module from Debian, one worker process (or `workers`), run in the
 * foreground from a temp dir with a generated nginx.conf. Publish with `POST ${url}/pub/<channel>`, subscribe
 * at `GET ${url}/sub/<channel>` (EventSource).
 * @module
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { INSTALL_NGINX, NGINX, startNginx, tempPaths } from './nginx.js';
import type { Peer } from './peer.js';

/** Where Debian's libnginx-mod-nchan puts the module. */
export const NCHAN_MODULE = '/usr/lib/nginx/modules/ngx_nchan_module.so';

/** Installs nginx + nchan if missing (idempotent; needs apt and root or sudo). */
export async function ensureNchan(): Promise<void> {
  await promisify(execFile)('bash', [INSTALL_NGINX], { timeout: 300_000 });
}

/** The generated configuration; exported so the docs and tests can show exactly what runs. */
export function nchanConfig(dir: string, port: number, workers = 1): string {
  return `load_module ${NCHAN_MODULE};
daemon off;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 20000; }
worker_rlimit_nofile 20000;
http {
  access_log off;
  ${tempPaths(dir)}
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

/** The workers' pids: the children of the master, once all `count` of them are up. */
async function workerPids(masterPid: number, count: number): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    try {
      const text = (await readFile(`/proc/${masterPid}/task/${masterPid}/children`, 'utf8')).trim();
      const children = text === '' ? [] : text.split(/\s+/).map(Number);
      if (children.length >= count) return children;
    } catch {
      // The master is still starting; try again.
    }
    await sleep(50);
  }
  throw new Error(`nginx did not start ${count} worker process(es)`);
}

/**
 * Starts nginx + nchan (installing them first if needed) with `workers` worker processes; `pid` is the first
 * worker, `pids` all of them (the processes that serve the streams; the master only supervises).
 */
export async function startNchan(workers = 1): Promise<Peer & { masterPid: number; dir: string }> {
  if (!existsSync(NGINX) || !existsSync(NCHAN_MODULE)) await ensureNchan();
  const nginx = await startNginx('nchan', (dir, port) => nchanConfig(dir, port, workers));
  try {
    const pids = await workerPids(nginx.child.pid!, workers);
    return { url: nginx.url, pid: pids[0]!, pids, masterPid: nginx.child.pid!, dir: nginx.dir, stop: nginx.stop };
  } catch (error) {
    await nginx.stop();
    throw error;
  }
}
