/**
 * State on subscribe (a Hotline extension to Mercure): the `state` query parameter, parsed and checked.
 *
 * A subscriber with no `Last-Event-ID` may ask for the current state of what it subscribes to instead of
 * nothing: `state=latest` (the newest update of each topic its selectors match: tickers, scores) or
 * `state=last:N` (the newest N updates its selectors match: a news feed). A value may name one of the
 * request's `topic` selectors after an `@` to apply to that selector only, e.g.
 * `topic=/stocks/{symbol}&topic=/news&state=latest&state=last:10@/news`.
 *
 * The name is one neither Mercure text uses: 0.x names `topic`, `lastEventID` and `authorization`, 1.0
 * adds `access_token` and reserves the whole `match*` prefix; a Mercure client never sends `state`, so it
 * sees no difference.
 * @module
 */
import { STATE_PARAMETER } from '../../protocol/index.js';
import { HttpRejection } from '../http-errors.js';

/** What state one selector (or all of them) asks for. */
export type StateMode = { readonly kind: 'latest' } | { readonly kind: 'last'; readonly count: number };

/** A parsed `state` request: a mode per selector that names one, and one for the others. */
export interface StateRequest {
  readonly kind: 'state';
  /** Modes of the selectors named after an `@`, by selector as sent. */
  readonly bySelector: ReadonlyMap<string, StateMode>;
  /** The mode of every selector not named above, if any. */
  readonly others: StateMode | undefined;
}

const LAST = /^last:([1-9][0-9]{0,9})$/;

/**
 * The state request of a subscribe, or `undefined` when it asks for none. Throws a 400 for a value that
 * is not `latest` or `last:N` with 1 ≤ N ≤ `maxUpdates`, names a selector the request does not subscribe
 * to, or repeats one.
 */
export function parseStateRequest(
  params: URLSearchParams,
  selectors: readonly string[],
  maxUpdates: number,
): StateRequest | undefined {
  const values = params.getAll(STATE_PARAMETER);
  if (values.length === 0) return undefined;
  // Each value names a distinct selector or none, so more values than that is a repeat: refused before
  // any of them is looked at.
  if (values.length > selectors.length + 1) throw bad(`at most one ${STATE_PARAMETER} value per topic, plus one`);
  const subscribed = new Set(selectors);
  const bySelector = new Map<string, StateMode>();
  let others: StateMode | undefined;
  for (const value of values) {
    const at = value.indexOf('@');
    const mode = parseMode(at === -1 ? value : value.slice(0, at), maxUpdates);
    if (at === -1) {
      if (others !== undefined) throw bad(`only one ${STATE_PARAMETER} value without @selector`);
      others = mode;
      continue;
    }
    const selector = value.slice(at + 1);
    if (!subscribed.has(selector)) throw bad(`${STATE_PARAMETER} names a selector that is not a topic parameter`);
    if (bySelector.has(selector)) throw bad(`${STATE_PARAMETER} names the same selector twice`);
    bySelector.set(selector, mode);
  }
  return { kind: 'state', bySelector, others };
}

function parseMode(text: string, maxUpdates: number): StateMode {
  if (text === 'latest') return { kind: 'latest' };
  const count = LAST.exec(text)?.[1];
  if (count === undefined) throw bad(`${STATE_PARAMETER} must be latest or last:N, optionally followed by @selector`);
  if (Number(count) > maxUpdates) throw bad(`${STATE_PARAMETER}=last:N allows at most N=${maxUpdates}`);
  return { kind: 'last', count: Number(count) };
}

function bad(message: string): HttpRejection {
  return new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', message);
}
