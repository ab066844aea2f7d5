/**
 * Page visibility for `connect({ whenHidden: 'pause' })`: a hidden page holds no connection, a visible one
 * resumes by id. Outside browsers there is no `document`, so the page always counts as visible.
 * @module
 */

/** The part of `document` the policy reads. */
interface VisibilityTarget {
  readonly visibilityState: string;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

function page(): VisibilityTarget | undefined {
  return (globalThis as { document?: VisibilityTarget }).document;
}

function hidden(target: VisibilityTarget | undefined): boolean {
  return target?.visibilityState === 'hidden';
}

/** Resolves once the page is visible (at once when it is, or outside browsers) or `signal` aborts. */
export function whenVisible(signal: AbortSignal): Promise<void> {
  const target = page();
  if (!hidden(target) || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (hidden(target) && !signal.aborted) return;
      target?.removeEventListener('visibilitychange', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    target?.addEventListener('visibilitychange', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Calls `onHidden` once the page has stayed hidden for `graceMs` (a quick tab switch keeps the stream);
 * returns the function that stops watching.
 */
export function watchHidden(graceMs: number, onHidden: () => void): () => void {
  const target = page();
  if (target === undefined) return () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    clearTimeout(timer);
    timer = undefined;
    if (!hidden(target)) return;
    if (graceMs <= 0) onHidden();
    else timer = setTimeout(onHidden, graceMs);
  };
  target.addEventListener('visibilitychange', check);
  check();
  return () => {
    clearTimeout(timer);
    target.removeEventListener('visibilitychange', check);
  };
}
