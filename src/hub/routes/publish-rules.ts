/**
 * The publish rules Mercure 1.0 (draft-08) adds to 0.x, applied to the requests that speak 1.0: those whose
 * credential states its rights as topic matcher objects (an access token's `authorization_details`). A 0.x
 * publisher keeps what the 0.x text allows it — several `topic` fields (alternate IRIs), any topic string,
 * ids starting with `#`, a 400 for a long id — because the two texts disagree there and each request is
 * answered by the text it speaks (README, "Mercure 1.0"). Rules both texts share are in publish-input.ts.
 * @module
 */
import { bearerChallenge } from '../auth/index.js';
import { HttpRejection } from '../http-errors.js';
import { isReserved } from '../publish-input.js';
import { hasControlCharacter } from '../topics/index.js';
import type { PublishFields } from './publish-body.js';

/** What a 1.0 publish may carry. */
export interface Mercure1PublishLimits {
  /** Longest `id`, in UTF-16 code units. */
  readonly maxIdLength: number;
  /** Longest `topic`, in UTF-16 code units. */
  readonly maxSelectorLength: number;
}

/** Any origin will do: only the path of the resolved topic is read. */
const HUB_PATH_BASE = 'http://hub.invalid/.well-known/mercure';

/** Throws the 400, 403 or 413 the 1.0 text asks for; the fields are otherwise checked as every publish is. */
export function checkMercure1Publish(fields: PublishFields, limits: Mercure1PublishLimits): void {
  const topics = fields.get('topic') ?? [];
  // spec(Mercure 1.0 §Publication): "This field MUST appear exactly once; a request carrying more than one
  // `topic` field MUST be rejected with a 400 "Bad Request" HTTP status code."
  if (topics.length !== 1)
    throw badRequest(`a Mercure 1.0 publish carries exactly one topic field, not ${topics.length}`);
  const topic = topics[0]!;
  // spec(Mercure 1.0 §Terminology): topic strings "MUST NOT contain C0 (U+0000–U+001F) or C1 (U+0080–U+009F)
  // control characters or U+007F (DEL)."
  if (hasControlCharacter(topic)) throw badRequest('topic holds a control character');
  // spec(Mercure 1.0 §Publication): "A topic addresses the reserved namespace when, after being resolved as a
  // URI reference against the hub's URL, its path component is `/.well-known/mercure` or begins with
  // `/.well-known/mercure/`, regardless of scheme or authority. (…) Hubs MUST reject publish requests violating
  // this rule with a 403" — the hub URL's path is always that one, so `mercure/x` and `./mercure` are in it.
  if (isReserved(topic, HUB_PATH_BASE))
    throw new HttpRejection(403, 'HOTLINE_HUB_FORBIDDEN', 'topics under /.well-known/mercure are reserved for the hub');
  const id = fields.get('id')?.[0];
  // spec(Mercure 1.0 §Publication): "The provided ID MUST NOT start with the `#` character" — the hub's own
  // fragment ids (`#offset`) are kept apart from publishers'.
  if (id?.startsWith('#') === true) throw badRequest('id must not start with #');
  // spec(Mercure 1.0 §Publication): "Hubs SHOULD apply implementation-defined maximums to the size of the
  // request body and to the length of individual fields. Requests exceeding any such limit MUST be rejected
  // with a 413 "Content Too Large" HTTP status code."
  if (id !== undefined && id.length > limits.maxIdLength)
    throw tooLarge(`id is longer than ${limits.maxIdLength} characters (maxIdLength)`);
  if (topic.length > limits.maxSelectorLength)
    throw tooLarge(`topic is longer than ${limits.maxSelectorLength} characters (maxSelectorLength)`);
}

function badRequest(message: string): HttpRejection {
  return new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', message, {
    headers: { 'WWW-Authenticate': bearerChallenge('invalid_request', undefined) },
  });
}

function tooLarge(message: string): HttpRejection {
  return new HttpRejection(413, 'HOTLINE_HUB_PAYLOAD_TOO_LARGE', message);
}
