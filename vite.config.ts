import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { CONTENT_SECURITY_POLICY } from './shared/content-security-policy.js';

const root = fileURLToPath(new URL('./src-renderer', import.meta.url));
const outDir = fileURLToPath(new URL('./dist-renderer', import.meta.url));

/** The built page carries the strict CSP (dev keeps Vite's inline HMR preamble working). */
function cspMeta(): Plugin {
  return {
    name: 'chroma-inspector-csp',
    apply: 'build',
    transformIndexHtml: () => [{ tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head' }],
  };
}

// The renderer: `src-renderer/index.html` → `dist-renderer/`, relative asset paths so the same
// build loads from file:// (Electron) and from the `serve` HTTP server.
export default defineConfig({
  root,
  base: './',
  plugins: [react(), cspMeta()],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
  server: {
    // `vite` dev against a running `chroma-inspector serve --port 8123`.
    proxy: { '/api': { target: 'ws://127.0.0.1:8123', ws: true } },
  },
});
