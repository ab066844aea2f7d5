/**
 * The outgoing frame: an update as every subscriber receives it, encoded once per update and shared by
 * live delivery and replay. It imports neither, so neither depends on the other.
 * @module
 */
import { encodeEvent } from '../../protocol/index.js';
import type { FramePolicy } from '../../server/index.js';
import type { StoredUpdate } from '../update.js';

/** An update ready for subscribers: its bytes, and how a lagging subscriber may treat them. */
export interface Outgoing {
  readonly frame: Uint8Array;
  readonly key?: string | undefined;
  readonly policy?: FramePolicy | undefined;
}

/** The frame of an update, as every subscriber receives it. */
export function encodeUpdate(update: StoredUpdate): Uint8Array {
  return encodeEvent({ id: update.id, event: update.type, retry: update.retry, data: update.data });
}
