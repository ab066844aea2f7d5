/**
 * `POST /.well-known/mercure`: authorize, validate, store durably, answer with the id. The update is
 * delivered by the hub's log follower, not here, so every node of a cluster delivers it the same way.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Authorize, insufficientScope } from '../auth/index.js';
import { fieldsToInput, type PublishLimits, toNewUpdate } from '../publish-input.js';
import { hubUrl } from '../request-url.js';
import { rulesGeneration, type TopicMatcher } from '../topics/index.js';
import type { NewUpdate, StoredUpdate } from '../update.js';
import { parsePublishBody, readBody } from './publish-body.js';
import { checkMercure1Publish } from './publish-rules.js';

export interface PublishRouteContext {
  /** Also refuses a cookie-authorized publish from a foreign origin (cross-site request forgery). */
  readonly authorize: Authorize;
  readonly matcher: TopicMatcher;
  readonly limits: PublishLimits;
  readonly maxPublishBytes: number;
  /** Longest topic of a Mercure 1.0 publish (the longest matcher a subscriber may send). */
  readonly maxSelectorLength: number;
  readonly store: (update: NewUpdate) => Promise<StoredUpdate>;
}

export async function handlePublish(
  req: IncomingMessage,
  res: ServerResponse,
  context: PublishRouteContext,
  extraHeaders: Record<string, string>,
): Promise<void> {
  // Authorize before reading the body: an anonymous client cannot make the hub buffer a megabyte.
  const grant = await context.authorize(req, 'publish');
  const body = await readBody(req, context.maxPublishBytes);
  const fields = parsePublishBody(req.headers['content-type'], body);
  if (rulesGeneration(grant.publish) === '1.0')
    checkMercure1Publish(fields, {
      maxIdLength: context.limits.maxIdLength,
      maxSelectorLength: context.maxSelectorLength,
    });
  const update = toNewUpdate(fieldsToInput(fields), context.limits);
  // Mercure: every topic of the update must match one of the token's publish selectors.
  // spec(Mercure 1.0 §Publishers): "Otherwise the hub MUST NOT dispatch the update and MUST return a 403
  // status code with `error="insufficient_scope"`".
  const base = hubUrl(req);
  for (const topic of update.topics) {
    if (!context.matcher.matchesAny(grant.publish, [topic], base))
      throw insufficientScope(`the token may not publish to ${JSON.stringify(topic)}`);
  }
  const stored = await context.store(update);
  const responseBody = stored.id;
  res.writeHead(200, {
    ...extraHeaders,
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(responseBody),
    // spec(Mercure 1.0 §URI Query Parameter): "Server success (2XX status) responses to these requests SHOULD
    // contain a `Cache-Control` header with the `private` option."
    'Cache-Control': grant.source === 'query' ? 'private, no-store' : 'no-store',
  });
  res.end(responseBody);
}
