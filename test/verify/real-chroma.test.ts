import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import type { RealChromaCheck } from '../../shared/models.js';
import { fixFolder } from '../../src-main/engine/repair/fix-folder.js';
import { previewMigration } from '../../src-main/engine/migrate/preview-migration.js';
import { hashTree } from '../helpers/hash-tree.js';
import { realChromaProblem, reportSkip } from '../helpers/reference-chroma.js';
import { capturedCli } from '../helpers/run-cli-captured.js';
import { copyFixture, exec, leftovers, scratch, sql } from '../repair/helpers.js';
import { captureFacts } from '../../src-main/engine/repair/repair-facts.js';
import { expectationsFromFacts } from '../../src-main/engine/verify/expected-answers.js';
import { checkWithRealChroma, resolveRealChroma } from '../../src-main/engine/verify/real-chroma-check.js';
import { alive, chromaExecutable } from './chroma-executable.js';

// fix and migrate re-open their result with a real Chroma: here the test-installed Chroma 1.3.4
// (the JS bindings), laid out as `npm install chromadb` installs its `chroma`. Its answers are
// checked against raw SQL on the original, and its process and copy against the OS.
const problem = realChromaProblem('1.3.4');
reportSkip('verify with real Chroma', problem);

const tmp = scratch('ci-verify-real-chroma-');
afterAll(() => tmp.cleanup());
const cli = capturedCli();

let n = 0;
function source(fixture = 'chroma-1.3.4-seed7'): { src: string; parent: string } {
  const parent = join(tmp.dir, `case-${++n}`);
  mkdirSync(parent);
  return { src: copyFixture(fixture, parent), parent };
}

/** Full-text damage the fts-rebuild fix repairs (the fixture also has an orphaned segment folder). */
const damageFts = (dir: string) => exec(dir, 'DELETE FROM embedding_fulltext_search WHERE rowid % 5 = 1');

/** Records per collection, by raw SQL on a folder: the oracle for every count Chroma gives. */
function sqlCounts(dir: string): Record<string, number> {
  const rows = sql<{ t: string; d: string; n: string; c: number }>(
    dir,
    `SELECT db.tenant_id AS t, db.name AS d, c.name AS n, (SELECT count(*) FROM embeddings e JOIN segments s ON s.id = e.segment_id
       WHERE s.collection = c.id AND s.scope = 'METADATA') AS c
     FROM collections c JOIN databases db ON db.id = c.database_id`,
  );
  return Object.fromEntries(rows.map((r) => [`${r.t}/${r.d}/${r.n}`, r.c]));
}
const countsOf = (check: RealChromaCheck, which: 'count' | 'expected') => Object.fromEntries(check.collections.map((c) => [`${c.tenant}/${c.database}/${c.name}`, c[which]]));

/** Records the process Chroma ran as and the copy it served, to check both are gone afterwards. */
function watch() {
  const seen: { pid: number; copy: string }[] = [];
  return { seen, onStarted: (i: { pid: number; copy: string }) => void seen.push(i) };
}
/**
 * Every Chroma the check started is stopped and its copy removed. One unless said: a neighbour
 * difference is checked again on a second, fresh Chroma (Chroma's WAL-tail graph varies per process).
 */
function expectGone(seen: readonly { pid: number; copy: string }[], started?: number) {
  if (started === undefined) expect(seen.length).toBeGreaterThanOrEqual(1);
  else expect(seen.length).toBe(started);
  for (const s of seen) {
    expect(alive(s.pid)).toBe(false);
    expect(existsSync(join(s.copy, '..'))).toBe(false);
  }
}

const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InspectorError);
  return err as InspectorError;
};

