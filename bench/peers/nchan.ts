/**
 * The nchan comparison peer: nginx with the nchan module from Debian, one worker process, run in the
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
  const nginx = await startNginx('nchan', nchanConfig);
  try {
    const pid = await workerPid(nginx.child.pid!);
    return { url: nginx.url, pid, masterPid: nginx.child.pid!, dir: nginx.dir, stop: nginx.stop };
  } catch (error) {
    await nginx.stop();
    throw error;
  }
}
