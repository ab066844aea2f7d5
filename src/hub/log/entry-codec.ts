/**
 * The stored form of an update in the engine backends (Redis entries, NATS messages): compact JSON of
 * every field but the position, which the engine assigns. Both engines use it, so they hold the same
 * bytes and one decoder checks what comes back from storage shared with other processes.
 * @module
 */
import { HotlineError } from '../../errors.js';
import type { NewUpdate, StoredUpdate } from '../update.js';

interface Wire {
  i: string;
  t: string[];
  d: string;
  p: boolean;
  y?: string;
  r?: number;
  a: number;
}

/** Serializes everything but the position; absent optional fields are left out, not stored as null. */
export function encodeUpdate(update: NewUpdate): string {
  const wire: Wire = { i: update.id, t: [...update.topics], d: update.data, p: update.private, a: update.publishedAt };
  if (update.type !== undefined) wire.y = update.type;
  if (update.retry !== undefined) wire.r = update.retry;
  return JSON.stringify(wire);
}

/**
 * Parses a stored update. Storage is shared with other processes (and operators), so a malformed entry
 * is reported as a typed error naming its position instead of reaching subscribers half-formed.
 */
export function decodeUpdate(json: string, position: number): StoredUpdate {
  let wire: Partial<Wire>;
  try {
    wire = JSON.parse(json) as Partial<Wire>;
  } catch (cause) {
    throw corrupt(position, cause);
  }
  const ok =
    typeof wire === 'object' &&
    wire !== null &&
    typeof wire.i === 'string' &&
    Array.isArray(wire.t) &&
    wire.t.every((topic) => typeof topic === 'string') &&
    typeof wire.d === 'string' &&
    typeof wire.p === 'boolean' &&
    typeof wire.a === 'number' &&
    (wire.y === undefined || typeof wire.y === 'string') &&
    (wire.r === undefined || typeof wire.r === 'number');
  if (!ok) throw corrupt(position);
  return {
    id: wire.i as string,
    topics: wire.t as string[],
    data: wire.d as string,
    private: wire.p as boolean,
    type: wire.y,
    retry: wire.r,
    publishedAt: wire.a as number,
    position,
  };
}

function corrupt(position: number, cause?: unknown): HotlineError {
  return new HotlineError('HOTLINE_HUB_STORAGE_UNAVAILABLE', `the stored update at position ${position} is malformed`, {
    cause,
  });
}
