import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ServerCredentials } from '../../shared/contract.js';

/**
 * Recent servers' credentials, so the app reopens a server without the secret typed again. Each
 * is encrypted with Electron's safeStorage (the OS keychain / DPAPI / libsecret) before it touches
 * the disk; the file under userData holds only ciphertext keyed by URL+tenant+database. Without
 * real encryption nothing is stored: the user types the secret again, never finds it in clear.
 */

/** The slice of Electron's `safeStorage` used here (injected, so tests run without Electron). */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means a password hard-coded in Chromium, i.e. no protection. */
  getSelectedStorageBackend?(): string;
}

export type SecretSaveResult = { saved: true } | { saved: false; reason: string };

interface SecretFile {
  version: 1;
  /** key → base64 of safeStorage's ciphertext of the credentials' JSON. */
  secrets: Record<string, string>;
}

const MAX_KEY = 2048;
export const NO_ENCRYPTION =
  'This system offers the app no encryption for secrets (Electron safeStorage is unavailable), so the secret is not stored: you type it again next time.';
export const WEAK_ENCRYPTION =
  'No keyring is available on this system (safeStorage would only obfuscate with a fixed password), so the secret is not stored: you type it again next time.';

export class ServerSecrets {
  constructor(
    private readonly file: string,
    private readonly safe: SafeStorageLike,
  ) {}

  /** Why secrets cannot be kept here, or null when they can. */
  problem(): string | null {
    if (!this.safe.isEncryptionAvailable()) return NO_ENCRYPTION;
    if (this.safe.getSelectedStorageBackend?.() === 'basic_text') return WEAK_ENCRYPTION;
    return null;
  }

  save(key: unknown, credentials: unknown): SecretSaveResult {
    if (!validKey(key)) return { saved: false, reason: 'Not a server key' };
    const parsed = ServerCredentials.safeParse(credentials);
    if (!parsed.success) return { saved: false, reason: 'Not server credentials' };
    const problem = this.problem();
    if (problem) return { saved: false, reason: problem };
    const data = this.read();
    data.secrets[key] = this.safe.encryptString(JSON.stringify(parsed.data)).toString('base64');
    this.write(data);
    return { saved: true };
  }

  /** The credentials kept for `key`, or null (none, or no longer decryptable: e.g. a new keychain). */
  load(key: unknown): ServerCredentials | null {
    if (!validKey(key) || this.problem()) return null;
    const stored = this.read().secrets[key];
    if (!stored) return null;
    try {
      const parsed = ServerCredentials.safeParse(JSON.parse(this.safe.decryptString(Buffer.from(stored, 'base64'))));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  }

  forget(key: unknown): boolean {
    if (!validKey(key)) return false;
    const data = this.read();
    if (!(key in data.secrets)) return false;
    delete data.secrets[key];
    this.write(data);
    return true;
  }

  private read(): SecretFile {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<SecretFile>;
      if (v.version === 1 && typeof v.secrets === 'object' && v.secrets !== null) {
        const secrets: Record<string, string> = Object.create(null) as Record<string, string>;
        for (const [k, c] of Object.entries(v.secrets)) if (typeof c === 'string') secrets[k] = c;
        return { version: 1, secrets };
      }
    } catch {
      /* first use or unreadable: start empty */
    }
    return { version: 1, secrets: Object.create(null) as Record<string, string> };
  }

  private write(data: SecretFile): void {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    // Owner-only: ciphertext, but still nobody else's business which servers the user reaches.
    writeFileSync(tmp, JSON.stringify(data, null, 2), { mode: 0o600 });
    renameSync(tmp, this.file);
  }
}

const validKey = (key: unknown): key is string => typeof key === 'string' && key.length > 0 && key.length <= MAX_KEY && key !== '__proto__';
