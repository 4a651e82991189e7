import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineClient, type EngineClient } from '../../shared/client.js';
import { InspectorError } from '../../shared/errors.js';
import { startInspectorServer, type RunningServer } from '../../src-main/server/inspector-server.js';
import { EngineService } from '../../src-main/service/engine-service.js';
import { realPathOf } from '../../src-main/service/path-policy.js';
import { referenceFixture } from '../helpers/paths.js';
import { connectWebSocket } from '../helpers/ws-channel.js';

// serve's confinement: a token holder names paths only inside the served folder's parent and the
// --root folders; everything else is refused the same way whether it exists or not.
describe('serve confines every path a client names', () => {
  const top = realPathOf(mkdtempSync(join(tmpdir(), 'chroma-inspector-roots-wire-')));
  const served = join(top, 'work', 'data');
  const outside = join(top, 'elsewhere');
  let service: EngineService;
  let server: RunningServer;
  let client: EngineClient;
  let close: () => void;
  let handle = '';
  let collectionId = '';

  const refused = async (p: Promise<unknown>) => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('UNAUTHORIZED');
    return (err as InspectorError).message;
  };

  beforeAll(async () => {
    mkdirSync(join(top, 'work'));
    mkdirSync(outside);
    cpSync(join(referenceFixture('chroma-1.3.4-seed7'), 'data'), served, { recursive: true });
    cpSync(join(referenceFixture('chroma-1.0.1-seed7'), 'data'), join(outside, 'other-data'), { recursive: true });
    service = new EngineService({ defaultFolder: served, roots: [join(top, 'work')] });
    server = await startInspectorServer({ service, staticRoot: join(top, 'no-ui'), port: 0 });
    const channel = await connectWebSocket(`ws://127.0.0.1:${server.port}/api?token=${server.token}`);
    client = createEngineClient(channel);
    close = () => (client.close(), channel.close());
    const opened = await client.call('openFolder', { path: served });
    handle = opened.handle;
    collectionId = opened.info.tenants.flatMap((t) => t.databases.flatMap((d) => d.collections)).find((c) => c.name === 'tiny')!.id;
  });
  afterAll(async () => {
    close();
    await server.close();
    await service.closeAll();
    rmSync(top, { recursive: true, force: true });
  });

  it('opens, backs up, exports, verifies and restores inside the roots', async () => {
    const zip = join(top, 'work', 'b.zip');
    await client.call('backup', { handle, outZip: zip });
    expect(existsSync(zip)).toBe(true);
    await client.call('verifyBackup', { zip });
    await client.call('restoreBackup', { zip, newFolder: join(top, 'work', 'restored') });
    await client.call('exportRecords', { handle, collectionId, outFile: join(top, 'work', 'tiny.jsonl'), format: 'jsonl' });
    expect(existsSync(join(top, 'work', 'tiny.jsonl'))).toBe(true);
  });

  it('refuses every path outside, with the same words whether it exists or not, and writes nothing there', async () => {
    const messages = [
      await refused(client.call('openFolder', { path: join(outside, 'other-data') })),
      await refused(client.call('openFolder', { path: '/no/such/folder' })),
      await refused(client.call('openFolder', { path: join(top, 'work', '..', 'elsewhere', 'other-data') })),
      await refused(client.call('backup', { handle, outZip: join(outside, 'b.zip') })),
      await refused(client.call('exportRecords', { handle, collectionId, outFile: join(outside, 'authorized_keys'), format: 'csv' })),
      await refused(client.call('verifyBackup', { zip: '/etc/passwd' })),
      await refused(client.call('restoreBackup', { zip: join(top, 'work', 'b.zip'), newFolder: join(outside, 'restored') })),
    ];
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).not.toContain(outside);
    expect(existsSync(join(outside, 'b.zip')) || existsSync(join(outside, 'authorized_keys')) || existsSync(join(outside, 'restored'))).toBe(false);
  });
});
