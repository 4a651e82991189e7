import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: { name: string; version: string } | null = null;

/** This tool's name and version from its package.json, from src (tests) or dist (built CLI). */
export function toolVersion(): { name: string; version: string } {
  if (cached) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      try {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === 'chroma-inspector' && pkg.version) return (cached = { name: pkg.name, version: pkg.version });
      } catch {
        /* keep looking */
      }
    }
    dir = dirname(dir);
  }
  return (cached = { name: 'chroma-inspector', version: 'unknown' });
}
