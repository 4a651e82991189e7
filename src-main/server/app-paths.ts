import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, whether running from src (tests, tsx) or from dist (built CLI). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export const rendererRoot = () => join(packageRoot(), 'dist-renderer');

/** The demo shown when no folder is given: a folder written by real Chroma 1.3.4. */
export function demoFolderPath(): string {
  // Packaged apps carry it as an extra resource (electron-builder.yml).
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(join(resources, 'demo'))) return join(resources, 'demo');
  // The build copies it to dist/demo/, which the npm package ships (tsup.config.ts).
  const built = join(packageRoot(), 'dist', 'demo');
  if (existsSync(built)) return built;
  // A source checkout that has not been built yet: the test fixture it is copied from.
  return join(packageRoot(), 'test', 'fixtures', 'reference', 'chroma-1.3.4-seed7', 'data');
}
