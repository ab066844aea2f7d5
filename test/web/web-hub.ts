/**
 * Helpers of the browser tests: the front end built once per test process into a temporary folder (with
 * the real build script), and a real hub with the dashboard wired in through its `extension` option.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { mintToken } from '../../src/cli/token.js';
import { createDashboard, type DashboardOptions } from '../../src/hub/dashboard/index.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import type { TlsCredentials } from '../../src/hub/index.js';
import type { EventLog } from '../../src/hub/log/event-log.js';
import { SECRET, token } from '../fixtures/hub.js';

let built: string | undefined;

/** Builds web/src into a fresh temporary folder (once per process); removed when the process exits. */
export function buildAssets(): string {
  if (built !== undefined) return built;
  const dir = mkdtempSync(join(tmpdir(), 'hotline-web-'));
  execFileSync(process.execPath, ['scripts/build-web.mjs', '--outdir', dir], { stdio: 'pipe' });
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  built = dir;
  return dir;
}

export interface WebHub {
  hub: Hub;
  origin: string;
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

/** A hub with the dashboard, anonymous subscribers allowed, and `alice` as the demo user. */
export async function startWebHub(
  options: {
    log?: EventLog;
    port?: number;
    /** @defaultValue '127.0.0.1' */
    host?: string;
    dashboard?: DashboardOptions;
    /** Serve HTTPS (HTTP/2 and HTTP/1.1) with this certificate; `origin` is then `https://localhost:…`. */
    tls?: TlsCredentials;
    /** Runs before the hub listens: updates published here are in the log before any client can connect. */
    beforeListen?: (hub: Hub) => Promise<void>;
  } = {},
): Promise<WebHub> {
  const hub = await createHub({
    publisherKey: { secret: SECRET },
    allowAnonymous: true,
    ...(options.log === undefined ? {} : { log: options.log }),
    extension: (host) =>
      createDashboard(host, {
        assetsDir: buildAssets(),
        statsIntervalMs: 200,
        demoUser: { name: 'alice', sign: (claims) => mintToken({ secret: SECRET, ...claims }) },
        ...options.dashboard,
      }),
  });
  await options.beforeListen?.(hub);
  const address = await hub.listen(
    options.port ?? 0,
    options.host ?? '127.0.0.1',
    options.tls === undefined ? {} : { tls: options.tls },
  );
  const origin = options.tls === undefined ? `http://127.0.0.1:${address.port}` : `https://localhost:${address.port}`;
  return { hub, origin, endpoint: `${origin}/.well-known/mercure`, port: address.port, close: () => hub.close() };
}

/** A publisher JWT for the dashboard. */
export function adminToken(): Promise<string> {
  return token({ publish: ['*'], subscribe: ['*'] });
}

/** Waits until `predicate` holds in the page (Playwright polls; the test's own timeout bounds it). */
export async function until(page: Page, predicate: string, arg?: unknown): Promise<void> {
  await page.waitForFunction(predicate, arg, { timeout: 15_000 });
}
