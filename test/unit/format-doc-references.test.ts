import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/paths.js';

/**
 * The code cites the format document by section (`docs/format.md §6.9`, `docs/format.md §4.7, §6.8`,
 * `docs/format.md §6.5 pitfalls`, `docs/format.md §3.7, failure F12`). These tests keep those
 * citations pointing at headings that exist, and keep the repo free of references to the
 * out-of-repo notes the document was written from.
 */

const DOC_PATH = join(repoRoot, 'docs', 'format.md');
const SCANNED_DIRS = ['src-main', 'shared', 'src-renderer', 'test', 'scripts'];
const SCANNED_EXTENSIONS = ['.ts', '.tsx', '.mjs'];
/** Relative to the repo root, with `/` separators. */
const SKIPPED_DIRS = ['test/fixtures'];
/** This file necessarily spells out the names it looks for. */
const THIS_FILE = relative(repoRoot, fileURLToPath(import.meta.url)).split(sep).join('/');
/** Assembled so that no source file, this one included, contains the name it forbids. */
const FORBIDDEN_NAME = ['chroma', 'format.md'].join('-');

interface Citation {
  line: number;
  section: string;
  /** Failure modes cited right after the sections (`§3.7, F4`, `§3.7, failure F12`). */
  failures: string[];
}

const NUM = String.raw`\d+(?:\.\d+)*`;
/**
 * `docs/format.md`, optionally broken across a comment line (`docs/format.md\n * §2.6`), then one
 * `§N`, then more joined by `,` `/` `and` `&` (each optionally repeating the file name), then
 * optional failure-mode numbers. Trailing words (`pitfalls`, `step 5`, `writer`) end the list.
 */
const CITATION = new RegExp(
  String.raw`docs/format\.md(?:\s*\*)?[ \t]*§${NUM}(?:\s*(?:,|/|\band\b|&)\s*(?:docs/format\.md\s*)?§${NUM})*((?:\s*,\s*(?:failure\s+)?F\d+\b)*)`,
  'g',
);
const SECTION = new RegExp(`§(${NUM})`, 'g');

/** Every section cited in `text`, with its 1-based line. */
function findCitations(text: string): Citation[] {
  const lineAt = (index: number) => text.slice(0, index).split('\n').length;
  const out: Citation[] = [];
  for (const m of text.matchAll(CITATION)) {
    const failures = [...(m[1] ?? '').matchAll(/F(\d+)/g)].map((f) => `F${f[1]}`);
    for (const s of m[0].matchAll(SECTION)) {
      out.push({ line: lineAt(m.index + s.index), section: s[1]!, failures });
    }
  }
  return out;
}

/** Section numbers of the document's headings: `## 2. SQLite …` → 2, `### 6.9 When …` → 6.9. */
function headingNumbers(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6}[ \t]+(\d+(?:\.\d+)*)\.?[ \t]/gm)].map((m) => m[1]!));
}

/** Failure modes defined in §9.2 as bold `**F12**` markers. */
function failureModes(markdown: string): Set<string> {
  const start = markdown.search(/^###[ \t]+9\.2[ \t]/m);
  if (start < 0) return new Set();
  const lineEnd = markdown.indexOf('\n', start);
  const rest = lineEnd < 0 ? '' : markdown.slice(lineEnd + 1);
  const end = rest.search(/^#{1,3}[ \t]/m);
  const body = end < 0 ? rest : rest.slice(0, end);
  return new Set([...body.matchAll(/\*\*(F\d+)\*\*/g)].map((m) => m[1]!));
}

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(join(repoRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || SKIPPED_DIRS.includes(rel)) continue;
        walk(rel);
      } else if (entry.isFile() && SCANNED_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && rel !== THIS_FILE) {
        out.push(rel);
      }
    }
  };
  for (const dir of SCANNED_DIRS) walk(dir);
  return out.sort();
}

