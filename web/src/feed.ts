/**
 * The demo's one subscription to the hub, through `hotline/client`'s `connect()`: every panel reads the
 * same stream, and the tabs of one browser share it (one tab holds the connection and relays each event
 * to the others), so ten open tabs still use one HTTP connection of the six HTTP/1.1 allows per host.
 * The first connection asks for state (the newest price, the last headlines…), so the panels are full at
 * once; reconnection resumes with `Last-Event-ID` (across a hub restart too). Every event id is checked against
 * the ids seen, so a duplicate is counted on the page (`data-duplicates`) rather than hidden.
 * @module
 */
import { connect } from '../../src/client/index.js';
import type { StateValue } from '../../src/protocol/index.js';

export type FeedState = 'connecting' | 'open' | 'reconnecting';

export interface FeedOptions {
  /** Topic selectors to subscribe to. */
  topics: readonly string[];
  /** The state asked for on the first connection (docs/state-on-subscribe.md), so panels fill at once. */
  state?: readonly StateValue[];
  /** Tabs that give the same name share one connection; name it after what decides the stream (the user). */
  shareName: string;
  onEvent(type: string, data: string, id: string): void;
  onState(state: FeedState): void;
}

const HUB = '/.well-known/mercure';
const seenIds = new Set<string>();
let duplicates = 0;
let received = 0;

function record(id: string): boolean {
  received++;
  document.body.dataset.received = String(received);
  if (id === '') return true;
  if (seenIds.has(id)) {
    duplicates++;
    document.body.dataset.duplicates = String(duplicates);
    return false;
  }
  seenIds.add(id);
  return true;
}

/** Opens the feed; returns the function that closes it. */
export function openFeed(options: FeedOptions): () => void {
  const url = new URL(HUB, location.href);
  for (const topic of options.topics) url.searchParams.append('topic', topic);
  document.body.dataset.duplicates ??= '0';
  let state: FeedState = 'connecting';
  const setState = (next: FeedState) => {
    if (next === state) return;
    state = next;
    options.onState(next);
  };
  options.onState(state);
  const controller = new AbortController();
  const connection = connect(url, {
    signal: controller.signal,
    share: { name: `${options.shareName} ${url.search}` },
    ...(options.state === undefined ? {} : { state: options.state }),
    // Only the leading tab opens a connection; it relays its open and retry to the others.
    onOpen: () => setState('open'),
    onRetry: () => setState('reconnecting'),
    onEvent(event) {
      setState('open');
      if (!record(event.lastEventId)) return;
      options.onEvent(event.type, event.data, event.lastEventId);
    },
  });
  connection.done.catch(() => setState('reconnecting'));
  return () => controller.abort();
}

/** Parses JSON sent by the demo publisher; `undefined` for anything else (a publish from the dashboard form). */
export function parseJson(data: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(data);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** `document.createElement` with text and attributes, so no HTML string is ever built from event data. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`#${id} is missing from the page`);
  return element as T;
}
