import { toChromaError } from '../../src-main/client/errors.js';
import type { RecordedCase } from './compare.js';

/**
 * Compares the error our engine threw for a recorded case with the message real Chroma gave.
 *
 * Chroma's recorded messages come from the `chromadb` JS client. When the server rejected a
 * request, the client wraps the server's message as "Bad request to <request URL> with status:
 * <message>"; the engine (ChromaFolder) has no HTTP layer, so that envelope is removed and the
 * rest must equal the engine's message exactly. Messages the client produced itself (argument
 * checks such as "Expected 'ids' to be a non-empty list") have no envelope and are compared as
 * they are.
 */
export const withoutHttpEnvelope = (message: string) => message.replace(/^Bad request to \S+ with status: /, '');

/**
 * Cases whose engine message is known to differ from Chroma's, keyed `collection | label` (the
 * same workload runs in every reference fixture). The test asserts that each one still differs,
 * so fixing the message forces removing it from this list, and that PersistentClient's mapping
 * (toChromaError) turns our error into exactly Chroma's message.
 *
 * - "query ids" where the ids filter names a record whose vector Chroma cannot find: Chroma says
 *   "Error executing plan: Internal error: Error finding id"; the engine says
 *   "Error finding id <id>: the record has no vector in the index" (code INTERNAL_ID_NOT_FOUND).
 */
export const KNOWN_ERROR_DIFFERENCES: ReadonlyMap<string, string> = new Map([
  ['articles | query ids', 'Error executing plan: Internal error: Error finding id'],
  ['points | query ids', 'Error executing plan: Internal error: Error finding id'],
  ['inner | query ids', 'Error executing plan: Internal error: Error finding id'],
  ['tickets@acme/prod | query ids', 'Error executing plan: Internal error: Error finding id'],
]);

export const caseKey = (c: Pick<RecordedCase, 'collection' | 'label'>) => `${c.collection} | ${c.label}`;

/** Null when `err` is what Chroma answered for `c` (or a listed known difference, still as listed); else what is wrong. */
export function errorMismatch(c: RecordedCase, err: unknown): string | null {
  if (c.error === undefined) throw new Error(`${caseKey(c)}: Chroma did not reject this case`);
  if (!(err instanceof Error)) return `expected an Error, got ${String(err)}`;
  const want = withoutHttpEnvelope(c.error);
  const known = KNOWN_ERROR_DIFFERENCES.get(caseKey(c));
  if (known !== undefined) {
    if (c.error !== known) return `known difference lists Chroma's message as ${JSON.stringify(known)}, but Chroma recorded ${JSON.stringify(c.error)}`;
    if (err.message === want) return `our message now equals Chroma's (${JSON.stringify(want)}): remove "${caseKey(c)}" from KNOWN_ERROR_DIFFERENCES`;
    const mapped = toChromaError(err);
    const mappedMessage = mapped instanceof Error ? mapped.message : String(mapped);
    return mappedMessage === c.error ? null : `PersistentClient would say ${JSON.stringify(mappedMessage)}, Chroma said ${JSON.stringify(c.error)}`;
  }
  return err.message === want ? null : `our message ${JSON.stringify(err.message)}, Chroma's ${JSON.stringify(want)}`;
}

/** Runs `run`, which must throw; returns null when the error matches Chroma's recorded one. */
export function rejectionMismatch(c: RecordedCase, run: () => unknown): string | null {
  try {
    run();
  } catch (err) {
    return errorMismatch(c, err);
  }
  return `expected an error (Chroma: ${c.error}), got an answer`;
}
