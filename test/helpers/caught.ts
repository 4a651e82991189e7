import { expect } from 'vitest';
import { InspectorError } from '../../shared/errors.js';

/** The InspectorError `p` rejects with; the test fails if it resolves or rejects with anything else. */
export async function caught(p: Promise<unknown>): Promise<InspectorError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InspectorError);
  return err as InspectorError;
}
