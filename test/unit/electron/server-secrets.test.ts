import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_ENCRYPTION, ServerSecrets, WEAK_ENCRYPTION, type SafeStorageLike } from '../../../src-main/app/server-secrets.js';
import { registerSecretHandlers, type IpcMainEventLike } from '../../../src-main/app/ipc-handlers.js';
import { CHANNELS, createPreloadApi } from '../../../src-main/preload/preload-api.js';

/**
 * A stand-in for Electron's safeStorage: reversible, but nothing of the plain text survives in
 * the bytes (each byte flipped, then reversed), so a test can prove the file never holds it.
 */
function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}): SafeStorageLike & { encryptString: ReturnType<typeof vi.fn> } {
  const scramble = (b: Buffer) => Buffer.from([...b].map((x) => x ^ 0xa5).reverse());
  return {
    isEncryptionAvailable: () => opts.available ?? true,
    encryptString: vi.fn((plain: string) => Buffer.concat([Buffer.from('ENC1'), scramble(Buffer.from(plain, 'utf8'))])),
    decryptString: (b: Buffer) => {
      if (b.subarray(0, 4).toString() !== 'ENC1') throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return scramble(b.subarray(4)).toString('utf8');
    },
    ...(opts.backend ? { getSelectedStorageBackend: () => opts.backend! } : {}),
  };
}

const KEY = 'https://chroma.example.com|acme|prod';
const TOKEN = { token: 'sk-very-secret-token-1234', tokenHeader: 'x-chroma-token' as const };
const dirs: string[] = [];
const tempFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'ci-secrets-'));
  dirs.push(d);
  return join(d, 'user-data', 'server-secrets.json');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the server secret store (safeStorage)', () => {
  it('keeps credentials encrypted, never in plain text, and gives them back', () => {
    const file = tempFile();
    const store = new ServerSecrets(file, fakeSafeStorage());
    expect(store.save(KEY, TOKEN)).toEqual({ saved: true });
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('sk-very-secret');
    expect(text).not.toContain('x-chroma-token');
    expect(JSON.parse(text)).toMatchObject({ version: 1, secrets: { [KEY]: expect.any(String) } });
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    // A new store (the app restarted) reads it back.
    expect(new ServerSecrets(file, fakeSafeStorage()).load(KEY)).toEqual(TOKEN);
    expect(store.load('http://other|a|b')).toBeNull();
  });

  it('keeps one secret per URL+tenant+database and forgets one without touching the others', () => {
    const file = tempFile();
    const store = new ServerSecrets(file, fakeSafeStorage());
    const basic = { basicAuth: { username: 'admin', password: 'p@ss word' } };
    store.save(KEY, TOKEN);
    store.save('http://localhost:8000||', basic);
    store.save(KEY, { apiKey: 'ck-new' });
    expect(store.load(KEY)).toEqual({ apiKey: 'ck-new' });
    expect(store.forget(KEY)).toBe(true);
    expect(store.forget(KEY)).toBe(false);
    expect(store.load(KEY)).toBeNull();
    expect(store.load('http://localhost:8000||')).toEqual(basic);
  });

  it('refuses to store anything without system encryption, and says why', () => {
    const file = tempFile();
    const safe = fakeSafeStorage({ available: false });
    const store = new ServerSecrets(file, safe);
    expect(store.save(KEY, TOKEN)).toEqual({ saved: false, reason: NO_ENCRYPTION });
    expect(existsSync(file)).toBe(false);
    expect(safe.encryptString).not.toHaveBeenCalled();
    expect(store.load(KEY)).toBeNull();
  });

  it("refuses Linux's basic_text backend: a fixed password is no protection", () => {
    const file = tempFile();
    const store = new ServerSecrets(file, fakeSafeStorage({ backend: 'basic_text' }));
    expect(store.save(KEY, TOKEN)).toEqual({ saved: false, reason: WEAK_ENCRYPTION });
    expect(existsSync(file)).toBe(false);
    expect(new ServerSecrets(tempFile(), fakeSafeStorage({ backend: 'gnome_libsecret' })).save(KEY, TOKEN)).toEqual({ saved: true });
  });

  it('stores only well-formed credentials under a sensible key', () => {
    const store = new ServerSecrets(tempFile(), fakeSafeStorage());
    expect(store.save(KEY, { token: 'x', password: 'smuggled' })).toMatchObject({ saved: false });
    expect(store.save(KEY, 'a string')).toMatchObject({ saved: false });
    expect(store.save(KEY, { tokenHeader: 'cookie', token: 'x' })).toMatchObject({ saved: false });
    expect(store.save('', TOKEN)).toMatchObject({ saved: false });
    expect(store.save(42, TOKEN)).toMatchObject({ saved: false });
    expect(store.save('__proto__', TOKEN)).toMatchObject({ saved: false });
    expect(store.save('k'.repeat(5000), TOKEN)).toMatchObject({ saved: false });
  });

  it('answers null for what it can no longer decrypt, and starts over from a damaged file', () => {
    const file = tempFile();
    new ServerSecrets(file, fakeSafeStorage()).save(KEY, TOKEN);
    const data = JSON.parse(readFileSync(file, 'utf8')) as { secrets: Record<string, string> };
    data.secrets[KEY] = Buffer.from('not ours').toString('base64');
    writeFileSync(file, JSON.stringify(data));
    expect(new ServerSecrets(file, fakeSafeStorage()).load(KEY)).toBeNull();
    writeFileSync(file, '{ not json');
    const store = new ServerSecrets(file, fakeSafeStorage());
    expect(store.load(KEY)).toBeNull();
    expect(store.save(KEY, TOKEN)).toEqual({ saved: true });
    expect(store.load(KEY)).toEqual(TOKEN);
  });
});