describe('without a usable Chroma (no real Chroma needed)', () => {
  it("'off' skips the check; a path that does not exist is refused before anything is written", async () => {
    const { src, parent } = source();
    const off = await fixFolder(src, join(parent, 'off'), { only: ['orphans'], verifyWithChroma: 'off' });
    expect(off.realChroma).toMatchObject({ chroma: null, opened: false, collections: [], differences: [] });
    expect(off.realChroma!.note).toMatch(/turned off/);
    const missing = join(parent, 'no-such-chroma');
    const err = await failure(fixFolder(src, join(parent, 'x'), { verifyWithChroma: missing }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toContain(missing);
    const notExecutable = join(src, 'chroma.sqlite3');
    expect((await failure(previewMigration(src, join(parent, 'y'), { to: 'js-1.3.4', verifyWithChroma: notExecutable }))).message).toMatch(/is not an executable file/);
    expect(existsSync(join(parent, 'x')) || existsSync(join(parent, 'y'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  });

  it("'auto' with no Chroma on PATH says so and does not fail", async () => {
    const { src, parent } = source();
    const saved = { PATH: process.env.PATH, env: process.env.CHROMA_INSPECTOR_CHROMA };
    process.env.PATH = join(parent, 'empty-bin');
    delete process.env.CHROMA_INSPECTOR_CHROMA;
    try {
      const report = await fixFolder(src, join(parent, 'fixed'), { only: ['orphans'] });
      expect(report.realChroma).toMatchObject({ chroma: null, opened: false, differences: [] });
      expect(report.realChroma!.note).toMatch(/none found/);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.env !== undefined) process.env.CHROMA_INSPECTOR_CHROMA = saved.env;
    }
  });
});

/** A stand-in `chroma` (a shell script): answers --version as told, and `run` by exiting with a message. */
function fakeChroma(dir: string, versionExit: number): string {
  const file = join(dir, `fake-chroma-${versionExit}`);
  writeFileSync(file, `#!/bin/sh\ncase "$1" in --version|--help) echo "chroma 9.9.9"; exit ${versionExit};; esac\necho "cannot open this folder" >&2\nexit 3\n`);
  chmodSync(file, 0o755);
  return file;
}

describe.skipIf(process.platform === 'win32')('with a Chroma that does not serve the copy (no real Chroma needed)', () => {
  it('fix fails, naming what Chroma said; migrate reports it did not open the copy; one that does not run at all is refused', async () => {
    const { src, parent } = source();
    const exits = fakeChroma(parent, 0);
    const err = await failure(fixFolder(src, join(parent, 'fixed'), { only: ['orphans'], verifyWithChroma: exits }));
    expect(err.details?.reason).toBe('fix.real-chroma');
    expect(err.message).toMatch(/exited \(3\) before answering: cannot open this folder/);
    expect(existsSync(join(parent, 'fixed'))).toBe(false);
    const preview = await previewMigration(src, join(parent, 'migrated'), { to: 'js-1.3.4', verifyWithChroma: exits });
    expect(preview.realChroma).toMatchObject({ chroma: { executable: exits, version: 'chroma 9.9.9' }, opened: false });
    expect(preview.realChroma!.note).toMatch(/did not open the copy: .*cannot open this folder; which release the installed Chroma is cannot be told/);
    const broken = fakeChroma(parent, 1);
    const refused = await failure(fixFolder(src, join(parent, 'x'), { verifyWithChroma: broken }));
    expect(refused.code).toBe('INVALID_ARGUMENT');
    expect(refused.message).toContain(`${broken} does not run`);
    expect(leftovers(parent)).toEqual([]);
  });
});

describe.skipIf(problem !== null)('with the test-installed real Chroma 1.3.4', () => {
  let chroma = '';
  beforeAll(() => {
    chroma = chromaExecutable(join(tmp.dir, 'chroma-install'), '1.3.4');
  });

  it('fix: Chroma opens the repaired copy and counts what the original holds; its process and copy are gone', async () => {
    const { src, parent } = source();
    damageFts(src);
    const oracle = sqlCounts(src);
    const before = hashTree(src);
    const w = watch();
    const report = await fixFolder(src, join(parent, 'fixed'), { verifyWithChroma: chroma, realChromaOptions: { onStarted: w.onStarted } });
    const check = report.realChroma!;
    expect(check.chroma).toEqual({ executable: chroma, version: 'js-1.3.4' });
    expect(check.opened).toBe(true);
    expect(check.differences).toEqual([]);
    expect(countsOf(check, 'count')).toEqual(oracle);
    expect(countsOf(check, 'expected')).toEqual(oracle);
    expect(check.collections.every((c) => c.ok)).toBe(true);
    expect(Object.keys(oracle).length).toBeGreaterThan(3);
    expect(hashTree(src)).toEqual(before);
    expectGone(w.seen);
    expect(leftovers(parent)).toEqual([]);
  }, 180_000);

  it('fix: a copy Chroma reads differently from the original fails the repair, naming the difference', async () => {
    const { src, parent } = source();
    const oracle = sqlCounts(src);
    const w = watch();
    // Tampered after our own verification, in the copy only Chroma sees: one record gone, one document changed.
    const tamper = (copy: string) =>
      exec(
        copy,
        "DELETE FROM embeddings WHERE embedding_id = 'points-1'",
        "UPDATE embedding_metadata SET string_value = 'tampered' WHERE key = 'chroma:document' AND id = (SELECT id FROM embeddings WHERE embedding_id = 'points-0')",
        "UPDATE embedding_metadata SET int_value = 1999 WHERE key = 'year' AND id = (SELECT id FROM embeddings WHERE embedding_id = 'points-0')",
      );
    const err = await failure(fixFolder(src, join(parent, 'fixed'), { only: ['orphans'], verifyWithChroma: chroma, realChromaOptions: { beforeStart: tamper, onStarted: w.onStarted } }));
    expect(err.details?.reason).toBe('fix.real-chroma');
    const check = err.details!.realChroma as RealChromaCheck;
    const points = `default_tenant/default_database/points`;
    expect(check.differences).toContain(`${points}: Chroma counts ${oracle[points]! - 1} records, the original ${oracle[points]}`);
    expect(check.differences).toContain(`${points}: record "points-0" has document "tampered", the original ""`);
    expect(check.differences.join('\n')).toMatch(/record "points-0" has metadata \{.*"year":1999\}, the original \{.*"year":2010\}/);
    expect(check.collections.find((c) => c.name === 'points')).toMatchObject({ count: oracle[points]! - 1, expected: oracle[points], ok: false });
    expect(err.message).toMatch(/real Chroma does not agree with the original/);
    expect(existsSync(join(parent, 'fixed'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
    expectGone(w.seen);
  }, 180_000);

  it('fix: cancelled while Chroma starts, it is killed and its copy removed', async () => {
    const { src, parent } = source();
    const ac = new AbortController();
    const w = watch();
    const onStarted = (i: { pid: number; copy: string }) => {
      w.onStarted(i);
      setTimeout(() => ac.abort(), 50);
    };
    const err = await failure(fixFolder(src, join(parent, 'fixed'), { only: ['orphans'], verifyWithChroma: chroma, signal: ac.signal, realChromaOptions: { onStarted } }));
    expect(err.code).toBe('CANCELLED');
    expectGone(w.seen);
    expect(existsSync(join(parent, 'fixed'))).toBe(false);
    expect(leftovers(parent)).toEqual([]);
  }, 180_000);

  it('migrate: reports that this Chroma opened the copy, and that it is not the release previewed', async () => {
    const { src, parent } = source('chroma-1.0.1-seed7');
    const oracle = sqlCounts(src);
    const w = watch();
    const preview = await previewMigration(src, join(parent, 'to-1.3.4'), { to: '1.3.4', verifyWithChroma: chroma, realChromaOptions: { onStarted: w.onStarted } });
    const check = preview.realChroma!;
    expect(check.opened).toBe(true);
    expect(check.differences).toEqual([]);
    expect(countsOf(check, 'count')).toEqual(oracle);
    expect(check.note).toMatch(/the installed Chroma is Chroma JS bindings 1\.3\.4, not Chroma 1\.3\.4/);
    expectGone(w.seen);
  }, 180_000);

  it("the check itself: the original's own answers agree; deliberately wrong neighbours and counts are differences", async () => {
    const { src } = source();
    const found = await resolveRealChroma(chroma);
    expect(found.found).toMatchObject({ executable: chroma, version: 'js-1.3.4', versionIsRelease: true });
    const right = expectationsFromFacts(captureFacts(src).values());
    const queries = right.reduce((s, c) => s + c.queries.length, 0);
    expect(queries).toBeGreaterThan(5);
    expect((await checkWithRealChroma(found.found!, src, right)).differences).toEqual([]);
    // Every query's answer reversed and its distances changed (so neither a tie nor an approximate
    // answer excuses it: the shared ids' distances differ), one count off by one.
    const wrong = right.map((c, i) => ({
      ...c,
      count: i === 1 && c.count !== null ? c.count + 1 : c.count,
      queries: c.queries.filter((q) => q.k > 1 && q.distances[0] !== q.distances.at(-1)).map((q) => ({ ...q, accept: q.accept.map((a) => [...a].reverse()), distances: q.distances.map((d) => d * 2 + 1) })),
    }));
    const w = watch();
    const check = await checkWithRealChroma(found.found!, src, wrong, { onStarted: w.onStarted });
    const reversed = wrong.reduce((s, c) => s + c.queries.length, 0);
    expect(reversed).toBeGreaterThan(5);
    expect(check.differences.filter((d) => /the nearest neighbours of .*'s vector are \[/.test(d)).length).toBe(reversed);
    expect(check.differences).toContain(`${wrong[1]!.tenant}/${wrong[1]!.database}/${wrong[1]!.name}: Chroma counts ${right[1]!.count} records, the original ${wrong[1]!.count}`);
    // The wrong neighbours were asked again of a fresh Chroma, and differed there too.
    expectGone(w.seen, 2);
  }, 180_000);

  it('CLI: fix --chroma PATH and migrate --no-chroma print one line about the check on stderr', async () => {
    const { src, parent } = source();
    const fixed = await cli(['fix', src, join(parent, 'fixed'), '--only', 'orphans', '--chroma', chroma]);
    expect(fixed.code).toBe(0);
    expect(fixed.err).toMatch(/^real Chroma: Chroma js-1\.3\.4 \(.*\) opened the copy and agrees with the original.*collections agree\)$/m);
    const migrated = await cli(['migrate', src, join(parent, 'migrated'), '--to', 'js-1.3.4', '--no-chroma']);
    expect(migrated.code).toBe(0);
    expect(migrated.err).toMatch(/^real Chroma: not checked with a real Chroma: the check is turned off$/m);
    expect((await cli(['fix', src, join(parent, 'x'), '--chroma', chroma, '--no-chroma'])).code).toBe(2);
  }, 180_000);
});
