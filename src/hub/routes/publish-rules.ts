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
import type { PublishFields } from './publish-body.js';

/** What a 1.0 publish may carry. */
export interface Mercure1PublishLimits {
  /** Longest `id`, in UTF-16 code units. */
  readonly maxIdLength: number;
  /** Longest `topic`, in UTF-16 code units. */
  readonly maxSelectorLength: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what it finds.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Throws the 400 or 413 the 1.0 text asks for; the fields are otherwise checked as every publish is. */
export function checkMercure1Publish(fields: PublishFields, limits: Mercure1PublishLimits): void {
  const topics = fields.get('topic') ?? [];
  // spec(Mercure 1.0 §Publication): "This field MUST appear exactly once; a request carrying more than one
  // `topic` field MUST be rejected with a 400 "Bad Request" HTTP status code."
  if (topics.length !== 1)
    throw badRequest(`a Mercure 1.0 publish carries exactly one topic field, not ${topics.length}`);
  const topic = topics[0]!;
  // spec(Mercure 1.0 §Terminology): topic strings "MUST NOT contain C0 (U+0000–U+001F) or C1 (U+0080–U+009F)
  // control characters or U+007F (DEL)."
  if (CONTROL.test(topic)) throw badRequest('topic holds a control character');
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
