/**
 * `/healthz` (the process answers), `/readyz` (storage reachable and not draining: send traffic here),
 * `/metrics` (Prometheus text format).
 * @module
 */
import type { ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { EventLog } from '../log/event-log.js';

export function handleHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

export async function handleReady(res: ServerResponse, log: EventLog, draining: boolean): Promise<void> {
  if (draining) return sendJson(res, 503, { status: 'draining' });
  const health = await log.health().catch((error: unknown) => ({ ok: false, detail: (error as Error).message }));
  sendJson(
    res,
    health.ok ? 200 : 503,
    health.ok ? { status: 'ready', log: log.kind } : { status: 'unavailable', log: log.kind, detail: health.detail },
  );
}

export async function handleMetrics(
  res: ServerResponse,
  registry: Registry,
  text: () => Promise<string> = () => registry.metrics(),
): Promise<void> {
  const body = await text();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}
