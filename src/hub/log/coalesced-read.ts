/**
 * Coalesced reads for the shared engines: a connect storm of 10,000 subscribers asks the log for its
 * newest update 10,000 times in the same second, and as many queued Redis or NATS commands pass their
 * timeout (the subscribers got 503s). Callers that arrive while a read is in flight wait for the NEXT read,
 * which starts after they arrived, so each gets an answer at least as new as a call of its own would have
 * been — never a value read before it asked — and the engine sees at most two reads at a time.
 * @module
 */

const ignore = (): void => {};

/** `read`, coalesced: one read in flight, and at most one more shared by everyone who came meanwhile. */
export function coalescedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  let next: Promise<T> | undefined;
  const start = (): Promise<T> => {
    const running = read();
    inFlight = running;
    const done = (): void => {
      if (inFlight === running) inFlight = undefined;
    };
    running.then(done, done);
    return running;
  };
  return () => {
    if (inFlight === undefined) return start();
    next ??= inFlight.then(ignore, ignore).then(() => {
      next = undefined;
      return start();
    });
    return next;
  };
}
