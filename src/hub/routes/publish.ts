/**
 * `POST /.well-known/mercure`: authorize, validate, store durably, answer with the id. The update is
 * delivered by the hub's log follower, not here, so every node of a cluster delivers it the same way.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MercureClaims, TokenVerifier } from '../auth.js';
import { locateToken } from '../auth.js';
import { HttpError } from '../http-errors.js';
import { fieldsToInput, type PublishLimits, toNewUpdate } from '../publish-input.js';
import type { PublishOriginCheck } from '../publish-origin.js';
import type { TopicMatcher } from '../topics.js';
import type { NewUpdate, StoredUpdate } from '../update.js';
import { parsePublishBody, readBody } from './publish-body.js';

export interface PublishRouteContext {
  readonly verifier: TokenVerifier | undefined;
  /** Refuses a cookie-authorized publish from a foreign origin (see `createPublishOriginCheck`). */
  readonly checkOrigin: PublishOriginCheck;
  readonly matcher: TopicMatcher;
  readonly limits: PublishLimits;
  readonly maxPublishBytes: number;
  readonly store: (update: NewUpdate) => Promise<StoredUpdate>;
}

export async function handlePublish(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  context: PublishRouteContext,
  extraHeaders: Record<string, string>,
): Promise<void> {
  // Authorize before reading the body: an anonymous client cannot make the hub buffer a megabyte.
  const claims = await authorizePublisher(req, url, context);
  const body = await readBody(req, context.maxPublishBytes);
  const update = toNewUpdate(fieldsToInput(parsePublishBody(req.headers['content-type'], body)), context.limits);
  // Mercure: every topic of the update must match one of the token's mercure.publish selectors.
  for (const topic of update.topics) {
    if (!context.matcher.matchesAny(claims.publish, [topic])) {
      throw new HttpError(403, 'HOTLINE_HUB_FORBIDDEN', `the token may not publish to ${JSON.stringify(topic)}`);
    }
  }
  const stored = await context.store(update);
  const responseBody = stored.id;
  res.writeHead(200, {
    ...extraHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(responseBody),
    'Cache-Control': 'no-store',
  });
  res.end(responseBody);
}

async function authorizePublisher(
  req: IncomingMessage,
  url: URL,
  context: Pick<PublishRouteContext, 'verifier' | 'checkOrigin'>,
): Promise<MercureClaims> {
  const found = locateToken(req.headers, url.searchParams);
  if (found === undefined) throw new HttpError(401, 'HOTLINE_HUB_UNAUTHORIZED', 'publishing requires a token');
  // CSRF: the browser attaches the cookie to requests that any page makes; a header or query token it does not.
  if (found.source === 'cookie') context.checkOrigin(req.headers);
  if (context.verifier === undefined) {
    throw new HttpError(401, 'HOTLINE_HUB_UNAUTHORIZED', 'this hub has no publisher key: it accepts no HTTP publishes');
  }
  return context.verifier.verify(found.token);
}