/** `file:line cites §X` for every citation of a section the document does not have. */
function danglingCitations(files: ReadonlyMap<string, string>, doc: string): string[] {
  const sections = headingNumbers(doc);
  const failures = failureModes(doc);
  const bad: string[] = [];
  for (const [file, text] of files) {
    for (const c of findCitations(text)) {
      if (!sections.has(c.section)) bad.push(`${file}:${c.line} cites §${c.section}, which has no heading in docs/format.md`);
      for (const f of c.failures) {
        if (!failures.has(f)) bad.push(`${file}:${c.line} cites failure ${f}, which §9.2 of docs/format.md does not define`);
      }
    }
  }
  return [...new Set(bad)];
}

const doc = readFileSync(DOC_PATH, 'utf8');
const files = new Map(sourceFiles().map((f) => [f, readFileSync(join(repoRoot, f), 'utf8')] as const));

describe('docs/format.md references', () => {
  it('scans the source tree', () => {
    expect(files.size).toBeGreaterThan(100);
    expect([...files.keys()].some((f) => f.startsWith('test/fixtures/'))).toBe(false);
    expect([...files.keys()].some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('finds the citations the code makes', () => {
    const all = [...files.values()].flatMap((t) => findCitations(t));
    expect(all.length).toBeGreaterThan(60);
  });

  it('has the numbered sections the project relies on', () => {
    const sections = headingNumbers(doc);
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => String(i + 1)),
      '9.1',
      '9.2',
      ...Array.from({ length: 8 }, (_, i) => `10.${i + 1}`),
    ];
    expect(expected.filter((s) => !sections.has(s))).toEqual([]);
    expect(failureModes(doc).size).toBeGreaterThanOrEqual(15);
  });

  it('every cited section (and failure mode) exists in docs/format.md', () => {
    expect(danglingCitations(files, doc)).toEqual([]);
  });

  it(`no file mentions ${FORBIDDEN_NAME}`, () => {
    const hits: string[] = [];
    for (const [file, text] of files) {
      text.split('\n').forEach((line, i) => {
        if (line.includes(FORBIDDEN_NAME)) hits.push(`${file}:${i + 1}`);
      });
    }
    expect(hits).toEqual([]);
  });
});

describe('the citation scanner', () => {
  const DOC = '## 3. Catalog\n### 3.7 Deleting\n## 6. Vectors\n### 6.5 Join\n### 6.9 Checks\n## 9. Failures\n### 9.2 Known\n- **F4** orphans\n- **F12** arrays\n';

  it('reads single sections, lists, slashes, trailing words and line breaks', () => {
    const text = [
      '/** one (docs/format.md §6.9). */',
      ' * two (docs/format.md §3.7, §6.5 pitfalls).',
      ' * three (docs/format.md §6.5/docs/format.md §6.9): x',
      ' * four (docs/format.md',
      ' * §3.7, failure F12)',
    ].join('\n');
    expect(findCitations(text)).toEqual([
      { line: 1, section: '6.9', failures: [] },
      { line: 2, section: '3.7', failures: [] },
      { line: 2, section: '6.5', failures: [] },
      { line: 3, section: '6.5', failures: [] },
      { line: 3, section: '6.9', failures: [] },
      { line: 5, section: '3.7', failures: ['F12'] },
    ]);
    expect(danglingCitations(new Map([['a.ts', text]]), DOC)).toEqual([]);
  });

  it('reports a section or failure mode the document lacks, with file and line', () => {
    const text = 'ok (docs/format.md §6.9)\n\n// bad (docs/format.md §6.5, §12.9) and (docs/format.md §3.7, F99)\n';
    expect(danglingCitations(new Map([['src-main/x.ts', text]]), DOC)).toEqual([
      'src-main/x.ts:3 cites §12.9, which has no heading in docs/format.md',
      'src-main/x.ts:3 cites failure F99, which §9.2 of docs/format.md does not define',
    ]);
  });

  it('does not take a heading number from prose or a deeper number for a shallower one', () => {
    const sections = headingNumbers('# Title\nSee 4.2 here.\n## 4. WAL\n### 4.2 Vectors\n#### 4.2.1 Bytes\n');
    expect([...sections].sort()).toEqual(['4', '4.2', '4.2.1']);
    expect(danglingCitations(new Map([['a.ts', 'x (docs/format.md §4.3)']]), '## 4. WAL\n### 4.2 Vectors\n')).toHaveLength(1);
  });
});
