import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChromaFolder } from '../../src-main/engine/chroma-folder.js';
import { referenceFixture } from './paths.js';

/**
 * A reference fixture collection's vector segment: in the fixture itself (`copyInto` null: the
 * test only reads it), or in a temp copy the test may damage, whose root is pushed to `copyInto`
 * for the test to remove.
 */
export function fixtureSegment(fixture: string, collection: string, copyInto: string[] | null) {
  let dir = join(referenceFixture(fixture), 'data');
  if (copyInto) {
    const root = mkdtempSync(join(tmpdir(), 'chroma-inspector-segment-'));
    copyInto.push(root);
    cpSync(dir, join(root, 'data'), { recursive: true });
    dir = join(root, 'data');
  }
  const f = ChromaFolder.open(dir);
  try {
    const c = f.collection({ name: collection });
    const seg = c.catalog.vectorSegment!.id;
    return { dir, seg, space: c.params.space, segDir: join(dir, seg) };
  } finally {
    f.close();
  }
}
