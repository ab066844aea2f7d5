/**
 * The dashboard's automatic sign-in in development: `POST /dashboard/session` answers an admin token to a
 * browser on the hub's own machine, so `npm start` opens a dashboard that is live at once instead of empty
 * until a token is pasted. Only when the hub was given a signer (`hotline serve --dev` does) and only for a
 * request {@link isLoopbackRequest} accepts; everyone else pastes a token as before.
 *
 * The token is in the response body, never in a cookie: a page of another site can make a browser send
 * this POST, but without CORS it cannot read the answer, and no credential rides along afterwards.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpRejection } from '../http-errors.js';
import { isLoopbackRequest } from './loopback.js';

/** Signs the dashboard's admin token (with the JWT scheme: a publisher token for `*`). */
export interface LoopbackAdmin {
  sign(ttlSeconds: number): Promise<string>;
}

/** What `POST /dashboard/session` answers. */
export interface DashboardSession {
  readonly token: string;
  /** When the token expires, in ms since the epoch; the page asks for a new one before. */
  readonly expiresAt: number;
}

export const LOOPBACK_SIGN_IN_DEFAULTS = Object.freeze({ ttlSeconds: 3600 });

/** Answers `/dashboard/session`; `admin` undefined means this hub signs nobody in automatically. */
export async function handleDashboardSession(
  req: IncomingMessage,
  res: ServerResponse,
  admin: LoopbackAdmin | undefined,
): Promise<true> {
  if (req.method !== 'POST') {
    throw new HttpRejection(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
      headers: { Allow: 'POST' },
    });
  }
  if (admin === undefined) {
    throw new HttpRejection(
      403,
      'HOTLINE_HUB_FORBIDDEN',
      'automatic sign-in needs a hub started with --dev: paste a publisher token',
    );
  }
  if (!isLoopbackRequest(req)) {
    throw new HttpRejection(
      403,
      'HOTLINE_HUB_FORBIDDEN',
      'automatic sign-in is only for a browser on the hub’s own machine, not through a proxy: paste a publisher token',
    );
  }
  const { ttlSeconds } = LOOPBACK_SIGN_IN_DEFAULTS;
  const session: DashboardSession = {
    token: await admin.sign(ttlSeconds),
    expiresAt: Date.now() + ttlSeconds * 1000,
  };
  const body = JSON.stringify(session);
  res.writeHead(200, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
  return true;
}
