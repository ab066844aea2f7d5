/**
 * `engines` tells the truth: every package the lockfile installs accepts the oldest Node that
 * package.json claims (`npm ci` on it prints no EBADENGINE). Read from package-lock.json, so it needs no
 * network and fails the moment an update pulls in a package that wants a newer Node.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';

// semver is what npm itself uses to judge `engines`; its types are not installed, so only what is used is typed.
const semver = createRequire(import.meta.url)('semver') as {
  minVersion(range: string): { version: string } | null;
  satisfies(version: string, range: string): boolean;
};

const root = new URL('../../', import.meta.url);
const read = (path: string) => JSON.parse(readFileSync(new URL(path, root), 'utf8'));

describe('engines', () => {
  test('every locked package accepts the oldest Node that package.json claims', () => {
    const claimed = read('package.json').engines.node as string;
    const oldest = semver.minVersion(claimed)!.version;
    const lock = read('package-lock.json') as { packages: Record<string, { engines?: { node?: string } }> };
    const refusing = Object.entries(lock.packages)
      .filter(([path, entry]) => path !== '' && entry.engines?.node !== undefined)
      .filter(([, entry]) => !semver.satisfies(oldest, entry.engines!.node!))
      .map(([path, entry]) => `${path.replace(/^.*node_modules\//, '')} wants Node ${entry.engines!.node}`);
    assert.deepEqual(refusing, [], `package.json claims Node ${claimed}, but:`);
  });

  test('hotline-hub claims the same Node and pins the NATS client to the line that supports it', () => {
    const hub = read('packages/hotline-hub/package.json');
    assert.equal(hub.engines.node, read('package.json').engines.node);
    // @nats-io/* 3.4 pulls @nats-io/nuid 3, which wants Node 22 (README, Runtime dependencies).
    for (const name of ['@nats-io/jetstream', '@nats-io/transport-node'])
      assert.match(hub.dependencies[name], /^~3\.3\./);
  });
});
