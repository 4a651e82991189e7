import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { createInProcessClient } from '../../src-main/service/in-process-client.js';
import { realPathOf } from '../../src-main/service/path-policy.js';
import { hashTree } from '../helpers/hash-tree.js';
import { SAMPLE_COLLECTIONS, writePython050Folder } from './python-era-folder.js';
import { rows } from './real-answers.js';

describe('migratePreview, replayToSeq and exportWal over the contract', () => {
  const top = realPathOf(mkdtempSync(join(tmpdir(), 'chroma-inspector-migrate-contract-')));
  const root = join(top, 'work');
  const source = join(root, '050');
  const service = new EngineService({ roots: [root] });
  const client = createInProcessClient(service);
  let handle = '';
  let before: Record<string, string>;

  beforeAll(async () => {
    mkdirSync(root);
    writePython050Folder(source, SAMPLE_COLLECTIONS);
    before = hashTree(source);
    handle = (await client.call('openFolder', { path: source })).handle;
  });
  afterAll(async () => {
    client.close();
    await service.closeAll();
    expect(hashTree(source)).toEqual(before);
    rmSync(top, { recursive: true, force: true });
  });

  it('previews a migration with progress, inside the roots only', async () => {
    const messages: string[] = [];
    const preview = await client.call('migratePreview', { handle, newFolder: join(root, 'migrated'), to: 'js-1.3.4' }, { onProgress: (p) => messages.push(p.message ?? '') });
    expect(preview.folder).toBe(join(root, 'migrated'));
    expect(rows(preview.folder, 'SELECT count(*) AS n FROM migrations')).toEqual([{ n: 18 }]);
    expect(messages.some((m) => /applying 9 migration/.test(m))).toBe(true);
    const refused = await client.call('migratePreview', { handle, newFolder: join(top, 'outside'), to: '1.3.4' }).catch((e: unknown) => e);
    expect((refused as InspectorError).code).toBe('UNAUTHORIZED');
    expect(existsSync(join(top, 'outside'))).toBe(false);
  });

  it('replays to a seq and exports the WAL', async () => {
    const replay = await client.call('replayToSeq', { handle, newFolder: join(root, 'replayed'), seq: 3 });
    expect(replay.collections.find((c) => c.name === 'articles')?.records).toBe(3);
    const out = await client.call('exportWal', { handle, outFile: join(root, 'wal.parquet'), format: 'parquet' });
    expect(out.rows).toBe(rows(source, 'SELECT count(*) AS n FROM embeddings_queue')[0]!.n);
    const cancel = new AbortController();
    cancel.abort();
    const cancelled = await client.call('exportWal', { handle, outFile: join(root, 'never.jsonl'), format: 'jsonl' }, { signal: cancel.signal }).catch((e: unknown) => e);
    expect((cancelled as InspectorError).code).toBe('CANCELLED');
    expect(existsSync(join(root, 'never.jsonl'))).toBe(false);
  });
});
