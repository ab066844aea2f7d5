/**
 * The page at `/`, so a browser pointed at the hub lands somewhere useful.
 * @module
 */
import type { ServerResponse } from 'node:http';

export function sendHomePage(res: ServerResponse, subscribers: number): void {
  const body = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hotline hub</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;color:#111}code{background:#f2f2f2;padding:.1rem .3rem}</style>
</head>
<body>
<h1>Hotline hub</h1>
<p>This is a <a href="https://mercure.rocks/spec">Mercure</a>-protocol hub: Server-Sent Events with history, resume and JWT authorization.</p>
<p>Connected subscribers: <strong>${subscribers}</strong></p>
<ul>
<li>Subscribe: <code>GET /.well-known/mercure?topic=&lt;selector&gt;</code> with <code>Accept: text/event-stream</code></li>
<li>Publish: <code>POST /.well-known/mercure</code> with a form body <code>topic=…&amp;data=…</code> and a publisher JWT</li>
</ul>
</body>
</html>
`;
  res.writeHead(200, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(body);
}
