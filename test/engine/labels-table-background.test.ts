import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { RecordLabels } from '../../src-main/engine/collection/record-labels.js';
import { columnTuning } from '../../src-main/engine/filter/sql-column-source.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';
import { backgroundBuildsOnSmallFixtures, turnsUntil } from '../helpers/background-builds.js';

/**
 * A large collection's table of labels by internal id, which a filtered query's third use would
 * build (a scan of every record: 1.8 s at a million, 6–12 s at five million, inside the query's
 * time), is built in the background instead (RecordLabels.prepareAhead), while queries go on
 * looking their own matches up as the first two did. The fixtures are small: the tests lower the
 * size from which it goes to the background, and read 16 rows a page, so a build spans calls.
 */

const ROWS_PER_PAGE = 16;
backgroundBuildsOnSmallFixtures(() => {
  const tableSteps = RecordLabels.prototype.tableSteps;
  vi.spyOn(RecordLabels.prototype, 'tableSteps').mockImplementation(function (this: RecordLabels, inSnapshot, current) {
    return tableSteps.call(this, inSnapshot, current, ROWS_PER_PAGE);
  });
});

const dir = join(referenceFixture('chroma-1.3.4-seed7'), 'data');
const { cases } = JSON.parse(readFileSync(join(referenceFixture('chroma-1.3.4-seed7'), 'cases.json'), 'utf8')) as { cases: RecordedCase[] };
/** The recorded filtered queries of one collection (the table is one collection's). */
const filtered = cases.filter((c) => {
  const args = c.args as { where?: unknown; whereDocument?: unknown; ids?: unknown };
  return c.op === 'query' && c.error === undefined && c.collection.endsWith('articles') && !args.ids && (args.where || args.whereDocument);
});
const ref = { name: 'articles' };
const labelsOf = (folder: ChromaFolder) => folder.collection(ref).recordLabels();
// Matches of a minority of the records (a large match builds the table in its own call); each
// filter's allowed labels are kept, so only a new filter counts as a use of the labels.
const byCategory = (category: string) => ({ queryEmbeddings: [Array.from({ length: 16 }, (_, i) => (i % 5) - 2)], nResults: 3, where: { category } });
const few = byCategory('paper');

