import type { RealChromaCheck, RealChromaCollection } from '../../../shared/models.js';
import { InspectorError } from '../../../shared/errors.js';
import { cancelled } from '../backup/task.js';
import { ChromaHttp, ChromaHttpError } from './chroma-http.js';
import { ChromaDidNotStart, withRealChroma, type RunningChroma, type ServeOptions } from './chroma-process.js';
import { compareQuery, compareRecords, widthOf } from './compare-answers.js';
import type { ExpectedCollection } from './expected-answers.js';
import { CHROMA_ENV, ChromaUnusable, describeChroma, locateChroma, type ChromaSetting, type FoundChroma } from './find-chroma.js';

/** Chroma's start-up (it may migrate the copy first) and the checks, together. */
export const DEFAULT_TIMEOUT_MS = 300_000;

export interface RealChromaOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  say?: (message: string) => void;
  /** Test seams (chroma-process.ts). */
  beforeStart?: ServeOptions['beforeStart'];
  onStarted?: ServeOptions['onStarted'];
}

/** Either a Chroma to run, or the report of why none runs (no failure). */
export type RealChromaTarget = { found: FoundChroma; skipped?: undefined } | { found?: undefined; skipped: RealChromaCheck };

const skipped = (note: string, chroma: RealChromaCheck['chroma'] = null): { skipped: RealChromaCheck } => ({
  skipped: { chroma, opened: false, collections: [], differences: [], note },
});

/**
 * Which real Chroma checks a result, decided before any work: none for 'off' or when none is
 * installed (the report says so). A path the user named (the setting or CHROMA_INSPECTOR_CHROMA)
 * that does not exist or does not run is an error; a `chroma` on PATH that does not run is noted.
 */
export async function resolveRealChroma(setting: ChromaSetting = 'auto', signal?: AbortSignal): Promise<RealChromaTarget> {
  if (setting === 'off') return skipped('not checked with a real Chroma: the check is turned off');
  const named = setting !== 'auto' || Boolean(process.env[CHROMA_ENV]);
  const executable = locateChroma(setting);
  if (executable === null) return skipped(`not checked with a real Chroma: none found (no \`chroma\` on PATH; name one with ${CHROMA_ENV} or --chroma PATH)`);
  try {
    return { found: await describeChroma(executable, signal) };
  } catch (err) {
    if (!(err instanceof ChromaUnusable)) throw err;
    if (named) throw new InspectorError('INVALID_ARGUMENT', `the Chroma executable ${err.message}`, { reason: 'chroma.unusable', file: executable });
    return skipped(`not checked with a real Chroma: the \`chroma\` on PATH, ${err.message}`, { executable, version: null });
  }
}

const label = (c: { tenant: string; database: string; name: string }) => `${c.tenant}/${c.database}/${c.name}`;

/** A query by a stored vector, named across runs: the collection, then the id whose vector it is. */
const queryKey = (where: string, by: string) => `${where}\u0000${by}`;

async function compareAll(chroma: RunningChroma, expected: readonly ExpectedCollection[], signal: AbortSignal, say?: (m: string) => void) {
  const http = new ChromaHttp(chroma.url, signal);
  const collections: RealChromaCollection[] = [];
  const differences: string[] = [];
  /** The queries whose neighbours differed, by queryKey: the difference each gave. */
  const neighbourMisses = new Map<string, string>();
  const places = new Map<string, ExpectedCollection[]>();
  for (const c of expected) places.set(`${c.tenant}\u0000${c.database}`, [...(places.get(`${c.tenant}\u0000${c.database}`) ?? []), c]);
  for (const group of places.values()) {
    const { tenant, database } = group[0]!;
    let listed: Map<string, string>;
    try {
      listed = new Map((await http.collections(tenant, database)).map((c) => [c.id, c.name]));
    } catch (err) {
      if (!(err instanceof ChromaHttpError)) throw err;
      differences.push(`${tenant}/${database}: Chroma does not list its collections: ${err.message}`);
      collections.push(...group.map((c) => ({ tenant, database, name: c.name, count: null, expected: c.count, ok: false })));
      continue;
    }
    for (const id of listed.keys()) {
      if (!group.some((c) => c.id === id)) differences.push(`${tenant}/${database}: Chroma lists a collection ${listed.get(id)} (${id}) the original does not have`);
    }
    for (const c of group) {
      if (signal.aborted) throw cancelled();
      const where = label(c);
      say?.(`real Chroma: ${where}`);
      const before = differences.length;
      let count: number | null = null;
      if (!listed.has(c.id)) {
        differences.push(`${where}: Chroma does not list it`);
      } else {
        try {
          count = await http.count(tenant, database, c.id);
          if (c.count !== null && count !== c.count) differences.push(`${where}: Chroma counts ${count} records, the original ${c.count}`);
          if (c.sample.length > 0) differences.push(...compareRecords(where, c, await http.get(tenant, database, c.id, c.sample.map((r) => r.id))));
          for (const q of c.queries) {
            const d = compareQuery(where, q, await http.query(tenant, database, c.id, q.vector, widthOf(q, c.count)));
            if (!d) continue;
            differences.push(d);
            neighbourMisses.set(queryKey(where, q.by), d);
          }
        } catch (err) {
          if (!(err instanceof ChromaHttpError)) throw err;
          differences.push(`${where}: ${err.message}`);
        }
      }
      collections.push({ tenant, database, name: c.name, count, expected: c.count, ok: differences.length === before });
    }
  }
  return { collections, differences, neighbourMisses };
}

