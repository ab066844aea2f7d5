/**
 * Validation of an update before it is stored, shared by the HTTP publish route and `hub.publish()`:
 * everything that would corrupt a stream or break resume is refused here, with the field named.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { HttpRejection } from './http-errors.js';
import type { NewUpdate } from './update.js';

/** An update as a program publishes it with `hub.publish()`. */
export interface PublishInput {
  /** One topic or several; the first is canonical. */
  topics: string | readonly string[];
  /** The payload; `''` when absent. */
  data?: string;
  private?: boolean;
  /** The update id; the hub makes `urn:uuid:<v4>` when absent. */
  id?: string;
  /** The SSE event type. */
  type?: string;
  /** The SSE reconnection time, in ms. */
  retry?: number;
}

export interface PublishLimits {
  readonly maxIdLength: number;
  readonly maxTopics: number;
  /** Largest data + type + id, in UTF-8 bytes: what a client's parser holds for one event. */
  readonly maxEventBytes: number;
}

/** The path under which topics are reserved for updates the hub itself publishes. */
const RESERVED_PATH = '/.well-known/mercure';

/** Turns input into an update, or throws an {@link HttpRejection} (400/403) naming the field. */
export function toNewUpdate(input: PublishInput, limits: PublishLimits, now = Date.now()): NewUpdate {
  const topics = typeof input.topics === 'string' ? [input.topics] : [...input.topics];
  if (topics.length === 0) throw badRequest('topic is required');
  if (topics.length > limits.maxTopics) throw badRequest(`at most ${limits.maxTopics} topics per update`);
  for (const topic of topics) {
    if (topic === '') throw badRequest('topic must not be empty');
    if (isReserved(topic)) {
      throw new HttpRejection(403, 'HOTLINE_HUB_FORBIDDEN', `topics under ${RESERVED_PATH}/ are reserved for the hub`);
    }
  }
  const id = input.id ?? `urn:uuid:${randomUUID()}`;
  if (id === '') throw badRequest('id must not be empty');
  if (id.length > limits.maxIdLength) throw badRequest(`id is longer than ${limits.maxIdLength} characters`);
  if (/[\r\n\0]/.test(id)) throw badRequest('id must not contain CR, LF or NUL');
  // `earliest` means "all history" to every Mercure subscriber: an update with that id could never be resumed after.
  if (id === 'earliest') throw badRequest('id "earliest" is reserved');
  if (input.type !== undefined && /[\r\n]/.test(input.type)) throw badRequest('type must not contain CR or LF');
  if (input.retry !== undefined && (!Number.isSafeInteger(input.retry) || input.retry < 0)) {
    throw badRequest('retry must be a non-negative integer');
  }
  refuseLoneSurrogates({ topic: topics.join('\n'), data: input.data, id, type: input.type });
  refuseOversizeEvent(input.data, id, input.type, limits.maxEventBytes);
  return {
    id,
    topics,
    data: input.data ?? '',
    private: input.private ?? false,
    type: input.type === '' ? undefined : input.type,
    retry: input.retry,
    publishedAt: now,
  };
}

/** Reads form/JSON publish fields into {@link PublishInput}. */
export function fieldsToInput(fields: Map<string, string[]>): PublishInput {
  const first = (name: string) => fields.get(name)?.[0];
  const retry = first('retry');
  if (retry !== undefined && !/^[0-9]+$/.test(retry)) throw badRequest('retry must be ASCII digits');
  const input: PublishInput = { topics: fields.get('topic') ?? [], private: fields.has('private') };
  const data = first('data');
  if (data !== undefined) input.data = data;
  const id = first('id');
  if (id !== undefined) input.id = id;
  const type = first('type');
  if (type !== undefined) input.type = type;
  if (retry !== undefined) input.retry = Number.parseInt(retry, 10);
  return input;
}

/** With the `u` flag a surrogate class matches only unpaired surrogates: a pair is one code point. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A string with a lone surrogate cannot be written as UTF-8: the stream would carry U+FFFD instead, the
 * update silently altered. HTTP bodies are checked as they are decoded; this covers `hub.publish()`.
 */
function refuseLoneSurrogates(fields: Record<string, string | undefined>): void {
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && LONE_SURROGATE.test(value)) {
      throw new HttpRejection(400, 'HOTLINE_HUB_INVALID_UTF8', `${name} holds a lone UTF-16 surrogate`);
    }
  }
}

/**
 * Every client drops an event larger than its `maxEventBytes` (1 MiB by default) and reconnects — and a
 * stored one would come back on every resume, so such an update is refused here rather than stored.
 */
function refuseOversizeEvent(data: string | undefined, id: string, type: string | undefined, max: number): void {
  // UTF-8 is at most 3 bytes per UTF-16 unit: most updates are decided without encoding anything.
  const units = (data?.length ?? 0) + id.length + (type?.length ?? 0);
  if (units * 3 <= max) return;
  const bytes = Buffer.byteLength(data ?? '') + Buffer.byteLength(id) + Buffer.byteLength(type ?? '');
  if (bytes <= max) return;
  throw new HttpRejection(
    413,
    'HOTLINE_HUB_PAYLOAD_TOO_LARGE',
    `the event is ${bytes} bytes of data, type and id; clients drop events over maxEventBytes (${max})`,
  );
}

/**
 * Is `topic`'s path, resolved against `base`, in the hub's namespace? Every publish is checked against the
 * origin's root (a 0.x topic `mercure/x` is an ordinary string); a Mercure 1.0 publish also against the hub
 * URL (routes/publish-rules.ts).
 */
export function isReserved(topic: string, base = 'http://hub.invalid'): boolean {
  let path: string;
  try {
    path = new URL(topic, base).pathname;
  } catch {
    return false;
  }
  return path === RESERVED_PATH || path.startsWith(`${RESERVED_PATH}/`);
}

function badRequest(message: string): HttpRejection {
  return new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', message);
}
