/**
 * The flush queue flushes in slices and yields to I/O between them (issue N, item 1): what arrives
 * meanwhile joins the streams not yet flushed, every stream keeps its order, nothing is lost or repeated.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { scheduleFlush, setFlushSliceMs } from '../../src/server/flush-queue.js';
import { createSession, type Session } from '../../src/server/index.js';
import { openStream, type RawStream } from '../fixtures/sse-reader.js';

/** A flush target that records what each flush wrote, as a session's socket would receive it. */
class Target {
  flushScheduled = false;
  pending: number[] = [];
  writes: number[][] = [];
  write(value: number): void {
    this.pending.push(value);
    scheduleFlush(this);
  }
  flush(): void {
    this.writes.push(this.pending);
    this.pending = [];
  }
}

const nextCheck = () => new Promise<void>((resolve) => setImmediate(resolve));
const ioTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('flush queue slices', () => {
  test('any writes, across any slice boundaries: each target gets its values once, in order', async () => {
    const previous = setFlushSliceMs(0);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 200 }),
          fc.array(fc.array(fc.nat(), { maxLength: 300 }), { minLength: 1, maxLength: 6 }),
          async (targetCount, bursts) => {
            const targets = Array.from({ length: targetCount }, () => new Target());
            const written = targets.map(() => [] as number[]);
            let value = 0;
            for (const burst of bursts) {
              for (const pick of burst) {
                const k = pick % targetCount;
                targets[k]!.write(value);
                written[k]!.push(value++);
              }
              // A burst lands between slices, as a publish read from a socket would.
              await (burst.length % 2 === 0 ? nextCheck() : ioTurn());
            }
            while (targets.some((t) => t.pending.length > 0 || t.flushScheduled)) await ioTurn();
            targets.forEach((target, k) => {
              assert.deepEqual(target.writes.flat(), written[k]);
              assert.ok(
                target.writes.every((w) => w.length > 0),
                'no empty flush',
              );
            });
          },
        ),
        { numRuns: 150 },
      );
    } finally {
      setFlushSliceMs(previous);
    }
  });

  test('a write arriving while a long queue is being flushed joins the targets not yet flushed', async () => {
    const previous = setFlushSliceMs(0);
    try {
      const targets = Array.from({ length: 2_000 }, () => new Target());
      for (const target of targets) target.write(1);
      // Two check phases in: the queue has yielded twice (32 flushes per slice at slice 0), and the second
      // write lands on the targets still queued.
      await nextCheck();
      await nextCheck();
      for (const target of targets) target.write(2);
      while (targets.some((t) => t.pending.length > 0 || t.flushScheduled)) await ioTurn();
      const joined = targets.filter((t) => t.writes.length === 1).length;
      for (const target of targets) assert.deepEqual(target.writes.flat(), [1, 2]);
      assert.ok(joined > 1_000, `${joined} of 2,000 targets got both values in one write`);
    } finally {
      setFlushSliceMs(previous);
    }
  });
});

describe('sessions across slice boundaries (node:http, loopback)', () => {
  const servers: Server[] = [];
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('300 streams, publishes arriving between slices: every stream gets every event once, in order, with ids', async () => {
    const previous = setFlushSliceMs(0);
    const sessions: Session[] = [];
    const server = createServer((req, res) => sessions.push(createSession(req, res, { heartbeatMs: 0 })));
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const streams: RawStream[] = [];
    try {
      for (let i = 0; i < 300; i++) streams.push(await openStream(url));
      const events = 60;
      for (let n = 0; n < events; n++) {
        for (const session of sessions) session.send({ n }, { id: String(n), event: 'tick' });
        // Half the publishes land in the same turn as the previous one, half after a slice.
        if (n % 2 === 1) await ioTurn();
      }
      await Promise.all(streams.map((s) => s.until(() => s.events.length >= events, 10_000)));
      for (const stream of streams) {
        assert.deepEqual(
          stream.events.map((e) => e.lastEventId),
          Array.from({ length: events }, (_, n) => String(n)),
        );
        assert.deepEqual(
          stream.events.map((e) => JSON.parse(e.data).n),
          Array.from({ length: events }, (_, n) => n),
        );
      }
    } finally {
      setFlushSliceMs(previous);
      for (const stream of streams) stream.close();
    }
  });
});
