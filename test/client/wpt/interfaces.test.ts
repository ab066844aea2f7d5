/**
 * Port of web-platform-tests/wpt `eventsource/interfaces.html`: the checks WPT's idlharness.js makes for
 * the `EventSource` IDL that file declares, written out by hand (idlharness.js and its WebIDL parser are
 * not vendored). Test names follow idlharness.js. WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). See ./README.md.
 *
 * Left out: that `EventSource` is an own property of the global object (a module export is not a global),
 * and the `EventTarget` interface, which is the runtime's, not the implementation's.
 */
import assert from 'node:assert/strict';
import { type EventSourceLike, type Wpt, wptFile } from './harness.js';

const CONSTANTS = { CONNECTING: 0, OPEN: 1, CLOSED: 2 } as const;
/** The IDL's attributes: name → the type of its value on a fresh instance; handlers have a setter. */
const ATTRIBUTES = {
  url: 'string',
  withCredentials: 'boolean',
  readyState: 'number',
  onopen: 'EventHandler',
  onmessage: 'EventHandler',
  onerror: 'EventHandler',
} as const;
const HANDLERS = new Set<string>(['onopen', 'onmessage', 'onerror']);

const NOT_WEBIDL_SHAPED =
  'eventsource@4 is a plain class: its constants are writable and configurable (and on each instance, ' +
  'not the prototype), its accessors and methods are not enumerable, and it has no @@toStringTag';

function descriptor(target: object, name: PropertyKey): PropertyDescriptor {
  const found = Object.getOwnPropertyDescriptor(target, name);
  assert.ok(found, `${String(name)} is an own property`);
  return found;
}

/** Runs `check` on `new EventSource("http://foo")`, as idlharness.js makes it, and closes it. */
function withInstance({ Original, page }: Wpt, check: (source: EventSourceLike) => void): void {
  const source = new Original('http://foo', { fetch: page.fetch });
  try {
    check(source);
  } finally {
    source.close();
  }
}

wptFile('interfaces.html', (wpt) => {
  const { Original: EventSource, test } = wpt;
  const shape = { skip: { eventsource: NOT_WEBIDL_SHAPED } };

  test('EventSource interface: existence and properties of interface object', () => {
    assert.equal(typeof EventSource, 'function');
    assert.equal(Object.getPrototypeOf(EventSource), EventTarget, 'inherits from the EventTarget interface object');
    assert.throws(() => (EventSource as unknown as () => void)(), TypeError, 'calling it without new throws');
  });

  test(
    'EventSource interface object length',
    () => {
      assert.equal(EventSource.length, 1);
    },
    { skip: { eventsource: 'eventsource@4 declares its optional init as a second parameter: length 2' } },
  );

  test('EventSource interface object name', () => {
    assert.equal(EventSource.name, 'EventSource');
  });

  test(
    'EventSource interface: existence and properties of interface prototype object',
    () => {
      assert.deepEqual(descriptor(EventSource, 'prototype'), {
        value: EventSource.prototype,
        writable: false,
        enumerable: false,
        configurable: false,
      });
      assert.equal(Object.getPrototypeOf(EventSource.prototype), EventTarget.prototype);
      assert.equal(Object.prototype.toString.call(EventSource.prototype), '[object EventSource]');
    },
    shape,
  );

  test('EventSource interface: existence and properties of interface prototype object\'s "constructor" property', () => {
    assert.deepEqual(descriptor(EventSource.prototype, 'constructor'), {
      value: EventSource,
      writable: true,
      enumerable: false,
      configurable: true,
    });
  });

  for (const [name, value] of Object.entries(CONSTANTS)) {
    for (const [where, target] of [
      ['interface object', EventSource],
      ['interface prototype object', EventSource.prototype],
    ] as const) {
      test(
        `EventSource interface: constant ${name} on ${where}`,
        () => {
          assert.deepEqual(descriptor(target, name), { value, writable: false, enumerable: true, configurable: false });
        },
        shape,
      );
    }
  }

  for (const name of Object.keys(ATTRIBUTES)) {
    test(
      `EventSource interface: attribute ${name}`,
      () => {
        const { get, set, enumerable, configurable } = descriptor(EventSource.prototype, name);
        assert.equal(enumerable, true, 'enumerable');
        assert.equal(configurable, true, 'configurable');
        assert.equal(typeof get, 'function', 'has a getter');
        assert.equal(get?.name, `get ${name}`);
        assert.equal(get?.length, 0);
        assert.throws(() => get?.call(EventSource.prototype), TypeError, 'the getter needs an instance');
        if (HANDLERS.has(name)) {
          assert.equal(typeof set, 'function', 'an event handler has a setter');
          assert.equal(set?.name, `set ${name}`);
          assert.equal(set?.length, 1);
          assert.throws(() => set?.call({}, null), TypeError, 'the setter needs an instance');
        } else assert.equal(set, undefined, 'a readonly attribute has no setter');
      },
      shape,
    );
  }

  test(
    'EventSource interface: operation close()',
    () => {
      const { value, writable, enumerable, configurable } = descriptor(EventSource.prototype, 'close');
      assert.deepEqual(
        { writable, enumerable, configurable },
        { writable: true, enumerable: true, configurable: true },
      );
      assert.equal(typeof value, 'function');
      assert.equal(value.name, 'close');
      assert.equal(value.length, 0);
      assert.throws(() => value.call({}), TypeError, 'close() needs an instance');
    },
    shape,
  );

  test('EventSource must be primary interface of new EventSource("http://foo")', () => {
    withInstance(wpt, (source) => assert.equal(Object.getPrototypeOf(source), EventSource.prototype));
  });

  test(
    'Stringification of new EventSource("http://foo")',
    () => {
      withInstance(wpt, (source) => assert.equal(Object.prototype.toString.call(source), '[object EventSource]'));
    },
    shape,
  );

  for (const [name, type] of Object.entries({ ...ATTRIBUTES, ...CONSTANTS, close: 'function' })) {
    test(`EventSource interface: new EventSource("http://foo") must inherit property "${name}" with the proper type`, () => {
      withInstance(wpt, (source) => {
        const value = (source as unknown as Record<string, unknown>)[name];
        assert.ok(name in source);
        if (type === 'EventHandler') assert.equal(value, null, 'an unset event handler is null');
        else if (typeof type === 'number') assert.equal(value, type);
        else assert.equal(typeof value, type);
      });
    });
  }
});
