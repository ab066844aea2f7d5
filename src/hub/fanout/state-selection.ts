/**
 * Which updates make up a subscriber's state: fed the log newest first, it keeps the updates a
 * {@link StateRequest} asks for and says when it has seen enough. Pure (no I/O), so the rules can be
 * tested on their own; `state.ts` reads the log and writes the result.
 * @module
 */
import { selectorMatches, type TopicSelector } from '../topics/index.js';
import type { StoredUpdate } from '../update.js';
import type { StateMode, StateRequest } from './state-request.js';

/** Selectors that share one mode: one named after an `@`, or all the others. */
interface Group {
  readonly selectors: readonly TopicSelector[];
  readonly mode: StateMode;
  /** `latest`: the topics whose newest update is chosen already. */
  readonly seen: Set<string>;
  /** `last:N`: how many updates are chosen already. */
  chosen: number;
  /**
   * `latest`: how many topics there are to see when every selector is an exact topic; `undefined` for a
   * template or `*`, which may match any number, so only the scan limit ends their search.
   */
  readonly topics: number | undefined;
}

export class StateSelection {
  readonly #groups: Group[];
  readonly #maxUpdates: number;
  /** Chosen updates, newest first. */
  readonly #chosen: StoredUpdate[] = [];

  /** `selectors`: the subscriber's, compiled; `maxUpdates`: most updates in one state (the newest kept). */
  constructor(request: StateRequest, selectors: readonly TopicSelector[], maxUpdates: number) {
    this.#maxUpdates = maxUpdates;
    const group = (members: readonly TopicSelector[], mode: StateMode): Group => ({
      selectors: members,
      mode,
      seen: new Set(),
      chosen: 0,
      topics: members.every((selector) => selector.kind === 'exact')
        ? new Set(members.map((selector) => selector.source)).size
        : undefined,
    });
    this.#groups = [];
    const others: TopicSelector[] = [];
    for (const selector of selectors) {
      const mode = request.bySelector.get(selector.source);
      if (mode === undefined) others.push(selector);
      else this.#groups.push(group([selector], mode));
    }
    if (request.others !== undefined && others.length > 0) this.#groups.push(group(others, request.others));
  }

  /**
   * Offers the next older update the subscriber may see (its private claims already checked); it is
   * chosen when any group wants it.
   */
  offer(update: StoredUpdate): void {
    let wanted = false;
    // Every group looks, even once one wanted it: each counts what it has seen.
    for (const group of this.#groups) if (this.#wants(group, update)) wanted = true;
    if (wanted) this.#chosen.push(update);
  }

  /** True once no older update could be chosen: every group is satisfied, or the cap is reached. */
  get done(): boolean {
    if (this.#chosen.length >= this.#maxUpdates) return true;
    return this.#groups.every((group) =>
      group.mode.kind === 'last' ? group.chosen >= group.mode.count : group.seen.size === group.topics,
    );
  }

  /** The chosen updates in log order (oldest first), as they are to be sent. */
  updates(): StoredUpdate[] {
    return [...this.#chosen].reverse();
  }

  #wants(group: Group, update: StoredUpdate): boolean {
    const { mode } = group;
    if (mode.kind === 'last') {
      if (group.chosen >= mode.count || !matchesGroup(group, update.topics)) return false;
      group.chosen++;
      return true;
    }
    // `latest`: chosen when it is the newest update of one of its topics the group matches. Topics are
    // remembered only for chosen updates, so memory stays within maxUpdates × topics per update.
    let newest = false;
    const matched: string[] = [];
    for (const topic of update.topics) {
      if (!group.selectors.some((selector) => selectorMatches(selector, topic))) continue;
      matched.push(topic);
      if (!group.seen.has(topic)) newest = true;
    }
    if (!newest) return false;
    for (const topic of matched) group.seen.add(topic);
    return true;
  }
}

function matchesGroup(group: Group, topics: readonly string[]): boolean {
  return topics.some((topic) => group.selectors.some((selector) => selectorMatches(selector, topic)));
}
