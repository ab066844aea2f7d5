/**
 * The stock ticker shared by the examples: a random walk of prices broadcast on one channel, with a
 * little history so reconnecting clients resume where they left off.
 */
import { createChannel } from 'hotline/server';

export const ticker = createChannel({ history: 100 });

/** Where a run listens: `PORT` (e.g. `PORT=3001`), else any free port — each example prints its URL. */
export const port = Number(process.env.PORT ?? 0);

const prices: Record<string, number> = { ACME: 100, GLOBEX: 50, INITECH: 20 };
let sequence = 0;

/** Publishes one price per symbol; returns the timer so callers can stop it. */
export function startTicker(intervalMs = 1000): ReturnType<typeof setInterval> {
  const timer = setInterval(() => {
    for (const symbol of Object.keys(prices)) {
      prices[symbol] = Math.max(1, prices[symbol]! * (1 + (Math.random() - 0.5) / 50));
      ticker.broadcast(
        { symbol, price: Number(prices[symbol]!.toFixed(2)) },
        { event: 'price', id: String(++sequence) },
      );
    }
  }, intervalMs);
  timer.unref();
  return timer;
}
