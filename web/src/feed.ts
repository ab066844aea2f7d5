/**
 * One subscription to the hub through the browser's own `EventSource`, kept alive across hub restarts:
 * the browser resumes with `Last-Event-ID` by itself while it can; when it gives up (the hub answered an
 * error while restarting), the feed opens a new `EventSource` with Mercure's `lastEventID` query parameter
 * so it still catches up from the last event seen — no gap. Every event id is checked against the ids seen,
 * so a duplicate is counted on the page (`data-duplicates`) rather than hidden.
 * @module
 */

export type FeedState = 'connecting' | 'open' | 'reconnecting';

export interface FeedOptions {
  /** Topic selectors to subscribe to. */
  topics: readonly string[];
  /** Event types to listen to (`message` is always included). */
  types: readonly string[];
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
  let source: EventSource | undefined;
  let lastEventId = '';
  let retryMs = 1000;
  let timer: number | undefined;
  let closed = false;
  document.body.dataset.duplicates ??= '0';

  function connect(): void {
    const url = new URL(HUB, location.href);
    for (const topic of options.topics) url.searchParams.append('topic', topic);
    if (lastEventId !== '') url.searchParams.set('lastEventID', lastEventId);
    const current = new EventSource(url);
    source = current;
    options.onState(lastEventId === '' ? 'connecting' : 'reconnecting');
    current.onopen = () => {
      retryMs = 1000;
      options.onState('open');
    };
    current.onerror = () => {
      if (current.readyState === EventSource.CLOSED) {
        // The browser stopped for good (a non-200 answer): come back ourselves, a little later each time.
        options.onState('reconnecting');
        if (!closed) timer = window.setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 10_000);
      } else {
        options.onState('reconnecting');
      }
    };
    const listener = (event: MessageEvent<string>) => {
      if (event.lastEventId !== '') lastEventId = event.lastEventId;
      if (!record(event.lastEventId)) return;
      options.onEvent(event.type, event.data, event.lastEventId);
    };
    for (const type of new Set(['message', ...options.types])) current.addEventListener(type, listener);
  }

  connect();
  return () => {
    closed = true;
    window.clearTimeout(timer);
    source?.close();
  };
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