describe('the labels table of a large collection, built in the background', () => {
  it('answers every recorded filtered query as Chroma recorded while it builds, builds no table in a query, and keeps it built', async () => {
    expect(filtered.length).toBeGreaterThan(3);
    const tables = vi.spyOn(RecordLabels.prototype as unknown as { emptyTable: () => unknown }, 'emptyTable');
    const mismatches: string[] = [];
    let answeredWhileBuilding = 0;
    const folder = ChromaFolder.open(dir);
    try {
      const ask = async (c: RecordedCase, round: number) => {
        const r = splitCollection(c.collection);
        await folder.prepareQuery(r, c.args, {}, { sliceMs: 0 });
        if (labelsOf(folder).buildingInBackground) answeredWhileBuilding++;
        const during = tables.mock.calls.length;
        const bad = compareCase(c, folder.query(r, c.args));
        expect(tables.mock.calls.length, `${c.label}: a labels table begun in the query`).toBe(during);
        if (bad) mismatches.push(`${c.label} (round ${round}): ${bad}`);
      };
      // Three filters of a minority each start the build; the recorded queries follow while it
      // runs (until one that matches over half the records builds it in its own slices).
      await building(folder);
      for (const c of filtered) await ask(c, 1);
      expect(answeredWhileBuilding).toBeGreaterThan(0);
      await turnsUntil(() => labelsOf(folder).built);
      expect(labelsOf(folder).buildingInBackground).toBe(false);
      // Once built, queries read it: no lookups ahead of them or in them.
      const lookups = vi.spyOn(RecordLabels.prototype, 'lookupSteps');
      for (const c of filtered) await ask(c, 2);
      expect(lookups).not.toHaveBeenCalled();
    } finally {
      folder.close();
    }
    expect(mismatches).toEqual([]);
  });

  /** A folder whose `articles` table build has started: two filtered queries, then a third. */
  async function building(folder: ChromaFolder): Promise<RecordLabels> {
    for (const category of ['news', 'blog', 'note']) {
      await folder.prepareQuery(ref, byCategory(category), {}, { sliceMs: 0 });
      folder.query(ref, byCategory(category));
    }
    const labels = labelsOf(folder);
    expect(labels.buildingInBackground).toBe(true);
    return labels;
  }

  it('stops, keeping nothing, once the folder rebuilt its readers, closed, or let the vectors go', async () => {
    for (const end of ['refresh', 'close', 'release'] as const) {
      const folder = ChromaFolder.open(dir);
      try {
        const labels = await building(folder);
        if (end === 'refresh') folder.refresh();
        else if (end === 'close') folder.close();
        else folder.collection(ref).release();
        expect(labels.buildingInBackground, end).toBe(false);
        for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
        expect(labels.built, end).toBe(false);
      } finally {
        folder.close();
      }
    }
  });

  it('is not waited for by a query asked without work ahead, which looks its matches up meanwhile', async () => {
    const folder = ChromaFolder.open(dir);
    try {
      const labels = await building(folder);
      const lookups = vi.spyOn(RecordLabels.prototype, 'lookupSteps');
      const whole = vi.spyOn(RecordLabels.prototype, 'whole');
      const got = folder.query(ref, few);
      expect(got.ids[0]!.length).toBe(3);
      expect(whole).not.toHaveBeenCalled();
      expect(lookups).toHaveBeenCalledTimes(1);
      expect(labels.buildingInBackground).toBe(true);
      await turnsUntil(() => labels.built);
    } finally {
      folder.close();
    }
  });

  it('gives way to a match of over half the records, which builds the table in its own slices', async () => {
    const folder = ChromaFolder.open(dir);
    try {
      const labels = await building(folder);
      const most = { ...few, where: { category: { $ne: 'news' } } };
      await folder.prepareQuery(ref, most, {}, { sliceMs: 0 });
      expect(labels.buildingInBackground).toBe(false);
      expect(labels.built).toBe(true);
      expect(folder.query(ref, most).ids[0]!.length).toBe(3);
    } finally {
      folder.close();
    }
  });

  it('is started by a third filtered query asked without work ahead, which looks its matches up meanwhile', async () => {
    const folder = ChromaFolder.open(dir);
    try {
      const whole = vi.spyOn(RecordLabels.prototype, 'whole');
      for (const category of ['news', 'blog', 'note', 'paper']) {
        // A turn between calls, as an asynchronous caller gives: the build's slices run in them.
        await new Promise((r) => setTimeout(r, 0));
        const got = folder.query(ref, byCategory(category));
        expect(got.metadatas[0]!.every((m) => m?.category === category)).toBe(true);
        expect(labelsOf(folder).buildingInBackground, category).toBe(category === 'note' || category === 'paper');
      }
      expect(whole).not.toHaveBeenCalled();
      await turnsUntil(() => labelsOf(folder).built);
    } finally {
      folder.close();
    }
  });

  it('started by synchronous queries back to back, which give it no turn, is built by the next one after all', () => {
    const folder = ChromaFolder.open(dir);
    try {
      const whole = vi.spyOn(RecordLabels.prototype, 'whole');
      for (const [i, category] of ['news', 'blog', 'note', 'paper'].entries()) {
        folder.query(ref, byCategory(category));
        // The third starts it; the fourth finds it where the third left it, and builds it.
        expect(labelsOf(folder).buildingInBackground, category).toBe(i === 2);
        expect(whole).toHaveBeenCalledTimes(i === 3 ? 1 : 0);
      }
      expect(labelsOf(folder).built).toBe(true);
    } finally {
      folder.close();
    }
  });

  it('is not built twice at once: a query prepared while the map’s colours build it looks its matches up', async () => {
    const folder = ChromaFolder.open(dir);
    try {
      for (const category of ['news', 'blog']) {
        await folder.prepareQuery(ref, byCategory(category), {}, { sliceMs: 0 });
        folder.query(ref, byCategory(category));
      }
      const labels = labelsOf(folder);
      const tables = vi.spyOn(RecordLabels.prototype as unknown as { emptyTable: () => unknown }, 'emptyTable');
      const colours = folder.collection(ref).prepareColumnAhead('category', { sliceMs: 0 }, (fn) => folder.snapshot(fn));
      // The colours' build of the table is under way (16 rows a page).
      for (let i = 0; i < 10_000 && tables.mock.calls.length === 0; i++) await new Promise((r) => setImmediate(r));
      expect(labels.built).toBe(false);
      await folder.prepareQuery(ref, byCategory('note'), {}, { sliceMs: 0 });
      expect(labels.buildingInBackground).toBe(false);
      expect(folder.query(ref, byCategory('note')).metadatas[0]!.every((m) => m?.category === 'note')).toBe(true);
      await colours;
      expect(labels.built).toBe(true);
      expect(tables).toHaveBeenCalledTimes(1);
    } finally {
      folder.close();
    }
  });

  it('of a collection below the size for background builds is built ahead of its third query, as before', async () => {
    columnTuning.backgroundFromRows = Number.MAX_SAFE_INTEGER;
    const folder = ChromaFolder.open(dir);
    try {
      for (const [i, category] of ['news', 'blog', 'note'].entries()) {
        await folder.prepareQuery(ref, byCategory(category), {}, { sliceMs: 0 });
        expect(labelsOf(folder).built).toBe(i === 2);
        folder.query(ref, byCategory(category));
      }
      expect(labelsOf(folder).buildingInBackground).toBe(false);
    } finally {
      folder.close();
    }
  });
});
