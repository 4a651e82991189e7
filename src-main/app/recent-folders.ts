import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const MAX = 10;

/** Recently opened folders, newest first, kept in the app's own data folder (never the user's). */
export class RecentFolders {
  private items: string[];

  constructor(private readonly file: string) {
    this.items = [];
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (Array.isArray(parsed)) this.items = parsed.filter((p): p is string => typeof p === 'string').slice(0, MAX);
    } catch {
      /* first run or unreadable: start empty */
    }
  }

  list(): string[] {
    return this.items.filter((p) => existsSync(p));
  }

  add(path: string): void {
    this.items = [path, ...this.items.filter((p) => p !== path)].slice(0, MAX);
    this.save();
  }

  clear(): void {
    this.items = [];
    this.save();
  }

  private save() {
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.items, null, 2));
    renameSync(tmp, this.file);
  }
}
