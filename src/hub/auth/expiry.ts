/**
 * Closing streams when the credential that opened them expires, with ONE timer for every stream of the
 * process: a min-heap of deadlines, and a single unref'd timeout armed for the earliest. 15,000 subscribers
 * with tokens mean 15,000 heap entries, not 15,000 timers.
 * @module
 */

/** Node refuses (and turns into 1 ms) a timeout longer than this; a far deadline is reached in steps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

interface Entry {
  readonly at: number;
  readonly close: () => void;
  cancelled: boolean;
}

/** What {@link createExpiryTimers} returns. */
export interface ExpiryTimers {
  /**
   * Runs `close` at `at` (ms since the epoch), or on the next turn when `at` has passed. Returns the
   * cancel function, to call when the stream closes first; cancelling twice is harmless.
   */
  schedule(at: number, close: () => void): () => void;
  /** Streams still waiting for their deadline. */
  readonly size: number;
  /** Entries held, cancelled ones not yet dropped included: what the memory bound is about. */
  readonly heldEntries: number;
}

/**
 * A closure over one min-heap and one timer, so no caller can reach them; it is longer than 80 lines only
 * because it holds the heap's short operations (push, pop, swap, fire, arm, schedule: none over 25 lines).
 */
export function createExpiryTimers(now: () => number = Date.now): ExpiryTimers {
  const heap: Entry[] = [];
  let live = 0;
  let timer: NodeJS.Timeout | undefined;
  let armedFor = Number.POSITIVE_INFINITY;

  function push(entry: Entry): void {
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (at(parent) <= at(i)) break;
      swap(i, parent);
      i = parent;
    }
  }

  function pop(): Entry | undefined {
    const top = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const smallest = left + 1 < heap.length && at(left + 1) < at(left) ? left + 1 : left;
      if (smallest >= heap.length || at(i) <= at(smallest)) break;
      swap(i, smallest);
      i = smallest;
    }
    return top;
  }

  const at = (i: number): number => heap[i]?.at ?? Number.POSITIVE_INFINITY;
  function swap(i: number, j: number): void {
    const a = heap[i] as Entry;
    heap[i] = heap[j] as Entry;
    heap[j] = a;
  }

  /** Closes everything due, drops cancelled entries off the top, and re-arms for the next deadline. */
  function fire(): void {
    timer = undefined;
    armedFor = Number.POSITIVE_INFINITY;
    const due: Entry[] = [];
    const time = now();
    while (heap.length > 0 && (heap[0]?.cancelled || at(0) <= time)) {
      const entry = pop() as Entry;
      if (!entry.cancelled) due.push(entry);
    }
    arm();
    // Closing runs the stream's close listeners, which cancel (a no-op by now) and may schedule: the heap
    // is consistent before any of them runs.
    for (const entry of due) {
      entry.cancelled = true;
      live--;
      entry.close();
    }
  }

  function arm(): void {
    while (heap.length > 0 && heap[0]?.cancelled) pop();
    const next = at(0);
    if (next >= armedFor) return;
    clearTimeout(timer);
    armedFor = next;
    timer = setTimeout(fire, Math.min(MAX_TIMEOUT_MS, Math.max(0, next - now())));
    // A pending expiry must not keep a process alive that has nothing else to do.
    timer.unref();
  }

  return {
    schedule(deadline, close) {
      const entry: Entry = { at: deadline, close, cancelled: false };
      push(entry);
      live++;
      arm();
      return () => {
        if (entry.cancelled) return;
        entry.cancelled = true;
        live--;
        // Cancelled entries stay in the heap until they reach the top (removal from the middle is not
        // worth the code), but churn under long-lived tokens must not grow it: once they are the majority,
        // rebuild it from the live ones (a sorted array is a heap). The armed timer stays: at worst early.
        if (live === 0) {
          heap.length = 0;
          clearTimeout(timer);
          timer = undefined;
          armedFor = Number.POSITIVE_INFINITY;
        } else if (heap.length > 2 * live + 64) {
          const kept = heap.filter((e) => !e.cancelled).sort((a, b) => a.at - b.at);
          heap.length = 0;
          for (const entry of kept) heap.push(entry);
        }
      };
    },
    get size() {
      return live;
    },
    get heldEntries() {
      return heap.length;
    },
  };
}

/**
 * The process's one set of expiry timers, shared by every hub and stream in it: entries are removed when
 * their stream closes, so hubs that come and go (tests, several hubs in one process) leave nothing behind.
 */
export const streamExpiry: ExpiryTimers = createExpiryTimers();
