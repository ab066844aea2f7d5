/**
 * The template limits of a subscription: each refusal names its limit, exact topics and `*` never count,
 * and what one client address holds is released when its connections end.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { resolveHubOptions } from '../../../src/hub/options.js';
import { TemplateLimits } from '../../../src/hub/topics/template-limits.js';

const limits = () =>
  new TemplateLimits({
    maxSelectorLength: 40,
    maxTemplateExpressions: 3,
    maxTemplatesPerConnection: 2,
    maxTemplatesPerIp: 3,
  });

function refusal(run: () => unknown, status: number, limit: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof HttpRejection);
    assert.equal(error.status, status);
    assert.equal(error.code, 'HOTLINE_HUB_SELECTOR_LIMIT');
    assert.match(error.message, new RegExp(limit));
    return true;
  });
}

describe('template limits of one subscription', () => {
  test('exact topics, * and invalid templates are not templates and never count', () => {
    const compiled = limits().compile(['*', '/a', '/b', '/c', '/books/{id', `/${'x'.repeat(100)}`, '/t/{x}']);
    assert.deepEqual(
      compiled.map((s) => s.kind),
      ['any', 'exact', 'exact', 'exact', 'exact', 'exact', 'template'],
    );
  });

  test('a template longer than maxSelectorLength is refused with a 400 naming it', () => {
    refusal(() => limits().compile([`/${'x'.repeat(40)}{id}`]), 400, 'maxSelectorLength');
  });

  test('a template with more expressions than maxTemplateExpressions, variables counted, is refused', () => {
    refusal(() => limits().compile(['{a}{b}{c}{d}']), 400, 'maxTemplateExpressions');
    refusal(() => limits().compile(['{a}{b,c,d}']), 400, 'maxTemplateExpressions');
    assert.equal(limits().compile(['{a}{b,c}'])[0]!.kind, 'template');
  });

  test('more distinct templates than maxTemplatesPerConnection are refused; a repeated one counts once', () => {
    assert.equal(limits().compile(['/a/{x}', '/b/{x}', '/a/{x}']).length, 3);
    refusal(() => limits().compile(['/a/{x}', '/b/{x}', '/c/{x}']), 400, 'maxTemplatesPerConnection');
  });

  test('token claims compile leniently: a template past the bounds matches only itself', () => {
    const claims = limits().compileClaims(['{a}{b}{c}{d}', '/t/{x}', `/${'x'.repeat(50)}{y}`]);
    assert.deepEqual(
      claims.map((s) => s.kind),
      ['exact', 'template', 'exact'],
    );
  });
});

describe('templates held per client address', () => {
  test('past maxTemplatesPerIp a connection gets a 429 with Retry-After; closing one releases its templates', () => {
    const perIp = limits();
    const releaseFirst = perIp.admit('10.0.0.1', perIp.compile(['/a/{x}', '/b/{x}']));
    // A template the address already holds counts once.
    const releaseSecond = perIp.admit('10.0.0.1', perIp.compile(['/a/{x}', '/c/{x}']));
    assert.equal(perIp.heldBy('10.0.0.1'), 3);
    try {
      perIp.admit('10.0.0.1', perIp.compile(['/d/{x}']));
      assert.fail('a fourth template was admitted');
    } catch (error) {
      assert.ok(error instanceof HttpRejection);
      assert.equal(error.status, 429);
      assert.equal(error.headers['Retry-After'], '5');
      assert.match(error.message, /maxTemplatesPerIp/);
    }
    perIp.admit('10.0.0.2', perIp.compile(['/d/{x}']));
    releaseFirst();
    releaseFirst();
    assert.equal(perIp.heldBy('10.0.0.1'), 2, '/a/{x} is still held by the second connection');
    perIp.admit('10.0.0.1', perIp.compile(['/d/{x}']));
    releaseSecond();
    assert.equal(perIp.heldBy('10.0.0.1'), 1);
  });

  test('0 means no per-address limit, and a subscription without templates holds nothing', () => {
    const unlimited = new TemplateLimits({
      maxSelectorLength: 40,
      maxTemplateExpressions: 3,
      maxTemplatesPerConnection: 2,
      maxTemplatesPerIp: 0,
    });
    for (let i = 0; i < 50; i++) unlimited.admit('10.0.0.1', unlimited.compile([`/${i}/{x}`]));
    assert.equal(unlimited.heldBy('10.0.0.1'), 50);
    unlimited.admit('10.0.0.9', unlimited.compile(['/exact', '*']))();
    assert.equal(unlimited.heldBy('10.0.0.9'), 0);
  });
});

describe('the template limit options', () => {
  test('default to 1024 characters, 16 expressions, 64 per connection and 1024 per address', () => {
    const resolved = resolveHubOptions({});
    assert.deepEqual(
      [
        resolved.maxSelectorLength,
        resolved.maxTemplateExpressions,
        resolved.maxTemplatesPerConnection,
        resolved.maxTemplatesPerIp,
      ],
      [1024, 16, 64, 1024],
    );
  });

  test('must be positive integers, except maxTemplatesPerIp which may be 0 (no limit)', () => {
    for (const name of ['maxSelectorLength', 'maxTemplateExpressions', 'maxTemplatesPerConnection'] as const) {
      for (const value of [0, -1, 1.5])
        assert.throws(() => resolveHubOptions({ [name]: value }), { code: 'HOTLINE_HUB_INVALID_OPTIONS' });
    }
    assert.equal(resolveHubOptions({ maxTemplatesPerIp: 0 }).maxTemplatesPerIp, 0);
    assert.throws(() => resolveHubOptions({ maxTemplatesPerIp: -1 }), { code: 'HOTLINE_HUB_INVALID_OPTIONS' });
  });
});
