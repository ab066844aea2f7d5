/**
 * `node --import tsx bench/server/session-queue.ts` — the session's fan-out hot path without sockets:
 * one channel, 10,000 sessions on sinks that take every byte, 10 broadcasts per event-loop turn, so what
 * is timed is queueing, byte budgets and the per-turn flush. Prints the best of 7 rounds in CPU time (the
 * machine is shared: wall time would count other processes), per delivery, plus a `'conflate'` round where
 * a sink refuses bytes and every write replaces a queued value.
 * 2026-12-07, queue moved out of session.ts into send-queue.ts (3 interleaved runs each, quiet machine):
 * broadcast 290-302 ns/delivery before, 293-324 after (noise); conflate 1292-1559 ns/write before,
 * 1249-1341 after; heap 938 B/session before, 619 after (the two maps are made on first use).
 */
import { createChannel } from '../../src/server/channel.js';
import { SseSession } from '../../src/server/session.js';
import type { Sink } from '../../src/server/types.js';

const SESSIONS = 10_000;
const EVENTS = 200;
const PER_TURN = 10;
const ROUNDS = 7;

function sink(accepts: boolean): Sink {
  return { write: () => accepts, bufferedBytes: 0, end: () => {}, abort: () => {} };
}

function cpuNs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) * 1000;
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

async function broadcastRound(): Promise<number> {
  const channel = createChannel();
  for (let i = 0; i < SESSIONS; i++) channel.subscribe(new SseSession(sink(true), undefined, { heartbeatMs: 0 }));
  await turn();
  const started = process.cpuUsage();
  for (let seq = 0; seq < EVENTS; seq++) {
    channel.broadcast(`{"s":${seq},"p":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}`);
    if ((seq + 1) % PER_TURN === 0) await turn();
  }
  await turn();
  const ns = cpuNs(started);
  channel.close();
  return ns / (SESSIONS * EVENTS);
}

async function conflateRound(): Promise<number> {
  const sessions = Array.from(
    { length: 1000 },
    () => new SseSession(sink(false), undefined, { heartbeatMs: 0, backpressure: 'conflate', maxBufferedBytes: 1024 }),
  );
  // The first flush is refused: from then on every session waits for drain and conflates.
  for (const s of sessions) s.send('warm-up');
  await turn();
  const started = process.cpuUsage();
  for (let seq = 0; seq < EVENTS; seq++) {
    for (const s of sessions) s.send(seq, { key: `k${seq % 20}` });
  }
  const ns = cpuNs(started);
  for (const s of sessions) s.close();
  return ns / (1000 * EVENTS);
}

const best = async (round: () => Promise<number>) => {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++) times.push(await round());
  return Math.min(...times);
};
console.log(`broadcast: ${(await best(broadcastRound)).toFixed(1)} ns/delivery`);
console.log(`conflate:  ${(await best(conflateRound)).toFixed(1)} ns/write`);
