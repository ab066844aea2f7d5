/**
 * docs/mercure.md maps every MUST and SHOULD of both Mercure texts to the test that shows it. This keeps the
 * map honest: a `met` row must name a test, and every named test must exist — the file, and a test title
 * (or a case name of a table-driven test) holding the quoted words.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

const DOC = 'docs/mercure.md';
const STATUSES = new Set(['met', 'client', 'n/a', 'pending', 'not met']);
/** `` `test/….test.ts` › "words of its title" `` */
const REFERENCE = /`(test\/[\w./-]+\.test\.ts)` › "([^"]+)"/g;
/** The title of a `test(…)`/`it(…)` call: its first argument, a string or template literal. */
const TEST_TITLE = /\b(?:test|it)(?:\.only|\.skip|\.todo)?\(\s*(['"`])((?:\\.|(?!\1)[\s\S])*?)\1/g;
/** Any string literal: case names of table-driven tests live in them. */
const STRING_LITERAL = /(['"`])((?:\\.|(?!\1)[^\n])*?)\1/g;

interface Row {
  readonly id: string;
  readonly status: string;
  readonly shownBy: string;
  readonly line: number;
}

/** The rows of every conformance table: lines starting `| 0-` or `| 1-`, cells split on `|`. */
function parseRows(markdown: string): Row[] {
  const rows: Row[] = [];
  markdown.split('\n').forEach((text, index) => {
    if (!/^\| [01]-\d+ /.test(text)) return;
    const cells = text.split('|').map((cell) => cell.trim());
    // ['', id, rule, §, level, status, shown by, ''] — a rule quoting a `|` would shift the cells.
    assert.equal(cells.length, 8, `${DOC}:${index + 1} has ${cells.length - 2} cells, not 6`);
    rows.push({ id: cells[1] as string, status: cells[5] as string, shownBy: cells[6] as string, line: index + 1 });
  });
  return rows;
}

function references(shownBy: string): { file: string; words: string }[] {
  // A title cut short ends with `…`: the words before it must still be in the title.
  return [...shownBy.matchAll(REFERENCE)].map((match) => ({
    file: match[1] as string,
    words: (match[2] as string).replace(/…$/, ''),
  }));
}

const sources = new Map<string, string | undefined>();
function source(file: string): string | undefined {
  if (!sources.has(file)) sources.set(file, existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  return sources.get(file);
}

/** Why `words` do not name a test of `file`, or undefined when they do. */
function missingTest(file: string, words: string): string | undefined {
  const text = source(file);
  if (text === undefined) return `${file} does not exist`;
  const titles = [...text.matchAll(TEST_TITLE)].map((match) => match[2] as string);
  if (titles.length === 0) return `${file} has no test`;
  if (titles.some((title) => title.includes(words))) return undefined;
  const tableDriven = titles.some((title) => title.includes('${'));
  if (tableDriven && [...text.matchAll(STRING_LITERAL)].some((match) => (match[2] as string).includes(words))) {
    return undefined;
  }
  return `${file} has no test titled with "${words}"`;
}

describe('docs/mercure.md: every rule names the test that shows it', () => {
  const rows = parseRows(readFileSync(DOC, 'utf8'));

  test('both tables are there, with unique ids and known statuses', () => {
    assert.ok(rows.filter((row) => row.id.startsWith('0-')).length >= 80, 'the 0.x table');
    assert.ok(rows.filter((row) => row.id.startsWith('1-')).length >= 80, 'the 1.0 table');
    const seen = new Set<string>();
    for (const row of rows) {
      assert.ok(!seen.has(row.id), `${DOC}:${row.line}: ${row.id} twice`);
      seen.add(row.id);
      assert.ok(STATUSES.has(row.status), `${DOC}:${row.line}: status "${row.status}"`);
      assert.notEqual(row.shownBy, '', `${DOC}:${row.line}: ${row.id} says nothing in "shown by"`);
    }
  });

  test('a met row names at least one test', () => {
    const bare = rows.filter((row) => row.status === 'met' && references(row.shownBy).length === 0);
    assert.deepEqual(
      bare.map((row) => `${DOC}:${row.line} ${row.id}`),
      [],
    );
  });

  test('every named test file exists and has a test with the quoted words in its title', () => {
    const missing: string[] = [];
    for (const row of rows) {
      for (const { file, words } of references(row.shownBy)) {
        const why = missingTest(file, words);
        if (why !== undefined) missing.push(`${DOC}:${row.line} ${row.id}: ${why}`);
      }
    }
    // A renamed or moved test shows up here: give its row in docs/mercure.md the new title.
    assert.deepEqual(missing, [], 'docs/mercure.md names tests that are not there (renamed? update the row)');
  });

  test('the check itself finds a missing file and a missing title', () => {
    assert.equal(missingTest('test/hub/no-such.test.ts', 'x'), 'test/hub/no-such.test.ts does not exist');
    assert.match(
      missingTest('test/hub/mercure-conformance-table.test.ts', 'a title nobody wrote') ?? '',
      /has no test titled/,
    );
    assert.equal(missingTest('test/hub/mercure-conformance-table.test.ts', 'a met row names at least one'), undefined);
    assert.deepEqual(references('`test/a.test.ts` › "x y…"<br>`test/b.test.ts` › "z"'), [
      { file: 'test/a.test.ts', words: 'x y' },
      { file: 'test/b.test.ts', words: 'z' },
    ]);
  });

  test('rules still pending or not met are listed (they are findings for the lead, not failures)', (t) => {
    for (const row of rows.filter((r) => r.status === 'pending' || r.status === 'not met')) {
      t.diagnostic(`${row.id} ${row.status}: ${row.shownBy}`);
    }
  });
});
