/**
 * Who may open the dashboard stream: a request whose token the hub verifies (`host.authorizeAdmin`) AND
 * whose `mercure.publish` claim is `["*"]`-wide. The stream lists every topic, private ones included, so a
 * subscriber token signed with the same key — such as the demo user's — must not be enough.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { decodeJwt } from 'jose';
import { findToken } from '../auth.js';
import type { DashboardHost } from '../extension.js';

/** True for a verified token that may publish to every topic. */
export async function isAdmin(host: Pick<DashboardHost, 'authorizeAdmin'>, req: IncomingMessage): Promise<boolean> {
  if (!(await host.authorizeAdmin(req))) return false;
  try {
    // The same token the host just verified (same lookup order), so decoding without verifying again is safe.
    const token = findToken(req.headers, new URL(req.url ?? '/', 'http://hub.invalid').searchParams);
    if (token === undefined) return false;
    const mercure = decodeJwt(token).mercure;
    if (typeof mercure !== 'object' || mercure === null) return false;
    const publish: unknown = (mercure as { publish?: unknown }).publish;
    return Array.isArray(publish) && publish.includes('*');
  } catch {
    // A token the host accepted but jose cannot decode cannot name its claims: not an admin.
    return false;
  }
}
