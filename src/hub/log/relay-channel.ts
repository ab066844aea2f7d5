/**
 * The one ordered, message-preserving pipe between the process that owns a log and a process that relays
 * it (`relay-owner.ts`, `relay-log.ts`): a cluster worker's IPC channel as `hotline serve --workers` uses
 * it, or a `MessagePort`. Messages arrive in the order sent — the relay's ordering rests on that. Other
 * traffic on the same pipe (prom-client's metrics requests) is told apart by the `hotline` tag.
 * @module
 */
import type { Worker } from 'node:cluster';
import type { MessagePort } from 'node:worker_threads';

/** One end of the pipe. */
export interface RelayChannel {
  send(message: RelayMessage): void;
  /** Calls `listener` with every relay message received; returns a function that stops it. */
  onMessage(listener: (message: RelayMessage) => void): () => void;
  /** Calls `listener` once when the other end is gone (process exited, port closed). */
  onClose(listener: () => void): void;
}

/** Every message of the relay protocol carries this tag. */
export const RELAY_TAG = 'hotline-relay';

export type RelayMessage =
  | {
      readonly hotline: typeof RELAY_TAG;
      readonly kind: 'request';
      readonly id: number;
      readonly op: string;
      readonly args: readonly unknown[];
    }
  | { readonly hotline: typeof RELAY_TAG; readonly kind: 'reply'; readonly id: number; readonly value: unknown }
  | {
      readonly hotline: typeof RELAY_TAG;
      readonly kind: 'failure';
      readonly id: number;
      readonly message: string;
      readonly code: string | undefined;
    }
  | { readonly hotline: typeof RELAY_TAG; readonly kind: 'updates'; readonly updates: readonly unknown[] };

export function isRelayMessage(message: unknown): message is RelayMessage {
  return typeof message === 'object' && message !== null && (message as { hotline?: unknown }).hotline === RELAY_TAG;
}

/** The channel of this process to the cluster primary (a worker's end). */
export function primaryChannel(): RelayChannel {
  if (process.send === undefined) throw new Error('this process has no IPC channel to a primary');
  return emitterChannel(process, (message) => process.send?.(message));
}

/** The primary's channel to one cluster worker. */
export function workerChannel(worker: Worker): RelayChannel {
  return emitterChannel(worker, (message) => {
    // A worker that is exiting has no channel left; what it misses, a replacement reads back from the log.
    if (worker.isConnected()) worker.send(message);
  });
}

/** A channel over a `MessagePort` (one process, two ends: tests and embedding). */
export function portChannel(port: MessagePort): RelayChannel {
  return {
    send: (message) => port.postMessage(message),
    onMessage(listener) {
      const handler = (message: unknown) => {
        if (isRelayMessage(message)) listener(message);
      };
      port.on('message', handler);
      return () => port.off('message', handler);
    },
    onClose: (listener) => port.once('close', listener),
  };
}

interface MessageEmitter {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'disconnect', listener: () => void): unknown;
}

function emitterChannel(emitter: MessageEmitter, send: (message: RelayMessage) => void): RelayChannel {
  return {
    send,
    onMessage(listener) {
      const handler = (message: unknown) => {
        if (isRelayMessage(message)) listener(message);
      };
      emitter.on('message', handler);
      return () => emitter.off('message', handler);
    },
    onClose: (listener) => emitter.once('disconnect', listener),
  };
}
