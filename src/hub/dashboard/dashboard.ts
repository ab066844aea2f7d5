/**
 * `createDashboard`: the hub's web front end — the live dashboard at `/`, the four-panel demo at `/demo`,
 * their built assets, the admin stream that feeds the dashboard, and the demo user's sign-in.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HotlineError } from '../../errors.js';
import type { DashboardHost, HubExtension } from '../extension.js';
import { HttpError } from '../http-errors.js';
import { assertAdmin } from './admin-auth.js';
import { AdminStream } from './admin-stream.js';
import { DEFAULT_ASSETS_DIR, sendAsset } from './assets.js';
import { demoTopics } from './demo-publisher.js';

/** The demo's one signed-in user: who they are and the subscriber JWT that lets them see their notifications. */
export interface DemoUser {
  /** The user's name, as in the topic `/users/{name}/notifications`. */
  readonly name: string;
  /** A subscriber JWT whose `mercure.subscribe` claim covers that topic. */
  readonly token: string;
}

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** Where the built front end is. @defaultValue the package's `web/dist/` */
  assetsDir?: string;
  /** How often the dashboard's numbers are pushed, in ms. @defaultValue 1000 */
  statsIntervalMs?: number;
  /** The user the demo page can sign in as (its notifications are private); without it, no sign-in. */
  demoUser?: DemoUser;
}

export const DASHBOARD_DEFAULTS = Object.freeze({ statsIntervalMs: 1000, maxBatch: 50, maxSelectors: 100 });

/** The cookie the hub reads a subscriber's JWT from (Mercure). */
const AUTH_COOKIE = 'mercureAuthorization';
/** A readable cookie that only tells the demo page who is signed in (the token cookie is HttpOnly). */
const USER_COOKIE = 'hotline-demo-user';

/**
 * Creates the dashboard for a hub: pass `(host) => createDashboard(host, options)` as the hub's
 * `extension`. It answers `/`, `/demo`, `/assets/*`, `/dashboard/stream` and `/demo/*`, and declines
 * everything else (`handle` resolves to false).
 */
export function createDashboard(host: DashboardHost, options: DashboardOptions = {}): HubExtension {
  const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const statsIntervalMs = options.statsIntervalMs ?? DASHBOARD_DEFAULTS.statsIntervalMs;
  if (!Number.isSafeInteger(statsIntervalMs) || statsIntervalMs <= 0) {
    throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', 'statsIntervalMs must be a positive integer');
  }
  const demoUser = options.demoUser;
  const admin = new AdminStream(host, { ...DASHBOARD_DEFAULTS, intervalMs: statsIntervalMs });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && (path === '/' || path === '/index.html')) return sendAsset(req, res, assetsDir, 'dashboard.html');
    if (read && (path === '/demo' || path === '/demo/')) return sendAsset(req, res, assetsDir, 'demo.html');
    if (read && path.startsWith('/assets/')) {
      if (await sendAsset(req, res, assetsDir, path.slice('/assets/'.length))) return true;
      throw new HttpError(404, 'HOTLINE_HUB_NOT_FOUND', `no asset at ${path}`);
    }
    if (path === '/dashboard/stream' && req.method === 'GET') {
      await assertAdmin(host, req, url);
      admin.open(req, res);
      return true;
    }
    if (path === '/demo/config' && read) {
      sendJson(res, { user: demoUser?.name ?? null, topics: demoTopics(demoUser?.name) });
      return true;
    }
    if (path === '/demo/session') return demoSession(req, res);
    return false;
  }

  /** POST signs the browser in as the demo user (sets the token cookie), DELETE signs it out. */
  function demoSession(req: IncomingMessage, res: ServerResponse): boolean {
    if (demoUser === undefined) throw new HttpError(404, 'HOTLINE_HUB_NOT_FOUND', 'this hub has no demo user');
    // Scoped to the hub endpoint: the token reaches only the Mercure subscribe route, never the admin stream.
    const scope = '; Path=/.well-known/mercure; HttpOnly; SameSite=Strict';
    if (req.method === 'POST') {
      res.writeHead(204, {
        'Set-Cookie': [
          `${AUTH_COOKIE}=${encodeURIComponent(demoUser.token)}${scope}`,
          `${USER_COOKIE}=${encodeURIComponent(demoUser.name)}; Path=/; SameSite=Strict`,
        ],
        'Cache-Control': 'no-store',
      });
      res.end();
      return true;
    }
    if (req.method === 'DELETE') {
      res.writeHead(204, {
        'Set-Cookie': [`${AUTH_COOKIE}=${scope}; Max-Age=0`, `${USER_COOKIE}=; Path=/; SameSite=Strict; Max-Age=0`],
        'Cache-Control': 'no-store',
      });
      res.end();
      return true;
    }
    throw new HttpError(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
      headers: { Allow: 'POST, DELETE' },
    });
  }

  return { handle, close: () => admin.close() };
}

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
