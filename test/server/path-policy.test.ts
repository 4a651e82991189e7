import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InspectorError } from '../../shared/errors.js';
import { confinedPaths, realPathOf, unrestrictedPaths } from '../../src-main/service/path-policy.js';

describe('paths a serve client may name', () => {
  const top = realPathOf(mkdtempSync(join(tmpdir(), 'chroma-inspector-roots-')));
  const root = join(top, 'root');
  const other = join(top, 'other');
  mkdirSync(join(root, 'data'), { recursive: true });
  mkdirSync(other);
  writeFileSync(join(other, 'secret'), 'x');
  symlinkSync(other, join(root, 'escape'));
  symlinkSync(join(root, 'data'), join(other, 'back-in'));
  const policy = confinedPaths([root]);
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  const refusal = (path: string) => {
    try {
      policy.allow(path);
      return null;
    } catch (err) {
      expect(err).toBeInstanceOf(InspectorError);
      return (err as InspectorError).code + ': ' + (err as InspectorError).message;
    }
  };

  it('allows the root, what is inside it, and new paths inside it', () => {
    expect(policy.allow(root)).toBe(root);
    expect(policy.allow(join(root, 'data'))).toBe(join(root, 'data'));
    expect(policy.allow(join(root, 'new', 'backup.zip'))).toBe(join(root, 'new', 'backup.zip'));
    expect(policy.allow(join(root, 'data', '..', 'x.csv'))).toBe(join(root, 'x.csv'));
  });

  it('refuses paths outside, through .. or through a symbolic link, the same way whether they exist or not', () => {
    const outside = [other, join(other, 'secret'), join(other, 'missing', 'x.zip'), join(root, '..', 'other'), join(root, 'escape', 'secret'), join(root, 'escape', 'new.zip'), '/etc/passwd', '/no/such/place'];
    const messages = outside.map(refusal);
    for (const [i, m] of messages.entries()) expect(m, outside[i]).toMatch(/^UNAUTHORIZED: That path is outside the folders this server may use/);
    expect(new Set(messages).size).toBe(1); // the same words for every one: nothing about existence
  });

  it('follows a link from outside that leads back inside', () => {
    expect(policy.allow(join(other, 'back-in'))).toBe(join(root, 'data'));
  });

  it('does not mistake a sibling with the same prefix for the root', () => {
    mkdirSync(`${root}-sibling`);
    expect(refusal(`${root}-sibling`)).toMatch(/UNAUTHORIZED/);
  });

  it('is unrestricted in the desktop app', () => {
    expect(unrestrictedPaths.allow('/etc/passwd')).toBe('/etc/passwd');
    expect(unrestrictedPaths.roots).toBeNull();
  });
});
