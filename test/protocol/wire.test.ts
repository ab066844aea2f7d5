import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeComment } from '../../src/protocol/encode.js';
import { announcedHeartbeatMs, helloComment } from '../../src/protocol/wire.js';
import { parseAll } from '../fixtures/collect.js';

describe('[NON-SPEC] the hello comment', () => {
  test('a period a server announces is the period a client reads back, through the parser', () => {
    const { comments } = parseAll(new TextDecoder().decode(encodeComment(helloComment(15_000))));
    assert.deepEqual(comments, ['heartbeat 15000']);
    assert.equal(announcedHeartbeatMs(comments[0]!), 15_000);
  });

  test('a stream without heartbeats says ok, which announces no period', () => {
    assert.equal(helloComment(0), 'ok');
    assert.equal(announcedHeartbeatMs('ok'), undefined);
  });

  test('only the whole comment announces: other comments and malformed periods are not read as one', () => {
    for (const text of [
      '',
      'heartbeat',
      'heartbeat ',
      'heartbeat 1.5',
      'heartbeat -1',
      ' heartbeat 10',
      'heartbeat 10 ms',
    ])
      assert.equal(announcedHeartbeatMs(text), undefined, JSON.stringify(text));
  });
});
