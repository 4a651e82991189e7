// The window's guards, written against structural slices of Electron's objects so they can be
// tested without Electron: no navigation, redirect or frame navigation away from our page, no new
// windows, no permission (camera, notifications, clipboard, …) ever granted, and the development
// server URL honoured only in an unpackaged run and only on this machine.

export interface GuardedContents {
  on(event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', listener: (event: { preventDefault(): void; url?: string }, url?: string) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

export interface PermissionSession {
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void;
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void;
}

/** Our page only: every way of leaving it is refused; http(s) links open in the user's browser. */
export function guardContents(contents: GuardedContents, isTrustedUrl: (url: string) => boolean, openExternal: (url: string) => void): void {
  const refuseUntrusted = (event: { preventDefault(): void; url?: string }, url?: string) => {
    // will-frame-navigate passes the URL on the event; the others as an argument.
    if (!isTrustedUrl(url ?? event.url ?? '')) event.preventDefault();
  };
  contents.on('will-navigate', refuseUntrusted);
  contents.on('will-redirect', refuseUntrusted);
  contents.on('will-frame-navigate', refuseUntrusted);
  contents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) openExternal(url);
    return { action: 'deny' };
  });
}

/** The inspector needs no permission at all: every request and check is answered no. */
export function denyAllPermissions(session: PermissionSession): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
}

/**
 * CHROMA_INSPECTOR_DEV_URL (the Vite dev server) only when running from source, and only an
 * http URL on loopback: a packaged app must never load, or trust for IPC, a page named by the
 * environment.
 */
export function devServerUrlFor(isPackaged: boolean, env: Record<string, string | undefined>): string | undefined {
  const raw = env.CHROMA_INSPECTOR_DEV_URL;
  if (isPackaged || !raw) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname) ? url.toString() : undefined;
  } catch {
    return undefined;
  }
}
