/**
 * One watchdog for every stalled write in the process: sessions whose socket stopped taking bytes are
 * checked by a single `unref`'d interval that runs only while at least one write is stalled.
 * @module
 */

const CHECK_EVERY_MS = 100;
const stalled = new Map<symbol, { deadline: number; expire: () => void }>();
let timer: ReturnType<typeof setInterval> | undefined;

/** Calls `expire` unless the returned function is called within `timeoutMs`. */
export function watchStall(timeoutMs: number, expire: () => void): () => void {
  const id = Symbol('stall');
  stalled.set(id, { deadline: Date.now() + timeoutMs, expire });
  if (timer === undefined) {
    timer = setInterval(check, Math.min(CHECK_EVERY_MS, timeoutMs));
    timer.unref();
  }
  return () => forget(id);
}

function forget(id: symbol): void {
  stalled.delete(id);
  if (stalled.size === 0 && timer !== undefined) {
    clearInterval(timer);
    timer = undefined;
  }
}

function check(): void {
  const now = Date.now();
  for (const [id, entry] of stalled) {
    if (now < entry.deadline) continue;
    forget(id);
    entry.expire();
  }
}
