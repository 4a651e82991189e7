// `npm start`: the Electron app where Electron can run, otherwise the same UI in a browser via
// `serve`, saying so. Arguments after `--` are passed on (e.g. a folder path).
// Electron's main opens a window only once its engine host loaded the native modules; when no host
// can (docs/electron.md), it exits with ENGINE_UNAVAILABLE_EXIT and this script serves instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const require = createRequire(import.meta.url);

function electronBinary() {
  try {
    const bin = require('electron'); // the package exports the binary path
    if (typeof bin === 'string' && existsSync(bin)) return bin;
    // Installed with the download skipped: try to fetch it now.
    const install = join(root, 'node_modules', 'electron', 'install.js');
    if (existsSync(install) && !process.env.CHROMA_INSPECTOR_NO_ELECTRON) {
      const r = spawnSync(process.execPath, [install], { cwd: join(root, 'node_modules', 'electron'), stdio: 'ignore', timeout: 120_000 });
      delete require.cache[require.resolve('electron')];
      const again = require('electron');
      if (r.status === 0 && typeof again === 'string' && existsSync(again)) return again;
    }
  } catch {
    /* not installed */
  }
  return null;
}

function canOpenWindows() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

/** Mirrors ENGINE_UNAVAILABLE_EXIT in src-main/app/engine-startup.ts (a unit test checks they agree). */
const ENGINE_UNAVAILABLE_EXIT = 78;

function serve(reason) {
  console.log(reason);
  const child = spawn(process.execPath, [join(root, 'dist', 'cli.js'), 'serve', ...args], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
}

const bin = process.env.CHROMA_INSPECTOR_NO_ELECTRON ? null : electronBinary();
if (bin && canOpenWindows()) {
  // In development the engine runs in this very Node (it built the native modules in node_modules,
  // Electron's own Node has another ABI): main forks it from here.
  const env = {
    ...process.env,
    CHROMA_INSPECTOR_LAUNCHER: 'start-script',
    CHROMA_INSPECTOR_NODE: process.execPath,
    CHROMA_INSPECTOR_NODE_ABI: process.versions.modules,
  };
  const child = spawn(bin, [join(root, 'dist', 'electron', 'main.js'), ...args], { stdio: 'inherit', env });
  child.on('exit', (code) => {
    if (code === ENGINE_UNAVAILABLE_EXIT) {
      serve("The desktop app's engine could not load its native modules (see above): serving the UI in your browser instead.");
    } else {
      process.exit(code ?? 0);
    }
  });
} else {
  serve(
    bin
      ? 'No display is available for an Electron window: serving the UI in your browser instead.'
      : "Electron's binary is not available on this machine (it could not be downloaded): serving the UI in your browser instead.",
  );
}
