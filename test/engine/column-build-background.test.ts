import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { SqlColumnSource, columnTuning } from '../../src-main/engine/filter/sql-column-source.js';
import { columnUses } from '../../src-main/engine/filter/execute-bitset.js';
import { combineFilters } from '../../src-main/engine/filter/combine.js';
import { parseWhere, parseWhereDocument } from '../../src-main/engine/filter/parse-where.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { backgroundBuildsOnSmallFixtures, turnsUntil } from '../helpers/background-builds.js';
import { spyOnColumnBuilds } from '../helpers/column-builds.js';

/**
 * A large segment builds a key's metadata column in the background once the key is used again,
 * while the calls on that key go on through SQL (SqlColumnSource.buildInBackground): at five
 * million records the build takes 9–13 s, and the get that used to wait for it took 8.4 s against
 * 1.2 s for the key's first use. The fixtures are small, so the tests lower the size from which
 * builds go to the background, and read 16 rows a page so that a build spans many calls.
 */

const ROWS_PER_PAGE = 16;
backgroundBuildsOnSmallFixtures(() => {
  const columnSteps = SqlColumnSource.prototype.columnSteps;
  vi.spyOn(SqlColumnSource.prototype, 'columnSteps').mockImplementation(function (this: SqlColumnSource, key, inSnapshot, current) {
    return columnSteps.call(this, key, inSnapshot, current, ROWS_PER_PAGE);
  });
});

