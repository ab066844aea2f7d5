/**
 * A subscriber worker: opens `connections` raw TCP connections to `GET /sub`, counts `data:` lines as
 * they arrive, and samples publish→receive latency from the `"t":<ms>` stamp of every 20th event.
 * Raw sockets, no parser: the load generator must cost far less than the server it measures.
 * Talks to the coordinator over IPC.
 */
import { connect, type Socket } from 'node:net';

interface Start {
  port: number;
  connections: number;
  expected: number;
}

const DATA = Buffer.from('data:');
// The stamp is `"t":<ms>` in a raw payload and `\"t\":<ms>` where a library JSON-encodes strings again.
const STAMP = Buffer.from('t');
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const sockets: Socket[] = [];
let received = 0;
let target = 0;
const latencies: number[] = [];

function open(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /sub HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      resolve();
    });
    let counted = 0;
    socket.on('data', (chunk: Buffer) => {
      let at = chunk.indexOf(DATA);
      while (at !== -1) {
        counted++;
        received++;
        if (counted % 20 === 0) {
          const sent = readStamp(chunk, at + DATA.length);
          if (sent !== undefined) latencies.push(Date.now() - sent);
        }
        at = chunk.indexOf(DATA, at + 5);
      }
      if (received >= target && target > 0) {
        process.send?.({ done: true, received, latencies });
        target = 0;
      }
    });
    socket.on('error', reject);
    sockets.push(socket);
  });
}

process.on('message', async (message: Start | { expect: number } | { stop: true }) => {
  if ('port' in message) {
    for (let i = 0; i < message.connections; i += 200) {
      await Promise.all(Array.from({ length: Math.min(200, message.connections - i) }, () => open(message.port)));
    }
    process.send?.({ connected: sockets.length });
  } else if ('expect' in message) {
    received = 0;
    latencies.length = 0;
    target = message.expect;
  } else {
    for (const socket of sockets) socket.destroy();
    process.exit(0);
  }
});

/** The 13-digit millisecond stamp after the first `t` following `from`, if it is whole in this chunk. */
function readStamp(chunk: Buffer, from: number): number | undefined {
  let i = chunk.indexOf(STAMP, from);
  if (i === -1) return undefined;
  while (i < chunk.length && (chunk[i]! < DIGIT_0 || chunk[i]! > DIGIT_9)) i++;
  if (i + 13 > chunk.length) return undefined;
  const value = Number(chunk.subarray(i, i + 13).toString());
  return Number.isFinite(value) ? value : undefined;
}
