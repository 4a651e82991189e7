// The embedding map in a browser: `serve` on the folder and headless Chromium (Debian's, the e2e
// tests' browser) on its UI. Time to first draw: from clicking the Map tab to the frame after the
// canvas appears (the projection, its transfer and the first WebGL draw). Frame time: a wheel zoom
// per frame, the median time until the next frame is painted. Headless Chromium draws WebGL in
// software (SwiftShader), so frame times are a CPU's, not a GPU's.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { median } from './ops.mjs';
import { startServe } from './serve-process.mjs';

function chromiumPath() {
  for (const c of [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser']) if (c && existsSync(c)) return c;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

export async function measureMapDraw(root, folder, port = 18971) {
  const browserPath = chromiumPath();
  if (!browserPath) return null;
  const { chromium } = createRequire(join(root, 'package.json'))('playwright-core');
  const server = await startServe(root, folder, port);
  let browser = null;
  try {
    const url = server.url;
    browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'] });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    await page.goto(url);
    await page.getByTestId('view-map').waitFor({ timeout: 60_000 });
    const t0 = Date.now();
    await page.getByTestId('view-map').click();
    await page.getByTestId('map-canvas').waitFor({ timeout: 600_000 });
    const nextFrame = () => page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await nextFrame();
    const firstDrawMs = Date.now() - t0;
    const box = await page.getByTestId('map-overlay').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const frames = [];
    for (let i = 0; i < 15; i++) {
      const t = Date.now();
      await page.mouse.wheel(0, i % 2 ? 60 : -60);
      await nextFrame();
      frames.push(Date.now() - t);
    }
    return { firstDrawMs, frameMs: median(frames) };
  } finally {
    await browser?.close();
    server.kill();
  }
}
