import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connect, ERROR_BODY_MAX_BYTES, HttpError, type ServerReason } from '../../src/client/index.js';
import { startHub } from '../fixtures/hub.js';
import { startTestServer } from '../fixtures/sse-test-server.js';

const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8' };

/** Rejects unless `error` is an HttpError with this status and reason. */
function refusedWith(status: number, reason: ServerReason | undefined) {
  return (error: unknown) => {
    assert.ok(error instanceof HttpError, String(error));
    assert.equal(error.code, 'HOTLINE_CLIENT_HTTP_ERROR');
    assert.equal(error.status, status);
    assert.deepEqual(error.reason, reason);
    assert.equal(error.serverCode, reason?.code);
    assert.equal(error.serverMessage, reason?.message);
    const said =
      reason === undefined ? '' : `: ${reason.message}${reason.code === undefined ? '' : ` (${reason.code})`}`;
    assert.equal(error.message, `the server at ${error.url} answered ${status}${said}`);
    return true;
  };
}

describe('connect(): the reason of a refusal', () => {
  test('a 401 with a JSON error body rejects with the server’s message and code, after one request', async () => {
    const server = await startTestServer((_req, res) =>
      res
        .writeHead(401, JSON_TYPE)
        .end(JSON.stringify({ error: { code: 'HOTLINE_HUB_UNAUTHORIZED', message: 'the token has expired' } })),
    );
    try {
      const connection = connect(server.url, { reconnect: { minDelayMs: 1, maxDelayMs: 5 } });
      await assert.rejects(
        connection.done,
        refusedWith(401, { message: 'the token has expired', code: 'HOTLINE_HUB_UNAUTHORIZED' }),
      );
      assert.equal(server.requests.length, 1);
    } finally {
      await server.close();
    }
  });

  test('the common body shapes {"error":"…"} and {"message","code"} give a reason too', async () => {
    const bodies: [unknown, ServerReason][] = [
      [{ error: 'Forbidden topic' }, { message: 'Forbidden topic' }],
      [
        { message: 'token revoked', code: 'E_REVOKED' },
        { message: 'token revoked', code: 'E_REVOKED' },
      ],
    ];
    for (const [body, reason] of bodies) {
      const server = await startTestServer((_req, res) =>
        res.writeHead(403, { 'Content-Type': 'application/problem+json' }).end(JSON.stringify(body)),
      );
      try {
        await assert.rejects(connect(server.url).done, refusedWith(403, reason));
      } finally {
        await server.close();
      }
    }
  });

  test('a body that is not a JSON reason leaves only the status: plain text, malformed, empty, too large', async () => {
    const answers: [Record<string, string>, string][] = [
      [{ 'Content-Type': 'text/plain' }, 'HOTLINE_HUB_UNAUTHORIZED: no'],
      [JSON_TYPE, '{"error":'],
      [JSON_TYPE, '{"error":{"message":""}}'],
      [JSON_TYPE, '[1,2]'],
      [JSON_TYPE, JSON.stringify({ error: { message: 'x'.repeat(ERROR_BODY_MAX_BYTES) } })],
    ];
    for (const [headers, body] of answers) {
      const server = await startTestServer((_req, res) => res.writeHead(401, headers).end(body));
      try {
        await assert.rejects(connect(server.url).done, refusedWith(401, undefined));
      } finally {
        await server.close();
      }
    }
  });

  test('an error body that never ends is given up on: the status still arrives', async () => {
    const server = await startTestServer((_req, res) => {
      res.writeHead(401, JSON_TYPE);
      res.write('{"error":{"message":"never finished');
    });
    try {
      await assert.rejects(connect(server.url).done, refusedWith(401, undefined));
    } finally {
      await server.close();
    }
  });

  test('a 503 with a reason is still retried, and onRetry sees the reason', async () => {
    const server = await startTestServer((_req, res, attempt) => {
      if (attempt === 1) {
        res.writeHead(503, JSON_TYPE).end(JSON.stringify({ error: { message: 'the log is unavailable' } }));
        return;
      }
      res.writeHead(204).end();
    });
    const reasons: (ServerReason | undefined)[] = [];
    try {
      const connection = connect(server.url, {
        reconnect: { minDelayMs: 1, maxDelayMs: 5 },
        onRetry: (error) => reasons.push(error instanceof HttpError ? error.reason : undefined),
      });
      await connection.done;
      assert.deepEqual(reasons, [{ message: 'the log is unavailable' }]);
      assert.equal(server.requests.length, 2);
    } finally {
      await server.close();
    }
  });

  test('every connection sharing a refused stream gets the reason', async () => {
    const server = await startTestServer((_req, res) =>
      res.writeHead(401, JSON_TYPE).end(JSON.stringify({ error: { message: 'who are you?' } })),
    );
    try {
      const connections = [0, 1].map(() => connect(server.url, { share: { name: 'refused-feed' } }));
      for (const connection of connections) {
        await assert.rejects(connection.done, refusedWith(401, { message: 'who are you?' }));
      }
    } finally {
      await server.close();
    }
  });

  test('a Hotline hub’s own reason reaches the client when the request accepts JSON', async () => {
    const running = await startHub();
    try {
      const connection = connect(`${running.endpoint}?topic=/x`, {
        headers: { Authorization: 'Bearer not-a-jwt', Accept: 'text/event-stream, application/json;q=0.5' },
      });
      await assert.rejects(connection.done, (error: unknown) => {
        assert.ok(error instanceof HttpError);
        assert.equal(error.status, 401);
        assert.equal(error.reason?.code, 'HOTLINE_HUB_UNAUTHORIZED');
        assert.ok((error.reason?.message ?? '') !== '', 'a reason');
        return true;
      });
    } finally {
      await running.close();
    }
  });
});
