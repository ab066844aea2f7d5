/**
 * State for a tab that joins a shared connection (`connect(url, { share, state })`). The leader asked the
 * hub for state when it connected; a tab that joins later only hears what the leader relays from then on,
 * so its panels would stay empty until the next updates. Instead it opens a short stream of its own with
 * `state` and holds the relayed events meanwhile.
 *
 * The two streams carry the same updates in the same (log) order — same URL, same credentials — so they
 * can be joined by id. The first event both have is where they meet: the own stream delivered the state
 * up to there; a relayed event held before it is in the state or summed up by it (an older price of the
 * same ticker), so it is dropped; everything after it comes through the relay, which is complete from
 * where it started; the own stream closes. When they never meet, the hub's `: state end` comment after the
 * state ends the catch-up: every relayed event at or before the state's newest update would have met it
 * (the relay would have carried that update too), so all that is held is newer and is delivered. From then
 * on the tab follows the relay alone.
 * @module
 */
import { type ParsedEvent, STATE_END_COMMENT } from '../protocol/index.js';
import type { LoopOptions } from './connect-options.js';
import { checkResponse, StreamLoop } from './stream-loop.js';

/** An event relayed by the leader, with the id it set (`undefined`: it set none). */
interface Relayed {
  readonly event: ParsedEvent;
  readonly key: string | undefined;
}

export interface CatchUpHooks {
  /** Delivers an event to this tab (the caller's de-duplication by id applies). */
  accept(event: ParsedEvent, key: string | undefined): void;
  /** Whether this tab has delivered an event with this id. */
  delivered(key: string): boolean;
}

export class StateCatchUp {
  readonly #held: Relayed[] = [];
  readonly #hooks: CatchUpHooks;
  readonly #abort = new AbortController();
  #active = true;

  /** Starts the tab's own stream with the state request in `options`; `signal` ends it with the tab. */
  constructor(url: string, options: LoopOptions, hooks: CatchUpHooks, signal: AbortSignal) {
    this.#hooks = hooks;
    signal.addEventListener('abort', () => this.#abort.abort(), { once: true });
    const loop = new StreamLoop(
      url,
      // One attempt: should it fail, the relayed events are delivered as they would have been without it.
      // The app's onOpen/onRetry hooks saw the shared connection open already; this request is an aside.
      { ...options, reconnect: false, onOpen: checkResponse, onRetry: undefined },
      {
        lastEventId: '',
        abort: this.#abort,
        emit: (event, previousId) => {
          if (!this.#active) return;
          const key = event.lastEventId !== previousId && event.lastEventId !== '' ? event.lastEventId : undefined;
          this.#hooks.accept({ type: event.type, data: event.data, lastEventId: event.lastEventId }, key);
          this.#meet();
        },
        // The state is complete. A held event at or before its newest update would have met the own
        // stream already (`#meet`), so all that is still held is newer than the state: delivered as it is.
        comment: (text) => {
          if (text === STATE_END_COMMENT) this.finish();
        },
      },
    );
    loop.run().then(
      () => this.finish(),
      () => this.finish(),
    );
  }

  /** Holds a relayed event; returns false once the catch-up is over (the caller delivers it itself). */
  hold(event: ParsedEvent, key: string | undefined): boolean {
    if (!this.#active) return false;
    this.#held.push({ event, key });
    this.#meet();
    return true;
  }

  /** Ends the catch-up: delivers what is still held (duplicates are dropped by id) and closes the stream. */
  finish(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#abort.abort();
    for (const { event, key } of this.#held.splice(0)) this.#hooks.accept(event, key);
  }

  /** Meets the relay at the newest held event the own stream delivered too, if there is one. */
  #meet(): void {
    let meeting = -1;
    for (let i = this.#held.length - 1; i >= 0 && meeting < 0; i--) {
      const key = this.#held[i]!.key;
      if (key !== undefined && this.#hooks.delivered(key)) meeting = i;
    }
    if (meeting < 0) return;
    this.#held.splice(0, meeting + 1);
    this.finish();
  }
}