describe('secret IPC: main handlers and the preload calls', () => {
  const INDEX = 'file:///opt/chroma-inspector/dist-renderer/index.html';
  function setup() {
    const handlers = new Map<string, (event: IpcMainEventLike, ...args: unknown[]) => unknown>();
    const secrets = { save: vi.fn(() => ({ saved: true })), load: vi.fn(() => TOKEN), forget: vi.fn(() => true) };
    const onRejected = vi.fn();
    registerSecretHandlers({ handle: (c, l) => handlers.set(c, l) }, { isTrustedUrl: (u) => u === INDEX, secrets, onRejected });
    const call = (channel: string, url: string, ...args: unknown[]) => handlers.get(channel)!({ senderFrame: { url }, sender: { id: 1 } }, ...args);
    return { handlers, secrets, onRejected, call };
  }

  it('answers our own page', () => {
    const { handlers, secrets, call } = setup();
    expect([...handlers.keys()].sort()).toEqual([CHANNELS.forgetServerSecret, CHANNELS.loadServerSecret, CHANNELS.saveServerSecret].sort());
    expect(call(CHANNELS.saveServerSecret, INDEX, KEY, TOKEN)).toEqual({ saved: true });
    expect(secrets.save).toHaveBeenCalledWith(KEY, TOKEN);
    expect(call(CHANNELS.loadServerSecret, INDEX, KEY)).toEqual(TOKEN);
    expect(call(CHANNELS.forgetServerSecret, INDEX, KEY)).toBeUndefined();
    expect(secrets.forget).toHaveBeenCalledWith(KEY);
  });

  it('rejects any other sender without touching the store', () => {
    const { secrets, onRejected, call } = setup();
    for (const url of ['https://evil.example/', 'file:///tmp/other.html', '']) {
      expect(() => call(CHANNELS.loadServerSecret, url, KEY)).toThrow(/Refused/);
      expect(() => call(CHANNELS.saveServerSecret, url, KEY, TOKEN)).toThrow(/Refused/);
    }
    expect(secrets.load).not.toHaveBeenCalled();
    expect(secrets.save).not.toHaveBeenCalled();
    expect(onRejected).toHaveBeenCalledTimes(6);
  });

  it('the preload invokes those channels', async () => {
    const invoke = vi.fn(async (channel: string): Promise<unknown> => (channel === CHANNELS.loadServerSecret ? TOKEN : { saved: true }));
    const api = createPreloadApi({ send: vi.fn(), invoke, on: vi.fn(), removeListener: vi.fn() }, { postMessage: vi.fn() });
    await expect(api.saveServerSecret(KEY, TOKEN)).resolves.toEqual({ saved: true });
    await expect(api.loadServerSecret(KEY)).resolves.toEqual(TOKEN);
    await expect(api.forgetServerSecret(KEY)).resolves.toBeUndefined();
    expect(invoke.mock.calls).toEqual([
      [CHANNELS.saveServerSecret, KEY, TOKEN],
      [CHANNELS.loadServerSecret, KEY],
      [CHANNELS.forgetServerSecret, KEY],
    ]);
  });
});
