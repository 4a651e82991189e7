import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { EngineService, type EngineServiceOptions } from '../../src-main/service/engine-service.js';
import { startInspectorServer, type RunningServer } from '../../src-main/server/inspector-server.js';
import { repoRoot } from '../helpers/paths.js';

export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  for (const c of candidates) if (existsSync(c)) return c;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('Debian chromium is not installed (apt-get install -y chromium)');
  }
}

export interface Session {
  server: RunningServer;
  service: EngineService;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/**
 * `serve` on a folder (the real server and the built UI) and a headless Chromium page on it. No
 * folder: the open screen; `options.servers` as `serve <url>` sets them (a default server).
 */
export async function openInspector(folder: string | null, viewport = { width: 1440, height: 900 }, options: Omit<EngineServiceOptions, 'defaultFolder'> = {}): Promise<Session> {
  const staticRoot = join(repoRoot, 'dist-renderer');
  if (!existsSync(join(staticRoot, 'index.html'))) throw new Error('dist-renderer is missing: run npm run build');
  const service = new EngineService({ defaultFolder: folder, ...options });
  const server = await startInspectorServer({ service, staticRoot, port: 0 });
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(server.url);
  return {
    server,
    service,
    browser,
    page,
    close: async () => {
      await browser.close();
      await server.close();
      service.closeAll();
      if (errors.length) throw new Error(`the page threw: ${errors.join('\n')}`);
    },
  };
}

export const screenshotDir = join(repoRoot, 'docs', 'screenshots');
