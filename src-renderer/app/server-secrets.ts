import type { ServerCredentials } from '../../shared/contract.js';

/**
 * A recent server's secret, kept by the desktop app (Electron main, encrypted with safeStorage).
 * In the browser there is no such store: the secret is never kept and the open screen asks again.
 */
export interface SecretSaveResult {
  saved: boolean;
  /** Why it was not kept (no system encryption …). */
  reason?: string;
}

const host = () => window.chromaInspector;

export const canKeepSecrets = (): boolean => Boolean(host()?.saveServerSecret && host()?.loadServerSecret);

export async function saveServerSecret(key: string, credentials: ServerCredentials): Promise<SecretSaveResult> {
  const save = host()?.saveServerSecret;
  if (!save) return { saved: false, reason: 'Secrets are kept only by the desktop app' };
  try {
    return await save(key, credentials);
  } catch (err) {
    return { saved: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** The kept credentials, or null (none kept, not the desktop app, or unreadable). */
export async function loadServerSecret(key: string): Promise<ServerCredentials | null> {
  const load = host()?.loadServerSecret;
  if (!load) return null;
  try {
    const v = await load(key);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as ServerCredentials) : null;
  } catch {
    return null;
  }
}

export async function forgetServerSecret(key: string): Promise<void> {
  await host()
    ?.forgetServerSecret?.(key)
    .catch(() => undefined);
}
