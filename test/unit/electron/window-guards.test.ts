import { describe, expect, it } from 'vitest';
import { denyAllPermissions, devServerUrlFor, guardContents } from '../../../src-main/app/window-guards.js';
import { makeUrlTrust } from '../../../src-main/app/ipc-handlers.js';

type Listener = (event: { preventDefault(): void; url?: string }, url?: string) => void;

function fakeContents() {
  const listeners = new Map<string, Listener>();
  let openHandler: ((d: { url: string }) => { action: 'deny' }) | null = null;
  return {
    contents: {
      on: (event: string, l: Listener) => listeners.set(event, l),
      setWindowOpenHandler: (h: typeof openHandler) => void (openHandler = h),
    },
    /** True when the guard refused the event. */
    fire(event: string, url: string, onEvent = false): boolean {
      let prevented = false;
      const e = { preventDefault: () => void (prevented = true), ...(onEvent ? { url } : {}) };
      listeners.get(event)!(e, onEvent ? undefined : url);
      return prevented;
    },
    open: (url: string) => openHandler!({ url }),
  };
}

describe('the window guards', () => {
  const trusted = makeUrlTrust('file:///app/dist-renderer/index.html');

  it('refuse navigation, redirects and frame navigation away from our page', () => {
    const f = fakeContents();
    const opened: string[] = [];
    guardContents(f.contents, trusted, (u) => opened.push(u));
    for (const event of ['will-navigate', 'will-redirect']) {
      expect(f.fire(event, 'https://evil.example/'), event).toBe(true);
      expect(f.fire(event, 'file:///etc/passwd'), event).toBe(true);
      expect(f.fire(event, 'file:///app/dist-renderer/index.html'), event).toBe(false);
    }
    expect(f.fire('will-frame-navigate', 'https://evil.example/frame', true)).toBe(true);
    expect(f.fire('will-frame-navigate', 'file:///app/dist-renderer/index.html', true)).toBe(false);
  });

  it('open no window: web links go to the browser, anything else nowhere', () => {
    const f = fakeContents();
    const opened: string[] = [];
    guardContents(f.contents, trusted, (u) => opened.push(u));
    expect(f.open('https://docs.trychroma.com/')).toEqual({ action: 'deny' });
    expect(f.open('file:///etc/passwd')).toEqual({ action: 'deny' });
    expect(f.open('javascript:alert(1)')).toEqual({ action: 'deny' });
    expect(opened).toEqual(['https://docs.trychroma.com/']);
  });

  it('grant no permission', () => {
    let request: ((c: unknown, p: string, cb: (g: boolean) => void) => void) | null = null;
    let check: ((c: unknown, p: string) => boolean) | null = null;
    denyAllPermissions({ setPermissionRequestHandler: (h) => void (request = h), setPermissionCheckHandler: (h) => void (check = h) });
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      let granted: boolean | null = null;
      request!(null, permission, (g) => void (granted = g));
      expect(granted, permission).toBe(false);
      expect(check!(null, permission), permission).toBe(false);
    }
  });

  it('honour the development server URL only unpackaged and only on loopback', () => {
    expect(devServerUrlFor(false, { CHROMA_INSPECTOR_DEV_URL: 'http://127.0.0.1:5173/' })).toBe('http://127.0.0.1:5173/');
    expect(devServerUrlFor(false, { CHROMA_INSPECTOR_DEV_URL: 'http://localhost:5173' })).toBe('http://localhost:5173/');
    expect(devServerUrlFor(true, { CHROMA_INSPECTOR_DEV_URL: 'http://127.0.0.1:5173/' })).toBeUndefined();
    expect(devServerUrlFor(false, { CHROMA_INSPECTOR_DEV_URL: 'https://evil.example/' })).toBeUndefined();
    expect(devServerUrlFor(false, { CHROMA_INSPECTOR_DEV_URL: 'file:///tmp/x.html' })).toBeUndefined();
    expect(devServerUrlFor(false, { CHROMA_INSPECTOR_DEV_URL: 'not a url' })).toBeUndefined();
    expect(devServerUrlFor(false, {})).toBeUndefined();
  });
});
