/**
 * Everyday mistakes get one line on stderr that names the thing and says what to do, and an exit code
 * (2: the command line is wrong, 1: something at run time) — never a stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type CliRun, runCli } from '../fixtures/cli-process.js';
import { selfSignedCertificate } from '../fixtures/tls.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-cli-errors-'));
  dirs.push(dir);
  return dir;
}

/** A port nothing listens on: bound, read, then released. */
async function closedPort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function listen(
  server: Server | ReturnType<typeof createNetServer> | ReturnType<typeof createHttpsServer>,
): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function assertOneLine(run: CliRun, code: number, mentions: RegExp): void {
  assert.equal(run.code, code, run.stderr);
  const lines = run.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got: ${run.stderr}`);
  assert.doesNotMatch(run.stderr, /^\s+at /m, 'no stack trace');
  assert.match(lines[0]!, mentions);
}

describe('the hotline CLI on everyday mistakes', () => {
  test('serve on a port in use says which port and how to pick another (exit 1)', async () => {
    const blocker = createNetServer();
    const port = await listen(blocker);
    try {
      const run = await runCli([
        'serve',
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
        '--data-dir',
        tempDir(),
        '--log-level',
        'error',
      ]);
      assertOneLine(run, 1, new RegExp(`port ${port} is in use .*--port N$`));
      // `npm start` runs `hotline serve --dev`: there, flags go after `--`.
      const args = ['serve', '--port', String(port), '--data-dir', tempDir(), '--log-level', 'error'];
      const viaNpm = await runCli(args, { env: { npm_lifecycle_event: 'start' } });
      assertOneLine(viaNpm, 1, /\(npm start -- --port N\)$/);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  test('serve with a SQLite path that cannot be created fails at once, naming the path (exit 1)', async () => {
    const run = await runCli(['serve', '--port', '0', '--log', 'sqlite:/proc/nope/x.db', '--log-level', 'error']);
    assertOneLine(run, 1, /\/proc\/nope\/x\.db/);
  });

  test('serve with a data dir that is a file names the database path (exit 1)', async () => {
    const file = join(tempDir(), 'not-a-dir');
    writeFileSync(file, '');
    const run = await runCli(['serve', '--port', '0', '--data-dir', file, '--log-level', 'error']);
    assertOneLine(run, 1, new RegExp(`${file}/hotline\\.db`));
  });

  test('publish to a hub that is down names the URL (exit 1)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/.well-known/mercure`;
    const run = await runCli(['publish', '--url', url, '-t', '/x', '-d', 'hi']);
    assertOneLine(run, 1, new RegExp(`cannot reach ${url}`));
  });

  test('publish to a port that closes every connection at once gets one line and exit 1, never a silent 13', async () => {
    // Node 20's fetch may never settle here (a port forward with nothing behind it does this).
    const server = createNetServer((socket) => socket.destroy());
    const url = `http://127.0.0.1:${await listen(server)}/.well-known/mercure`;
    try {
      const run = await runCli(['publish', '--url', url, '-t', '/x', '-d', 'hi']);
      assertOneLine(run, 1, /hotline publish: .*(closed the connection|connection was closed).*https?:\/\//);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('publish without --data or --json is a usage error (exit 2)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/.well-known/mercure`;
    const run = await runCli(['publish', '--url', url, '-t', '/x']);
    assertOneLine(run, 2, /--data .*--json/);
  });

  test('publish with a URL that is not one is a usage error naming it (exit 2)', async () => {
    const run = await runCli(['publish', '--url', 'hub-at-home', '-t', '/x', '-d', 'hi']);
    assertOneLine(run, 2, /"hub-at-home" is not a valid URL/);
  });

  test('doctor with an invalid URL is a usage error naming it (exit 2)', async () => {
    const run = await runCli(['doctor', 'not a url']);
    assertOneLine(run, 2, /"not a url" is not a valid URL/);
  });

  test('doctor against a closed port names the URL (exit 1)', async () => {
    const url = `http://127.0.0.1:${await closedPort()}/events`;
    const run = await runCli(['doctor', url]);
    assertOneLine(run, 1, new RegExp(`cannot reach ${url} \\(ECONNREFUSED\\) .*check the URL`));
    assert.doesNotMatch(run.stderr, /--url/, 'doctor takes its URL as an argument: it has no --url');
  });

  test('http:// to an HTTPS port says to use https:// (publish and doctor, exit 1)', async () => {
    const certificate = selfSignedCertificate();
    const server = createHttpsServer({ cert: certificate.cert, key: certificate.key }, (_request, response) => {
      response.end();
    });
    try {
      const url = `http://127.0.0.1:${await listen(server)}/.well-known/mercure`;
      assertOneLine(await runCli(['publish', '--url', url, '-t', '/x', '-d', 'hi']), 1, /use https:\/\//);
      assertOneLine(await runCli(['doctor', url]), 1, /use https:\/\//);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      certificate.remove();
    }
  });

  test('subscribe to a hub that keeps failing says so once while it retries, not once per attempt', async () => {
    // Reads each request and drops the connection without an answer, as a TLS port does with plain HTTP;
    // counting them tells the test how many attempts were made.
    let attempts = 0;
    let enoughAttempts: () => void = () => {};
    const threeAttempts = new Promise<void>((resolve) => {
      enoughAttempts = resolve;
    });
    const server = createNetServer((socket) => {
      socket.once('data', () => socket.destroy());
      if (++attempts === 3) enoughAttempts();
    });
    const url = `http://127.0.0.1:${await listen(server)}/.well-known/mercure`;
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'subscribe', '--url', url, '-t', '/x']);
    const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
    try {
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      const early = await Promise.race([threeAttempts.then(() => undefined), exited]);
      assert.equal(early, undefined, `subscribe exited (${early}) before retrying three times: ${stderr}`);
      child.kill('SIGTERM');
      assert.equal(await exited, 0);
      assert.equal(stderr.trimEnd().split('\n').length, 1, `one line for ${attempts} attempts, got: ${stderr}`);
      assert.match(stderr, new RegExp(`hotline subscribe: ${url} closed the connection .*reconnecting`));
    } finally {
      child.kill('SIGKILL');
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('subscribe refuses an HTML answer, naming the URL and the content type, and suggests the hub path', async () => {
    const server = createHttpServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<!doctype html><p>dashboard');
    });
    const url = `http://127.0.0.1:${await listen(server)}`;
    try {
      const run = await runCli(['subscribe', '--url', url, '-t', '/x']);
      assertOneLine(run, 1, /text\/html.*not an event stream.*\/\.well-known\/mercure/);
      assert.match(run.stderr, new RegExp(url));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('subscribe piped into a reader that goes away exits 0 quietly (EPIPE)', async () => {
    const server = createHttpServer((_request, response) => {
      response.writeHead(200, { 'Content-Type': 'text/event-stream' });
      let n = 0;
      const timer = setInterval(() => response.write(`data: ${n++}\n\n`), 10);
      response.on('close', () => clearInterval(timer));
    });
    const url = `http://127.0.0.1:${await listen(server)}`;
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'subscribe', '--url', url, '-t', '/x']);
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk;
      });
      // Like `| head -1`: read one chunk, then close the pipe while the CLI keeps writing.
      child.stdout.once('data', () => child.stdout.destroy());
      const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
      assert.equal(stderr, '');
      assert.equal(code, 0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('an option whose value is missing (the next flag taken for it) is a usage error on one line (exit 2)', async () => {
    // What `--token "$TOKEN"` becomes when the variable is empty.
    const run = await runCli(['publish', '-t', '/x', '-d', 'hi', '--token', '--insecure']);
    assertOneLine(run, 2, /hotline publish: Option '--token' argument is ambiguous\. .*--help/);
  });

  test('an unknown option is a usage error on one line (exit 2), and --debug adds the stack trace', async () => {
    assertOneLine(await runCli(['publish', '--nope']), 2, /hotline publish: .*--help/);
    const debug = await runCli(['publish', '--nope', '--debug']);
    assert.equal(debug.code, 2);
    assert.match(debug.stderr, /^\s+at /m);
  });
});