const casesOf = (fixture: string) => (JSON.parse(readFileSync(join(referenceFixture(fixture), 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
const filterOf = (c: RecordedCase) => {
  const args = c.args as { where?: unknown; whereDocument?: unknown };
  return combineFilters(args.where ? parseWhere(args.where) : null, args.whereDocument ? parseWhereDocument(args.whereDocument) : null);
};
const keysOf = (c: RecordedCase) => {
  const filter = filterOf(c);
  return filter ? [...columnUses(filter).keys()] : [];
};


const sameColumn = (a: ReturnType<SqlColumnSource['column']>, b: ReturnType<SqlColumnSource['column']>) => {
  expect(Array.from(a.ids)).toEqual(Array.from(b.ids));
  expect(Array.from(a.kinds)).toEqual(Array.from(b.kinds));
  expect(Array.from(a.nums)).toEqual(Array.from(b.nums));
  expect(Array.from({ length: a.ids.length }, (_, i) => a.strs[i] ?? null)).toEqual(Array.from({ length: b.ids.length }, (_, i) => b.strs[i] ?? null));
};

for (const fixture of ['chroma-1.3.4-seed7', 'workload-1.3.4-seed7']) {
  describe(`metadata columns built in the background: ${fixture}`, () => {
    const dir = join(referenceFixture(fixture), 'data');
    const cases = casesOf(fixture).filter((c) => (c.op === 'get' || c.op === 'query') && c.error === undefined && !(c.args as { ids?: unknown }).ids && keysOf(c).length > 0);

    // Prepared: the embedded client and serve ask the work ahead (prepareGet, prepareQuery) first.
    // Unprepared: ChromaFolder's synchronous calls alone, which start the build themselves.
    it.for(['prepared', 'unprepared'] as const)('answers every recorded filtered get and query as Chroma recorded while the columns build, builds none in a call, and keeps them built (%s calls)', async (how) => {
      const builtInCall = spyOnColumnBuilds();
      const folder = ChromaFolder.open(dir);
      const mismatches: string[] = [];
      // Calls answered while a key of theirs was still being built: they did not wait for it.
      let answeredDuringBuild = 0;
      try {
        const ask = async (c: RecordedCase, round: number) => {
          const ref = splitCollection(c.collection);
          if (how === 'prepared' && c.op === 'get') await folder.prepareGet(ref, c.args, { sliceMs: 0 });
          else if (how === 'prepared') await folder.prepareQuery(ref, c.args, {}, { sliceMs: 0 });
          else await new Promise((r) => setTimeout(r, 0)); // a turn, in which a build's slice may run
          const source = folder.collection(ref).columnSource()!;
          const duringBuild = () => keysOf(c).some((key) => source.buildingInBackground(key));
          // A prepared call finds the build its work ahead started; an unprepared one starts it.
          const building = how === 'prepared' && duringBuild();
          const bad = compareCase(c, c.op === 'get' ? folder.get(ref, c.args) : folder.query(ref, c.args));
          if (building || (how === 'unprepared' && duringBuild())) answeredDuringBuild++;
          if (bad) mismatches.push(`${c.collection} | ${c.label} (round ${round}): ${bad}`);
        };
        for (let round = 1; round <= 2; round++) for (const c of cases) await ask(c, round);
        expect(answeredDuringBuild).toBeGreaterThan(0);
        // Every key used twice gets its column once its build has run.
        const built = new Map<string, { source: SqlColumnSource; ref: ReturnType<typeof splitCollection>; key: string }>();
        for (const c of cases) {
          const ref = splitCollection(c.collection);
          const source = folder.collection(ref).columnSource()!;
          for (const key of keysOf(c)) built.set(`${c.collection}/${key}`, { source, ref, key });
        }
        await turnsUntil(() => [...built.values()].every(({ source, key }) => !source.buildingInBackground(key)));
        if (how === 'prepared') expect(builtInCall).toEqual([]);
        // An unprepared call's filter that uses a key twice finds its build given no turn between
        // the two (SqlColumnSource.buildStalled), and builds it: only such keys are built in a call.
        else expect(builtInCall.filter((key) => !cases.some((c) => (columnUses(filterOf(c)!).get(key) ?? 0) > 1))).toEqual([]);
        // The kept columns against the one-piece builds of a fresh folder (which do count as builds).
        const fresh = ChromaFolder.open(dir);
        try {
          for (const { source, ref, key } of built.values()) {
            expect(source.hasColumn(key), key).toBe(true);
            sameColumn(source.column(key), fresh.collection(ref).columnSource()!.column(key));
          }
        } finally {
          fresh.close();
        }
        // Read from the columns now, still Chroma's answers, and none built in a call.
        const freshBuilds = builtInCall.length;
        for (const c of cases) await ask(c, 3);
        expect(builtInCall.length).toBe(freshBuilds);
      } finally {
        folder.close();
      }
      expect(mismatches).toEqual([]);
    });
  });
}

describe('a metadata column built in the background', () => {
  const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
  const ref = { name: 'articles' };
  const get = (value: string) => ({ where: { category: value }, limit: 5 });

  /** The folder with `category` used once, then a second use that starts its build. */
  async function building(folder: ChromaFolder): Promise<SqlColumnSource> {
    await folder.prepareGet(ref, get('news'), { sliceMs: 0 });
    folder.get(ref, get('news'));
    await folder.prepareGet(ref, get('blog'), { sliceMs: 0 });
    const source = folder.collection(ref).columnSource()!;
    expect(source.buildingInBackground('category')).toBe(true);
    return source;
  }

  /** `fn` on a freshly opened folder whose `category` column is being built (building), closed after. */
  async function whileBuilding(fn: (folder: ChromaFolder, source: SqlColumnSource) => Promise<void>): Promise<void> {
    const folder = ChromaFolder.open(dir);
    try {
      await fn(folder, await building(folder));
    } finally {
      folder.close();
    }
  }

  it('stops, keeping nothing, once the folder rebuilt its readers or closed', async () => {
    for (const end of ['refresh', 'close'] as const) {
      const folder = ChromaFolder.open(dir);
      try {
        const source = await building(folder);
        const reader = folder.collection(ref);
        if (end === 'refresh') folder.refresh();
        else folder.close();
        expect(source.buildingInBackground('category')).toBe(false);
        // Idle turns after the stop: nothing more is read, and nothing kept.
        for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
        expect(source.hasColumn('category')).toBe(false);
        if (end === 'refresh') {
          expect(folder.collection(ref)).not.toBe(reader);
          expect(folder.collection(ref).columnSource()!.buildingInBackground('category')).toBe(false);
        }
      } finally {
        folder.close();
      }
    }
  });

  it('stops when one of its own pages finds the data changed, and the folder rebuilds every reader', async () => {
    const root = mkdtempSync(join(tmpdir(), 'column-build-change-'));
    try {
      cpSync(dir, root, { recursive: true });
      const folder = ChromaFolder.open(root);
      try {
        const source = await building(folder);
        const other = folder.collection({ name: 'points' });
        // Another connection commits: the build's next page reads in a snapshot that sees it.
        const writer = new Database(join(root, 'chroma.sqlite3'));
        writer.exec('CREATE TABLE unrelated (x); INSERT INTO unrelated VALUES (1)');
        writer.close();
        await turnsUntil(() => !source.buildingInBackground('category'));
        expect(source.hasColumn('category')).toBe(false);
        // The refresh went through: every reader was replaced, not only the first.
        expect(other.isRetired).toBe(true);
        expect(folder.collection(ref).isRetired).toBe(false);
        expect(folder.get(ref, get('news')).ids.length).toBe(5);
      } finally {
        folder.close();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('gives way to the map’s colours, which build the column in their own slices', () =>
    whileBuilding(async (folder, source) => {
      await folder.collection(ref).prepareColumnAhead('category', { sliceMs: 0 }, (fn) => folder.snapshot(fn));
      expect(source.buildingInBackground('category')).toBe(false);
      expect(source.hasColumn('category')).toBe(true);
    }));

  it('is not built twice at once: a get prepared while the map’s colours build it goes through SQL', () =>
    whileBuilding(async (folder, source) => {
      const reader = folder.collection(ref);
      const builds = vi.mocked(SqlColumnSource.prototype.columnSteps);
      const before = builds.mock.calls.length;
      const colours = reader.prepareColumnAhead('category', { sliceMs: 0 }, (fn) => folder.snapshot(fn));
      // The map's build is under way (16 rows a page): a get on the key meanwhile builds none.
      await new Promise((r) => setImmediate(r));
      expect(source.hasColumn('category')).toBe(false);
      await folder.prepareGet(ref, get('note'), { sliceMs: 0 });
      expect(folder.get(ref, get('note')).ids.length).toBe(5);
      await colours;
      expect(builds.mock.calls.length - before).toBe(1);
      expect(source.hasColumn('category')).toBe(true);
    }));

  it('stops, keeping nothing, when the collection’s memory is released (the doctor)', () =>
    whileBuilding(async (folder, source) => {
      folder.collection(ref).release();
      expect(source.buildingInBackground('category')).toBe(false);
      for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
      expect(source.hasColumn('category')).toBe(false);
    }));

  it('that fails keeps nothing, and the key’s next use starts it again', async () => {
    const folder = ChromaFolder.open(dir);
    try {
      const failing = vi.spyOn(SqlColumnSource.prototype, 'columnSteps').mockImplementationOnce(function* () {
        yield;
        throw new Error('disk I/O error');
      });
      const source = await building(folder);
      await turnsUntil(() => !source.buildingInBackground('category'));
      expect(failing).toHaveBeenCalled();
      expect(source.hasColumn('category')).toBe(false);
      // The next prepared use starts it again, and is answered through SQL meanwhile.
      const builtInCall = spyOnColumnBuilds();
      await folder.prepareGet(ref, get('paper'), { sliceMs: 0 });
      expect(source.buildingInBackground('category')).toBe(true);
      const paper = folder.get(ref, get('paper'));
      expect(paper.ids.length).toBe(5);
      expect(paper.metadatas.every((m) => m?.category === 'paper')).toBe(true);
      expect(builtInCall).toEqual([]);
      await turnsUntil(() => source.hasColumn('category'));
    } finally {
      folder.close();
    }
  });

  it('started by an unprepared call, after a failed one, builds in the background while the call goes through SQL', async () => {
    const folder = ChromaFolder.open(dir);
    try {
      const failing = vi.spyOn(SqlColumnSource.prototype, 'columnSteps').mockImplementationOnce(function* () {
        yield;
        throw new Error('disk I/O error');
      });
      const builtInCall = spyOnColumnBuilds();
      folder.get(ref, get('news'));
      const source = folder.collection(ref).columnSource()!;
      expect(source.buildingInBackground('category')).toBe(false);
      // The key's second use, with no work ahead: the call starts the build and reads through SQL.
      expect(folder.get(ref, get('blog')).metadatas.every((m) => m?.category === 'blog')).toBe(true);
      expect(source.buildingInBackground('category')).toBe(true);
      await turnsUntil(() => !source.buildingInBackground('category'));
      expect(failing).toHaveBeenCalled();
      expect(source.hasColumn('category')).toBe(false);
      const paper = folder.get(ref, get('paper'));
      expect(paper.ids.length).toBe(5);
      expect(paper.metadatas.every((m) => m?.category === 'paper')).toBe(true);
      expect(source.buildingInBackground('category')).toBe(true);
      await turnsUntil(() => source.hasColumn('category'));
      expect(builtInCall).toEqual([]);
    } finally {
      folder.close();
    }
  });

  it('started by synchronous calls back to back, which give it no turn, is built by the next use after all', () => {
    const folder = ChromaFolder.open(dir);
    try {
      const builtInCall = spyOnColumnBuilds();
      const source = () => folder.collection(ref).columnSource()!;
      const answers = ['news', 'blog', 'paper', 'note'].map((value, use) => {
        const got = folder.get(ref, get(value));
        // Uses 1 and 2 through SQL (the second starts the build); use 3 finds it where it was.
        expect(builtInCall, `after use ${use + 1}`).toEqual(use < 2 ? [] : ['category']);
        expect(source().buildingInBackground('category')).toBe(use === 1);
        return got;
      });
      answers.forEach((got, i) => expect(got.metadatas.every((m) => m?.category === ['news', 'blog', 'paper', 'note'][i])).toBe(true));
      expect(source().hasColumn('category')).toBe(true);
    } finally {
      folder.close();
    }
  });

  // A prepared call holds background builds back on purpose (holdForCalls): that is no sign of a
  // caller that gives the thread no turn.
  for (const between of ['a timer turn', 'a prepared get of a few records', 'a prepared get of a whole page'] as const) {
    it(`started by an unprepared call, is not built in one piece by a get after ${between}`, async () => {
      const folder = ChromaFolder.open(dir);
      try {
        folder.get(ref, get('news'));
        folder.get(ref, get('blog'));
        expect(folder.collection(ref).columnSource()!.buildingInBackground('category')).toBe(true);
        const builtInCall = spyOnColumnBuilds();
        const args = between.includes('whole') ? { where: { category: 'paper' } } : get('paper');
        if (between === 'a timer turn') await new Promise((r) => setTimeout(r, 0));
        else await folder.prepareGet(ref, args, { sliceMs: 0 });
        expect(builtInCall, 'ahead of the get').toEqual([]);
        expect(folder.get(ref, args).metadatas.every((m) => m?.category === 'paper')).toBe(true);
        expect(builtInCall, 'in the get').toEqual([]);
      } finally {
        folder.close();
      }
    });
  }

  it('of a segment below the size for background builds is built in the unprepared call that uses its key again', () => {
    columnTuning.backgroundFromRows = Number.MAX_SAFE_INTEGER;
    const folder = ChromaFolder.open(dir);
    try {
      const builtInCall = spyOnColumnBuilds();
      folder.get(ref, get('news'));
      expect(builtInCall).toEqual([]);
      expect(folder.get(ref, get('blog')).metadatas.every((m) => m?.category === 'blog')).toBe(true);
      expect(builtInCall).toEqual(['category']);
      expect(folder.collection(ref).columnSource()!.buildingInBackground('category')).toBe(false);
    } finally {
      folder.close();
    }
  });
});