/**
 * The neighbour differences that a second, fresh Chroma process shows again. Chroma inserts a WAL
 * tail into its graph in parallel, differently in each process, so one run's graph can miss a
 * neighbour the next one finds (seen in CI: a migrated copy's three queries on one small
 * collection); damage to the copy misses in every run.
 */
async function recheckNeighbours(found: FoundChroma, dir: string, expected: readonly ExpectedCollection[], misses: Map<string, string>, signal: AbortSignal, opts: RealChromaOptions) {
  return withRealChroma(found.executable, dir, { signal, beforeStart: opts.beforeStart, onStarted: opts.onStarted }, async (running) => {
    const http = new ChromaHttp(running.url, signal);
    const again = new Set<string>();
    for (const c of expected) {
      const where = label(c);
      for (const q of c.queries) {
        if (!misses.has(queryKey(where, q.by))) continue;
        if (signal.aborted) throw cancelled();
        if (compareQuery(where, q, await http.query(c.tenant, c.database, c.id, q.vector, widthOf(q, c.count)))) again.add(misses.get(queryKey(where, q.by))!);
      }
    }
    return again;
  });
}

/**
 * Starts the found Chroma on a throwaway copy of `dir` (chroma-process.ts) and compares, over its
 * HTTP API, every expected collection: listed, counted, the sampled records' documents and
 * metadata, and nearest-neighbour queries by stored vectors. Chroma always stops and the copy is
 * removed, also on cancel (which throws CANCELLED) and on the time limit (a difference).
 */
export async function checkWithRealChroma(found: FoundChroma, dir: string, expected: readonly ExpectedCollection[], opts: RealChromaOptions = {}): Promise<RealChromaCheck> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const signal = AbortSignal.any([...(opts.signal ? [opts.signal] : []), AbortSignal.timeout(timeoutMs)]);
  const chroma = { executable: found.executable, version: found.version };
  const who = `Chroma ${found.version ?? '(version unknown)'} (${found.executable})`;
  let opened = false;
  try {
    opts.say?.(`starting ${who} on a copy`);
    const compared = await withRealChroma(found.executable, dir, { signal, beforeStart: opts.beforeStart, onStarted: opts.onStarted }, async (running) => {
      opened = true;
      if (running.api === 'v1') return { collections: [], differences: [], neighbourMisses: new Map<string, string>(), v1: true };
      return { ...(await compareAll(running, expected, signal, opts.say)), v1: false };
    });
    let { collections, differences } = compared;
    if (compared.neighbourMisses.size > 0) {
      opts.say?.(`checking ${compared.neighbourMisses.size} differing quer${compared.neighbourMisses.size === 1 ? 'y' : 'ies'} again on a fresh Chroma`);
      const again = await recheckNeighbours(found, dir, expected, compared.neighbourMisses, signal, opts);
      const passing = new Set([...compared.neighbourMisses.values()].filter((d) => !again.has(d)));
      differences = differences.filter((d) => !passing.has(d));
      collections = collections.map((c) => ({ ...c, ok: c.ok || !differences.some((d) => d.startsWith(`${label(c)}:`)) }));
    }
    const note = compared.v1
      ? `${who} opened the copy but answers only API v1 (Chroma before 0.6): records not compared`
      : differences.length === 0
        ? `${who} opened the copy and agrees with the original: ${collections.length} collection(s) counted, sampled records and queries compared`
        : `${who} opened the copy and disagrees with the original in ${differences.length} place(s)`;
    return { chroma, opened: true, collections, differences, note };
  } catch (err) {
    if (opts.signal?.aborted) throw cancelled();
    const why = signal.aborted
      ? `it did not ${opened ? 'finish answering' : 'answer'} within ${Math.round(timeoutMs / 1000)} s`
      : err instanceof ChromaDidNotStart || err instanceof ChromaHttpError
        ? err.message
        : (err as NodeJS.ErrnoException).code !== undefined && !(err instanceof InspectorError)
          ? `its copy could not be made: ${(err as Error).message}` // e.g. no space left in the temp folder
          : null;
    if (why === null) throw err;
    return { chroma, opened, collections: [], differences: [`${who}: ${why}`], note: `${who} ${opened ? 'opened the copy but failed' : 'did not open the copy'}: ${why}` };
  }
}
