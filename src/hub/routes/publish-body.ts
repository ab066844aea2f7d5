/**
 * Reading and decoding a publish request body: bounded in size, strict UTF-8, form or JSON. Nothing is
 * replaced with U+FFFD: a body that is not valid UTF-8 is refused, never stored altered.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { HttpRejection } from '../http-errors.js';
import { jsonTextTooDeep, MAX_JSON_DEPTH } from '../json-depth.js';

/** The publish fields, as sent: every field a list (only `topic` may repeat). */
export type PublishFields = Map<string, string[]>;

/** Reads the whole body, refusing it with 413 once it passes `maxBytes`. */
export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

function tooLarge(maxBytes: number): HttpRejection {
  return new HttpRejection(413, 'HOTLINE_HUB_PAYLOAD_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new HttpRejection(400, 'HOTLINE_HUB_INVALID_UTF8', 'the body is not valid UTF-8');
  }
}

/** Parses a body by its `Content-Type`. */
export function parsePublishBody(contentType: string | undefined, body: Uint8Array): PublishFields {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') return parseForm(decodeUtf8(body));
  if (mediaType === 'application/json') return parseJson(decodeUtf8(body));
  throw new HttpRejection(
    415,
    'HOTLINE_HUB_UNSUPPORTED_MEDIA_TYPE',
    'publish with Content-Type application/x-www-form-urlencoded (or application/json)',
  );
}

/**
 * `application/x-www-form-urlencoded`, decoded by hand rather than with `URLSearchParams`, which turns
 * percent-encoded bytes that are not UTF-8 into U+FFFD silently; `decodeURIComponent` refuses them.
 */
export function parseForm(text: string): PublishFields {
  const fields: PublishFields = new Map();
  if (text === '') return fields;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeFormComponent(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decodeFormComponent(pair.slice(eq + 1));
    const list = fields.get(name);
    if (list === undefined) fields.set(name, [value]);
    else list.push(value);
  }
  return fields;
}

function decodeFormComponent(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    throw new HttpRejection(400, 'HOTLINE_HUB_INVALID_UTF8', 'a form field is not valid percent-encoded UTF-8');
  }
}

/**
 * The JSON convenience form: `{ "topic": "…" | ["…"], "data": "…" | any JSON, "private": true, "id",
 * "type", "retry" }`. Non-string `data` is stored as its JSON text.
 */
function parseJson(text: string): PublishFields {
  if (jsonTextTooDeep(text)) {
    throw new HttpRejection(
      400,
      'HOTLINE_HUB_JSON_TOO_DEEP',
      `the JSON body nests deeper than ${MAX_JSON_DEPTH} arrays/objects`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('the body is not valid JSON');
  }
  // The text is well-formed (strict UTF-8), so only a \u escape can make a lone surrogate.
  if (text.includes('\\u') && holdsLoneSurrogate(body)) {
    throw new HttpRejection(
      400,
      'HOTLINE_HUB_INVALID_UTF8',
      'the JSON body holds a lone UTF-16 surrogate (\\uD800-\\uDFFF)',
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw badRequest('the JSON body must be an object');
  const fields: PublishFields = new Map();
  for (const [name, value] of Object.entries(body)) {
    if (name === 'topic') {
      const topics = Array.isArray(value) ? value : [value];
      if (!topics.every((topic) => typeof topic === 'string'))
        throw badRequest('topic must be a string or an array of strings');
      fields.set('topic', topics as string[]);
    } else if (name === 'data') {
      fields.set('data', [typeof value === 'string' ? value : JSON.stringify(value)]);
    } else if (name === 'private') {
      if (typeof value !== 'boolean') throw badRequest('private must be a boolean');
      if (value) fields.set('private', ['on']);
    } else if (name === 'retry') {
      if (typeof value !== 'number' && typeof value !== 'string') throw badRequest('retry must be a number');
      fields.set('retry', [String(value)]);
    } else if (value !== undefined && value !== null) {
      if (typeof value !== 'string') throw badRequest(`${name} must be a string`);
      fields.set(name, [value]);
    }
  }
  return fields;
}

/** With the `u` flag a surrogate class matches only unpaired surrogates: a pair is one code point. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A `\ud800` escape without its pair parses to a string no UTF-8 can carry, which would go out to
 * subscribers as U+FFFD: the update altered. Keys count too (they end up in stored data). Iterative, after
 * the depth check; a walk after parsing costs a fraction of a `JSON.parse` reviver (5x parse, measured).
 */
function holdsLoneSurrogate(value: unknown): boolean {
  const pending = [value];
  while (pending.length > 0) {
    const next = pending.pop();
    if (typeof next === 'string') {
      if (LONE_SURROGATE.test(next)) return true;
    } else if (typeof next === 'object' && next !== null) {
      for (const [key, child] of Object.entries(next)) {
        if (LONE_SURROGATE.test(key)) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

function badRequest(message: string): HttpRejection {
  return new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', message);
}
