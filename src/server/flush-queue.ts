/**
 * Per-turn coalescing: everything written to a session during one event-loop turn leaves in ONE socket
 * write at the end of the turn. Broadcasting 10 events to 10,000 subscribers in a turn costs 10,000
 * writes, not 100,000 (measured ~3× more deliveries/s at 10k subscribers, `npm run bench:server`).
 * `setImmediate` runs after the turn's I/O callbacks, so publishes that arrive together leave together.
 *
 * Flushing yields: the queue is flushed in slices of about {@link SLICE_MS}, with the event loop's I/O
 * between them. A broadcast to 10,000 streams costs ~30 ms of socket writes; held in one piece, the next
 * publish waits for all of it and then costs 10,000 writes of its own. In slices, a publish that arrives
 * meanwhile joins the queues of the streams not yet flushed, and each of those gets one write holding both
 * — the batching that load creates. A queue that fits in one slice (every light load) is flushed exactly as
 * before: in the turn's one `setImmediate`, no added delay, no timer.
 * @module
 */

interface Flushable {
  flush(): void;
  /** Set while the target waits in the queue, so that scheduling it again costs a property read. */
  flushScheduled: boolean;
}

/**
 * How long one slice may write before it yields to I/O, in ms. With one publish in flight at 1,000
 * subscribers × 64 B (a ~3 ms fan-out), 2 ms slices gave 1.1–1.4× nchan's deliveries/s, 1 ms 1.7–2.3×,
 * 0.5 ms 2.7–2.8×; light-load latency did not move. Shorter slices let the hub run further ahead of readers
 * that cannot keep up (1,000 × 4 KB: p99 0.1 s at 2 ms, 0.5–2 s at 1 ms; at 0.5 ms one run closed slow
 * consumers), so 1 ms is the default (docs/benchmarks-method.md).
 */
export const SLICE_MS = 1;
/** The clock is read once per this many flushes (reading it costs more than a small flush). */
const CLOCK_EVERY = 32;

// One array read from `head`: a Set of 10,000 sessions rebuilt every turn cost more than the flushes.
let queue: Flushable[] = [];
let head = 0;
let scheduled = false;
let sliceMs = SLICE_MS;

export function scheduleFlush(target: Flushable): void {
  if (target.flushScheduled) return;
  target.flushScheduled = true;
  queue.push(target);
  if (scheduled) return;
  scheduled = true;
  setImmediate(flushSlice);
}

/** For tests: the slice length (0 yields after every {@link CLOCK_EVERY} flushes). Returns the previous one. */
export function setFlushSliceMs(ms: number): number {
  const previous = sliceMs;
  sliceMs = ms;
  return previous;
}

function flushSlice(): void {
  scheduled = false;
  // Targets scheduled by these flushes themselves wait for the next slice, as they waited for the next turn.
  const stop = queue.length;
  const start = performance.now();
  let i = head;
  try {
    while (i < stop) {
      const target = queue[i++]!;
      target.flushScheduled = false;
      target.flush();
      if (i % CLOCK_EVERY === 0 && performance.now() - start >= sliceMs) break;
    }
  } finally {
    // Also after a flush that threw: the rest stay queued and scheduled, never stranded.
    head = i;
    if (head === queue.length) {
      queue.length = 0;
      head = 0;
    } else {
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      if (!scheduled) {
        scheduled = true;
        setImmediate(flushSlice);
      }
    }
  }
}
