/**
 * `createDashboard`: the hub's web front end — the live dashboard at `/`, the four-panel demo at `/demo`,
 * their built assets, the admin stream that feeds the dashboard, and the demo user's sign-in.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HotlineError } from '../../errors.js';
import type { DashboardHost, HubExtension } from '../extension.js';
import { HttpRejection } from '../http-errors.js';
import { AdminStream } from './admin-stream.js';
import { DEFAULT_ASSETS_DIR, sendAsset } from './assets.js';
import { createDemoSession, type DemoUser } from './demo-session.js';
import { handleDashboardSession, type LoopbackAdmin } from './loopback-sign-in.js';

/** Options of {@link createDashboard}. */
export interface DashboardOptions {
  /** Where the built front end is. @defaultValue the package's `web/dist/` */
  assetsDir?: string;
  /** How often the dashboard's numbers are pushed, in ms. @defaultValue 1000 */
  statsIntervalMs?: number;
  /**
   * The user any visitor of the demo page can sign in as (its notifications are private); without it, no
   * sign-in. Each sign-in gets a token of its own, for an hour, that may only read that user's notifications.
   */
  demoUser?: DemoUser;
  /** Why the demo page cannot sign in, when there is no `demoUser` (shown to the visitor). */
  demoSignInRefusal?: string;
  /**
   * Signs the dashboard in automatically for a browser on the hub's own machine (`POST /dashboard/session`,
   * see `isLoopbackRequest`). For development only — `hotline serve --dev` sets it; without it the
   * operator pastes a publisher token. @defaultValue none
   */
  loopbackAdmin?: LoopbackAdmin;
}

export const DASHBOARD_DEFAULTS = Object.freeze({ statsIntervalMs: 1000, maxBatch: 50, maxSelectors: 100 });

/**
 * Creates the dashboard for a hub: pass `(host) => createDashboard(host, options)` as the hub's
 * `extension`. It answers `/`, `/demo`, `/assets/*`, `/dashboard/stream`, `/dashboard/session` and `/demo/*`, and declines
 * everything else (`handle` resolves to false).
 */
export function createDashboard(host: DashboardHost, options: DashboardOptions = {}): HubExtension {
  const assetsDir = options.assetsDir ?? DEFAULT_ASSETS_DIR;
  const statsIntervalMs = options.statsIntervalMs ?? DASHBOARD_DEFAULTS.statsIntervalMs;
  if (!Number.isSafeInteger(statsIntervalMs) || statsIntervalMs <= 0) {
    throw new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', 'statsIntervalMs must be a positive integer');
  }
  const demo = createDemoSession(options.demoUser, options.demoSignInRefusal ?? 'this hub has no demo user');
  const admin = new AdminStream(host, { ...DASHBOARD_DEFAULTS, intervalMs: statsIntervalMs });

  async function handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    const read = req.method === 'GET' || req.method === 'HEAD';
    if (read && (path === '/' || path === '/index.html')) return sendAsset(req, res, assetsDir, 'dashboard.html');
    if (read && (path === '/demo' || path === '/demo/')) return sendAsset(req, res, assetsDir, 'demo.html');
    if (read && path.startsWith('/assets/')) {
      if (await sendAsset(req, res, assetsDir, path.slice('/assets/'.length))) return true;
      throw new HttpRejection(404, 'HOTLINE_HUB_NOT_FOUND', `no asset at ${path}`);
    }
    if (path === '/dashboard/stream' && req.method === 'GET') {
      // The stream lists every topic, private ones included: only an admin grant (with the JWT scheme, a
      // publisher token for `*`, not the demo user's subscriber token). A refusal is a 401 whose message
      // says what is wrong with the token; the page shows it next to the token field.
      const grant = await host.authorizeAdmin(req);
      admin.open(req, res, grant.exp);
      return true;
    }
    if (path === '/dashboard/session') return handleDashboardSession(req, res, options.loopbackAdmin);
    if (path === '/demo/config' && read) {
      sendJson(res, demo.config);
      return true;
    }
    if (path === '/demo/session') return demo.handle(req, res);
    return false;
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
