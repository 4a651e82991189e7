import { join } from 'node:path';
import type { RecordedCase } from './compare.js';
import { compareCase } from './compare.js';
// @ts-expect-error -- plain JS: the project's own real-Chroma tooling, also run from the shell
import * as install from '../reference-chroma/install.mjs';
// @ts-expect-error -- plain JS
import * as server from '../reference-chroma/chroma-server.mjs';
// @ts-expect-error -- plain JS
import { importChromadb, httpClients } from '../reference-chroma/record-fixture.mjs';
// @ts-expect-error -- plain JS
import { replayCases } from '../reference-chroma/replay-cases.mjs';
// @ts-expect-error -- plain JS
import { errorMessage } from '../reference-chroma/workload.mjs';

/**
 * Real Chroma for the round-trip suites: Chroma's Rust core and the official chromadb client,
 * installed from npm into a cache by test/reference-chroma/install.mjs (the test run's global
 * setup does it; see test/reference-chroma/global-setup.ts).
 */
export const CHROMA_VERSION: string = process.env.CHROMA_INSPECTOR_REF_VERSION ?? install.DEFAULT_CHROMA_VERSION;

export interface ChromaServer {
  port: number;
  url: string;
  log: string;
  /** SIGKILL (Chroma ignores TERM/INT; every acknowledged write is already on disk), then waits for the exit. */
  stop(): Promise<void>;
  /** Whether the server process is still running. */
  alive(): boolean;
  /** The end of the server's log, for a failure message. */
  logTail(): string;
}

/**
 * Runs a client call against `server`. A connection error while the server still runs is retried
 * once (a loopback connection reset on a loaded CI machine); any other failure is rethrown with
 * whether the server is still running and the end of its log, so a crash can be told from a bug.
 */
export async function callChroma<T>(server: ChromaServer, call: () => Promise<T>): Promise<T> {
  const isConnectionError = (e: unknown) => (e as Error)?.name === 'ChromaConnectionError';
  try {
    return await call();
  } catch (first) {
    let failure = first;
    if (isConnectionError(first) && server.alive()) {
      try {
        return await call();
      } catch (second) {
        failure = second;
      }
    }
    const err = failure as Error;
    err.message += `\n[Chroma on port ${server.port} ${server.alive() ? 'still runs' : 'has exited'}; its log ends:]\n${server.logTail()}`;
    throw err;
  }
}

/** Why real Chroma `version` cannot run here, or null when it can. */
export function realChromaProblem(version = CHROMA_VERSION): string | null {
  if (!install.installedChroma(version)) {
    const why = install.lastInstallProblem(`chroma-${version}`) ?? 'not installed (the test run installs it in its global setup)';
    return `real Chroma ${version}: ${why}`;
  }
  if (!install.installedClient()) return `the chromadb client: ${install.lastInstallProblem('client') ?? 'not installed'}`;
  return null;
}

/**
 * Tells the run, loudly, why a real-Chroma suite is skipped. With CHROMA_INSPECTOR_REQUIRE_REAL_CHROMA=1
 * (CI) a skip is an error instead.
 */
export function reportSkip(suite: string, problem: string | null): void {
  if (!problem) return;
  const line = `[${suite}] real-Chroma suite SKIPPED: ${problem}`;
  if (process.env.CHROMA_INSPECTOR_REQUIRE_REAL_CHROMA === '1') throw new Error(`${line} (required here)`);
  console.warn(`\n${'!'.repeat(line.length)}\n${line}\n${'!'.repeat(line.length)}\n`);
}

export const startChroma = (dataDir: string, version = CHROMA_VERSION): Promise<ChromaServer> => server.startChroma(dataDir, { version });
export const stopAllChroma = (): void => server.stopAllChroma();

/** chromadb-client factories for a server on `port`. */
export async function chromaClients(port: number): Promise<{ client: (tenant?: string, database?: string) => unknown; admin: () => unknown }> {
  return httpClients(await importChromadb(), port);
}

/** Replays `cases` against a Chroma server; returns the cases whose answers differ, with the difference. */
export async function mismatchesOverHttp(cases: RecordedCase[], port: number): Promise<string[]> {
  const { client } = await chromaClients(port);
  const got = (await replayCases(client, cases)) as RecordedCase[];
  return cases
    .map((c, i) => {
      const g = got[i]!;
      // Older recordings keep the request URL in server errors; compare them without it.
      const expected = c.error === undefined ? undefined : (errorMessage({ message: c.error }) as string);
      if (expected !== undefined || g.error !== undefined) return expected === g.error ? null : `${c.collection} | ${c.label}: expected error ${c.error}, got ${g.error ?? 'an answer'}`;
      const d = compareCase(c, g.result);
      return d ? `${c.collection} | ${c.label}: ${d}` : null;
    })
    .filter((x): x is string => x !== null);
}

export const repoCachePath = (...parts: string[]) => join(install.cacheRoot(), ...parts);
