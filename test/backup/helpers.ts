import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { rejectionMismatch } from '../helpers/chroma-errors.js';
import { compareCase, splitCollection, type RecordedCase } from '../helpers/compare.js';
import { referenceFixture } from '../helpers/paths.js';

export const FIXTURES = ['chroma-1.3.4-seed7', 'chroma-1.0.1-seed7'] as const;

/** A private scratch dir under the OS temp dir; `cleanup()` removes everything made in it. */
export function scratch(prefix = 'ci-backup-test-'): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a reference fixture's data folder (committed fixtures are never touched). */
export function copyFixture(name: string, into: string): string {
  const src = name === 'sample-1.3.4' ? referenceFixture(name) : join(referenceFixture(name), 'data');
  const dest = join(into, `${name}-data`);
  cpSync(src, dest, { recursive: true });
  return dest;
}

export function loadCases(name: string): RecordedCase[] {
  return (JSON.parse(readFileSync(join(referenceFixture(name), 'cases.json'), 'utf8')) as { cases: RecordedCase[] }).cases;
}

/** Runs every recorded case on a folder; returns the failures (empty = Chroma's answers and Chroma's errors). */
export function runCases(dir: string, cases: RecordedCase[]): string[] {
  const folder = ChromaFolder.open(dir);
  const failures: string[] = [];
  try {
    for (const c of cases) {
      const ref = splitCollection(c.collection);
      const run = () => (c.op === 'count' ? folder.count(ref) : c.op === 'get' ? folder.get(ref, c.args) : folder.query(ref, c.args));
      if (c.error !== undefined) {
        const d = rejectionMismatch(c, run);
        if (d) failures.push(`${c.collection} | ${c.label}: ${d}`);
        continue;
      }
      try {
        const d = compareCase(c, run());
        if (d) failures.push(`${c.collection} | ${c.label}: ${d}`);
      } catch (err) {
        failures.push(`${c.collection} | ${c.label}: threw ${(err as Error).message}`);
      }
    }
  } finally {
    folder.close();
  }
  return failures;
}
