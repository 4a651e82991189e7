import { useEffect, useRef } from 'react';
import type { ViewDef, ViewId } from './views.js';

interface Options {
  openPalette(): void;
  goView(view: ViewId): void;
  views: readonly ViewDef[];
}

export function isEditable(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT';
}

/**
 * Global keys: Ctrl/Cmd+K opens the palette (everywhere), `g <key>` jumps to a view (outside text
 * fields), Alt+1…9 too.
 */
export function useShortcuts({ openPalette, goView, views }: Options) {
  const pendingG = useRef(0);
  const latest = useRef({ openPalette, goView, views });
  latest.current = { openPalette, goView, views };

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const { openPalette: palette, goView: go, views: vs } = latest.current;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'k') {
        e.preventDefault();
        palette();
        return;
      }
      if (e.altKey && !e.ctrlKey && !e.metaKey && /^Digit[0-9]$/.test(e.code)) {
        // Alt+1 … Alt+9, and Alt+0 for the tenth view.
        const v = vs[(Number(e.code.slice(5)) || 10) - 1];
        if (v) {
          e.preventDefault();
          go(v.id);
        }
        return;
      }
      if (e.ctrlKey || e.metaKey || e.altKey || isEditable(e.target)) return;
      const now = Date.now();
      if (now - pendingG.current < 1200) {
        pendingG.current = 0;
        const v = vs.find((x) => x.key === e.key.toLowerCase());
        if (v) {
          e.preventDefault();
          go(v.id);
        }
        return;
      }
      if (e.key === 'g') pendingG.current = now;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
