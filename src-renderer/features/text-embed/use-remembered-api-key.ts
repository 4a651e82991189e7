import { useEffect, useRef, useState } from 'react';
import { canKeepSecrets, forgetServerSecret, loadServerSecret, saveServerSecret } from '../../app/server-secrets.js';
import { apiKeySecretName } from './text-embed-settings.js';

export interface RememberedApiKey {
  /** The desktop app can keep it (Electron safeStorage); the browser never stores it. */
  canKeep: boolean;
  remember: boolean;
  setRemember(on: boolean): void;
  /** Why the key was not kept (no system encryption …). */
  notice: string | null;
}

/**
 * An API key for `endpoint`, kept encrypted by the desktop app when the user asks: loaded back
 * into an empty field, saved again when it changes, forgotten when "Remember" is switched off.
 * `apiKey` should be the settled (debounced) value so typing does not save per keystroke.
 */
export function useRememberedApiKey(endpoint: string | null, apiKey: string, fill: (update: (current: string) => string) => void): RememberedApiKey {
  const canKeep = canKeepSecrets();
  const [remember, setRememberState] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const saved = useRef<string | null>(null);

  useEffect(() => {
    if (!canKeep || !endpoint) return;
    let live = true;
    void loadServerSecret(apiKeySecretName(endpoint)).then((kept) => {
      if (!live || !kept?.apiKey) return;
      const key = kept.apiKey;
      saved.current = key;
      fill((current) => current || key);
      setRememberState(true);
    });
    return () => {
      live = false;
    };
    // `fill` is a state setter wrapper: only the endpoint decides what to load.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [canKeep, endpoint]);

  useEffect(() => {
    const key = apiKey.trim();
    if (!canKeep || !remember || !endpoint || !key || saved.current === key) return;
    void saveServerSecret(apiKeySecretName(endpoint), { apiKey: key }).then((r) => {
      if (r.saved) saved.current = key;
      else setRememberState(false);
      setNotice(r.saved ? null : (r.reason ?? 'The key was not kept'));
    });
  }, [canKeep, remember, endpoint, apiKey]);

  const setRemember = (on: boolean) => {
    setRememberState(on);
    setNotice(null);
    if (!on && endpoint) {
      saved.current = null;
      void forgetServerSecret(apiKeySecretName(endpoint));
    }
  };
  return { canKeep, remember, setRemember, notice };
}
