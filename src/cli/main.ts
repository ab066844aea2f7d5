#!/usr/bin/env node
/**
 * The `hotline` command line. Each command lives in its own module; this file only dispatches.
 * @module
 */
import { readFileSync } from 'node:fs';
import { benchCommand } from './bench.js';
import { doctorCommand } from './doctor.js';
import { describeFailure, exitQuietlyOnEpipe } from './fail.js';
import { publishCommand } from './publish.js';
import { serveCommand } from './serve.js';
import { subscribeCommand } from './subscribe.js';
import { tokenCommand } from './token.js';

interface Command {
  summary: string;
  run(args: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  serve: serveCommand,
  publish: publishCommand,
  subscribe: subscribeCommand,
  token: tokenCommand,
  doctor: doctorCommand,
  bench: benchCommand,
};

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function usage(): string {
  const width = Math.max(8, ...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`);
  return [
    `hotline ${version()} — Server-Sent Events for TypeScript, end to end`,
    '',
    'Usage: hotline <command> [options]',
    '',
    'Commands:',
    ...lines,
    `  ${'help'.padEnd(width)}  Show this help`,
    `  ${'version'.padEnd(width)}  Print the version`,
    '',
    'Run `hotline <command> --help` for the options of a command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    console.log(usage());
    return 0;
  }
  if (name === 'version' || name === '--version' || name === '-v') {
    console.log(version());
    return 0;
  }
  const command = commands[name];
  if (command === undefined) {
    console.error(`hotline: unknown command ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    const { line, exitCode } = describeFailure(name, error);
    console.error(line);
    if (debug) console.error(error);
    return exitCode;
  }
}

// `--debug` anywhere (or HOTLINE_DEBUG=1) adds the stack trace to the one-line message.
const argv = process.argv.slice(2);
const debug = argv.includes('--debug') || process.env.HOTLINE_DEBUG === '1';
exitQuietlyOnEpipe();
// Node 20's fetch can lose a request whose connection is closed as soon as it is accepted (a port forward
// with nothing behind it): its promise never settles, nothing is left to run, and Node would exit 13 in
// silence. Say what happened instead.
let settled = false;
process.once('beforeExit', () => {
  if (settled) return;
  console.error(
    `hotline ${argv[0]}: the connection was closed before any answer came — check the URL: is a hub listening there, and does it speak http:// or https://?`,
  );
  process.exit(1);
});
process.exitCode = await main(argv.filter((arg) => arg !== '--debug'));
settled = true;
