/**
 * Hotline's hub as the benchmark runs it: the real CLI (`node dist/cli/main.js serve`) in its own process,
 * with the memory log, the SQLite log (in a temp dir) or a Redis Streams log (several nodes share one),
 * anonymous subscribers, a publisher secret, and the connection cap raised above the largest scenario. Subscribe at `${url}/.well-known/mercure?topic=<t>`,
 * publish with the Mercure form body and `Authorization: Bearer ${publisherJwt}`.
 * @module
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mintToken } from '../../src/cli/token.js';
import type { Peer } from './peer.js';

/** The compiled CLI: the benchmark measures what users run, not the sources under tsx. */
export const HOTLINE_CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

/** A module for `node --import`, written inline. */
export const preloaded = (code: string): string => `data:text/javascript,${encodeURIComponent(code)}`;

const TAKEOVER_MODULE = pathToFileURL(HOTLINE_CLI.replace(/cli[/\\]main\.js$/, 'server/adapters/node-takeover.js'));

/**
 * Node flags that start the CLI with the socket takeover switched off (every stream stays on node:http's
 * request/response objects): the hub as it was before issue N item 2, for before/after rows.
 */
export const TAKEOVER_OFF_NODE_ARGS: readonly string[] = [
  '--import',
  preloaded(`import{setSocketTakeover}from'${TAKEOVER_MODULE.href}';setSocketTakeover(false);`),
];

/** Which event log the hub uses: `memory`, `sqlite` (in the hub's temp dir), or a `redis://…` URL. */
export type HotlineLog = 'memory' | 'sqlite' | `redis://${string}`;

/** How a benchmark hub differs from the default one. */
export interface HotlineVariant {
  /** More `hotline serve` flags, e.g. `['--flush-slice-ms', 'Infinity']`. */
  extraArgs?: readonly string[];
  /** The publisher secret; nodes of one cluster share it. @defaultValue a random one */
  secret?: string;
  /** Flags for node itself, before the CLI (`--expose-gc`, `--import <module>`). */
  nodeArgs?: readonly string[];
}

/** The `hotline serve` flags for a benchmark hub; exported so BENCHMARKS.md shows exactly what runs. */
export function hotlineServeArgs(
  log: HotlineLog,
  dir: string,
  secret: string,
  extraArgs: readonly string[] = [],
): string[] {
  return [
    'serve',
    '--port',
    '0',
    '--data-dir',
    dir,
    '--log',
    log === 'sqlite' ? `sqlite:${join(dir, 'hotline.db')}` : log,
    '--allow-anonymous',
    // With `=`: a random base64url secret may start with '-', which would read as an option.
    `--publisher-jwt-secret=${secret}`,
    // 15,000 subscribers in S1 plus churn: above the default cap of 15,000.
    '--max-connections',
    '20000',
    '--no-dashboard',
    '--log-level',
    'warn',
    ...extraArgs,
  ];
}

/** The port a starting `hotline serve` child says it listens on (its stdout is read until then, then drained). */
async function listeningPort(child: ChildProcessByStdio<null, Readable, null>): Promise<number> {
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (text: string) => {
      out += text;
      const match = /listening on http:\/\/[^:]+:(\d+)\//.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`hotline serve exited with code ${code}: ${out.trim()}`)));
    child.once('error', reject);
  });
  child.stdout.resume();
  return port;
}

/** The processes `pid` started (a `--workers` hub's workers); none when /proc cannot tell. */
async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim() === '' ? [] : text.trim().split(/\s+/).map(Number);
}

/** Starts a hub; `pid` is the hub process itself, `pids` it and its workers when it has any. */
export async function startHotline(
  log: HotlineLog,
  variant: HotlineVariant = {},
): Promise<Peer & { publisherJwt: string; log: HotlineLog }> {
  if (!existsSync(HOTLINE_CLI)) throw new Error(`${HOTLINE_CLI} is missing: run \`npm run build\` first`);
  const dir = await mkdtemp(join(tmpdir(), `hotline-bench-${log.startsWith('redis') ? 'redis' : log}-`));
  const secret = variant.secret ?? randomBytes(32).toString('base64url');
  const child = spawn(
    process.execPath,
    [...(variant.nodeArgs ?? []), HOTLINE_CLI, ...hotlineServeArgs(log, dir, secret, variant.extraArgs)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let workers: number[] = [];
  const stop = async (): Promise<void> => {
    // Workers would exit on their own once the primary is gone; killed too, so none outlives the run.
    for (const worker of workers) {
      try {
        process.kill(worker, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    if (child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      // SIGKILL, not SIGTERM: a graceful drain of 15,000 streams would only slow the benchmark down.
      child.kill('SIGKILL');
      await exited;
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const port = await listeningPort(child);
    const publisherJwt = await mintToken({ secret, publish: ['*'], ttlSeconds: 0 });
    // With --workers the hub is the primary and its workers: the benchmark counts them all.
    workers = await childPids(child.pid!);
    return {
      url: `http://127.0.0.1:${port}`,
      pid: child.pid!,
      ...(workers.length === 0 ? {} : { pids: [child.pid!, ...workers] }),
      publisherJwt,
      log,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
