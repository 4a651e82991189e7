import { describe, expect, it } from 'vitest';
import { InspectorError } from '../../../shared/errors.js';
import { compileRegex, validateRegex } from '../../../src-main/engine/filter/regex.js';

function messageOf(pattern: string): string {
  try {
    compileRegex(pattern);
  } catch (err) {
    expect(err).toBeInstanceOf(InspectorError);
    expect((err as InspectorError).code).toBe('INVALID_ARGUMENT');
    return (err as InspectorError).message;
  }
  throw new Error(`expected ${JSON.stringify(pattern)} to be rejected`);
}

/** [pattern, haystack, matches?] — what Rust's `Regex::is_match` answers. */
type Case = [string, string, boolean];

function check(cases: Case[]): void {
  for (const [pattern, haystack, expected] of cases) {
    expect([pattern, haystack, compileRegex(pattern).test(haystack)]).toEqual([pattern, haystack, expected]);
  }
}

describe('compileRegex: Rust semantics in JS', () => {
  it('searches unanchored, and ^ $ \\A \\z anchor to the whole text', () => {
    check([
      ['vector', 'a 12 vector store', true],
      ['^[0-9]+ vector', '12 vector store', true],
      ['^[0-9]+ vector', 'a 12 vector store', false],
      ['dog|cat', 'hot dog', true],
      ['dog|cat', 'bird', false],
      ['end$', 'the end\n', false], // Rust `$` is end of text, no trailing-newline allowance
      ['\\Astart', 'start here', true],
      ['\\Astart', 'x\nstart', false],
      ['here\\z', 'start here', true],
      ['', 'anything', true],
    ]);
  });

  it('multi-line ^ $ break only at \\n (and at CRLF with R)', () => {
    check([
      ['(?m)^b', 'a\nb', true],
      ['(?m)^b', 'a\rb', false], // JS `m` would match here
      ['(?m)^b', 'a\u2028b', false],
      ['(?m)a$', 'a\nb', true],
      ['(?m)a$', 'a\rb', false],
      ['(?mR)a$', 'a\r\nb', true],
      ['(?mR)^b', 'a\rb', true],
      ['(?mR)\\r^', '\r\n', false], // never between \r and \n
      ['(?mR)\\r^', '\r', true],
      ['(?mR)$\\n', '\r\n', false],
      ['(?m)\\Ab', 'a\nb', false], // \A stays start of text under m
    ]);
  });

  it('. excludes only \\n (and \\r with R); s makes it match everything', () => {
    check([
      ['a.b', 'a\rb', true],
      ['a.b', 'a\nb', false],
      ['a.b', 'a\u2028b', true],
      ['a.b', 'a🙂b', true],
      ['(?s)a.b', 'a\nb', true],
      ['(?s).$', 'K', true], // `[^]$` is wrong in Node 20's `v` mode, hence `u`
      ['(?R)a.b', 'a\rb', false],
    ]);
  });

  it('\\d \\s \\w are Unicode classes', () => {
    check([
      ['^\\d$', '٣', true],
      ['^\\d$', '७', true],
      ['^\\d$', '²', false], // superscript two is No, not Nd
      ['^\\D$', '٣', false],
      ['^\\s$', '\u00a0', true],
      ['^\\s$', '\u0085', true],
      ['^\\s$', '\ufeff', false], // JS \s has U+FEFF; White_Space does not
      ['^\\w+$', 'naïve_日本語', true],
      ['^\\w$', '\u0301', true], // a combining mark
      ['^\\W$', 'é', false],
      ['^[\\w-]+$', 'a-é_1', true],
      ['^[^\\w]$', 'é', false],
    ]);
  });

  it('\\b and friends use the Unicode word class (JS \\b is ASCII-only)', () => {
    check([
      ['\\bcat\\b', 'the cat sat', true],
      ['\\bcat\\b', 'concatenate', false],
      ['é\\b', 'café', true],
      ['\\bé', 'café', false],
      ['a\\Bb', 'ab', true],
      ['\\<cat\\>', 'a cat.', true],
      ['\\b{start}at', 'cat', false],
      ['t\\b{end}', 'cat dog', true],
      ['\\b{start-half}x', '-x', true],
      ['(?-u)é\\b', 'café', false], // ASCII word boundary under (?-u)
      ['\\b{2}a', 'a', true], // a counted repetition of \b, not a special boundary
      ['\\B', '_🙂\u0301', false], // V8 would try (and match) inside the surrogate pair
      ['(?m)^$', '🙂', false],
      ['\\b{end-half}', 'ab', true],
    ]);
    // Next to a literal, \b is a single look-around, which keeps V8's fast literal search.
    expect(compileRegex('\\bcat\\b').source).not.toContain('|');
  });

  it('leading inline flags: (?i), combinations, U, x', () => {
    check([
      ['(?i)cat', 'CAT', true],
      ['cat', 'CAT', false],
      ['(?i)straße', 'STRAẞE', true],
      ['(?i)k', '\u212a', true], // Kelvin sign folds to k, as in Rust's simple case folding
      ['(?is)a.b', 'A\nB', true],
      ['(?i)\\d+px', '12PX', true],
      ['(?i)[^a]', 'A', false],
      ['(?i)\\P{Ll}', 'a', false], // fold, then negate (Rust's order)
      ['(?i)[[:upper:]]', 'q', true],
      ['(?U)^a+', 'aaa', true],
      ['(?x) c a t  # a comment\n s', 'cats', true],
      ['(?x)a\\ b', 'a b', true],
      ['(?x)[a b]', ' ', false],
    ]);
    expect(compileRegex('(?U)a+').exec('aaa')![0]).toBe('a');
    expect(compileRegex('(?U)a+?').exec('aaa')![0]).toBe('aaa');
    expect(compileRegex('a{2,3}?').exec('aaaa')![0]).toBe('aa');
    expect(compileRegex('(?i)cat').flags).toContain('i');
    expect(compileRegex('(?i)123').flags).not.toContain('i'); // nothing case-sensitive in it
  });

  it('scoped flags that JS can express locally: s m U x u, and i where it changes nothing', () => {
    check([
      ['a(?s:.)b', 'a\nb', true],
      ['a(?s).b', 'a\nb', true],
      ['(?:a(?s).)|.b', '\nb', false], // (?s) lasts to the end of its group only
      ['x(?m:^y)', 'x\ny', false],
      ['(?i)a(?-i:1)', 'A1', true],
      ['(?i:(?:foo|bar))', 'BAR', true],
    ]);
  });

  it('groups: (?P<name>…), (?<name>…), (?:…), nested repetition', () => {
    check([
      ['(?P<year>\\d{4})-(?P<month>\\d{2})', 'on 2024-05-01', true],
      ['(?<word>ab)+$', 'abab', true],
      ['(?P<a.b[1]>x)', 'x', true], // Rust allows . [ ] in names; JS does not
      ['a**', '', true],
      ['a++a', 'aaa', true], // Rust has no possessive quantifiers: `a++` is `(?:a+)+`
      ['a*?+b', 'aab', true],
      ['(?:ab)?c', 'c', true],
      ['^*a', 'a', true],
    ]);
    expect(compileRegex('(?P<year>\\d{4})').exec('in 1999')!.groups).toEqual({ year: '1999' });
  });

  it('classes: POSIX, ranges, escapes, set operations, nesting', () => {
    check([
      ['^[[:alpha:]]+$', 'Hello', true],
      ['^[[:alpha:]]+$', 'héllo', false], // POSIX classes are ASCII
      ['^[[:digit:][:punct:]]+$', '3.14!', true],
      ['^[[:xdigit:]]+$', 'c0FFee', true],
      ['[[:space:]]', '\u000b', true],
      ['[[:^alnum:]]', 'abc', false],
      ['[[:word:]]', '_', true],
      ['^[[:foo:]]+$', 'of:', true], // not a POSIX name: a nested class of `:fo`
      ['[]a]', ']', true],
      ['[^]a]', 'b', true],
      ['[-a]', '-', true],
      ['[a-]', '-', true],
      ['[a-c-e]', 'd', false],
      ['[&]', '&', true],
      ['[~a]', '~', true],
      ['[\\[\\]]', ']', true],
      ['[a[bc]]', 'c', true],
      ['[[a-z]&&[^aeiou]]', 'e', false],
      ['[[a-z]&&[^aeiou]]', 'x', true],
      ['[a-z--aeiou]', 'a', false],
      ['[\\p{L}--\\p{Greek}]', 'α', false],
      ['[\\p{L}--\\p{Greek}]', 'z', true],
      ['[a-c~~b-d]', 'b', false],
      ['[a-c~~b-d]', 'd', true],
      ['[a-z&&b-c--c]', 'b', true], // left to right
      ['[^a-z&&b]', 'a', true],
      ['[^\\P{Any}]', 'x', true], // crashes Node 20 when written as a `v` class
      ['(?i)[^[^a]]', 'A', true],
      ['(?i)[\\P{Ll}a]', 'b', false], // Rust folds \P{Ll} before negating it
      ['(?i)[[:^lower:]]', 'a', false],
      ['\\pL|[a&&b]', 'x', true], // Rust merges the empty class into \pL, so Chroma takes it
    ]);
  });

  it('escapes: \\x{…}, \\u, \\U, control escapes, superfluous punctuation escapes', () => {
    check([
      ['\\x{263A}', 'smile ☺', true],
      ['\\x41\\u0042\\U00000043', 'ABC', true],
      ['\\u{1F642}', '🙂', true],
      ['\\t\\n\\r\\f\\v\\a', '\t\n\r\f\v\u0007', true],
      ['\\#\\&\\~\\-\\ \\%', '#&~- %', true],
      ['a\\.b', 'axb', false],
      ['[\\x{2D}]', '-', true],
      ['a]}', 'a]}', true], // lone ] and } are literals in Rust
    ]);
  });

  it('Unicode classes: \\pL, scripts without Script=, loose names, sc= / gc=', () => {
    check([
      ['^\\pL+$', 'ÀbΩ', true],
      ['\\PL', 'abc', false],
      ['\\p{Greek}', 'λόγος', true],
      ['\\p{Greek}', 'logos', false],
      ['\\p{greek}', 'λ', true],
      ['\\p{sc=Cyrillic}', 'ж', true],
      ['\\p{Script:Han}', '漢', true],
      ['\\p{gc=Lu}', 'A', true],
      ['\\p{Uppercase_Letter}', 'a', false],
      ['\\p{sc!=Greek}', 'λ', false],
      ['\\p{Any}', '\u0000', true],
      ['[\\p{Han}\\d]', '٣', true],
    ]);
  });
});

describe('compileRegex: rejected like Chroma rejects them', () => {
  const syntax = (pattern: string) => {
    const message = messageOf(pattern);
    expect(message.startsWith('Regex syntax errror: regex parse error:\n')).toBe(true);
    return message.slice(message.lastIndexOf('\nerror: ') + 8);
  };

  it('look-around, with Rust’s layout of the error', () => {
    expect(messageOf('a(?!b)')).toBe(
      'Regex syntax errror: regex parse error:\n    a(?!b)\n     ^^^\nerror: look-around, including look-ahead and look-behind, is not supported',
    );
    for (const pattern of ['(?=x)', 'a(?!b)', '(?<=a)b', '(?<!a)b']) expect(syntax(pattern)).toMatch(/^look-around/);
  });

  it('backreferences and other syntax JS has but Rust lacks', () => {
    expect(syntax('(x)\\1')).toBe('backreferences are not supported');
    expect(syntax('\\9')).toBe('backreferences are not supported');
    expect(syntax('\\0')).toBe('backreferences are not supported');
    expect(syntax('(?<n>x)\\k<n>')).toBe('unrecognized escape sequence');
    expect(syntax('(?>a)')).toBe('unrecognized flag');
    expect(syntax('(?P=n)')).toBe('unrecognized flag');
    expect(syntax('(?#comment)')).toBe('unrecognized flag');
    expect(syntax('a{,5}')).toBe('repetition quantifier expects a valid decimal');
    expect(syntax('\\cA')).toBe('unrecognized escape sequence');
    expect(syntax('\\é')).toBe('unrecognized escape sequence');
    expect(syntax('[\\b]')).toBe('invalid escape sequence found in character class');
  });

  it('malformed patterns', () => {
    expect(messageOf('(')).toBe('Regex syntax errror: regex parse error:\n    (\n    ^\nerror: unclosed group');
    expect(syntax('a)')).toBe('unopened group');
    expect(syntax('[a-')).toBe('unclosed character class');
    expect(syntax('[]')).toBe('unclosed character class');
    expect(messageOf('a{2,1}')).toBe(
      'Regex syntax errror: regex parse error:\n    a{2,1}\n     ^^^^^\nerror: invalid repetition count range, the start must be <= the end',
    );
    expect(syntax('a{2')).toBe('unclosed counted repetition');
    expect(syntax('a{')).toBe('unclosed counted repetition');
    expect(syntax('a{x}')).toBe('repetition quantifier expects a valid decimal');
    expect(syntax('a{99999999999}')).toBe('decimal literal invalid');
    expect(syntax('*a')).toBe('repetition operator missing expression');
    expect(syntax('a|+')).toBe('repetition operator missing expression');
    expect(syntax('(?i)*')).toBe('repetition operator missing expression');
    expect(syntax('x{')).toBe('unclosed counted repetition'); // `{` is never a literal
    expect(syntax('[z-a]')).toBe('invalid character class range, the start must be <= the end');
    expect(syntax('[a-\\w]')).toBe('invalid range boundary, must be a literal');
    expect(syntax('\\')).toBe('incomplete escape sequence, reached end of pattern prematurely');
    expect(syntax('\\x{110000}')).toBe('hexadecimal literal is not a Unicode scalar value');
    expect(syntax('\\x{}')).toBe('hexadecimal literal empty');
    expect(syntax('\\xG0')).toBe('invalid hexadecimal digit');
    expect(messageOf('(?P<a>x)(?P<a>y)')).toBe(
      'Regex syntax errror: regex parse error:\n    (?P<a>x)(?P<a>y)\n        ^       ^\nerror: duplicate capture group name',
    );
    expect(syntax('(?P<>x)')).toBe('empty capture group name');
    expect(syntax('(?P<1>x)')).toBe('invalid capture group character');
    expect(syntax('(?ii)x')).toBe('duplicate flag');
    expect(syntax('(?i-s-m)x')).toBe('flag negation operator repeated');
    expect(syntax('(?i-)x')).toBe('dangling flag negation operator');
    expect(syntax('(?q)x')).toBe('unrecognized flag');
    expect(syntax('(?i')).toBe('expected flag but got end of regex');
    expect(syntax('\\b{middle}')).toMatch(/^unrecognized special word boundary assertion/);
    expect(syntax('\\p{NoSuchProperty}')).toBe('Unicode property not found');
    expect(syntax('\\p{sc=Klingon}')).toBe('Unicode property value not found');
    expect(syntax('\\p{RGI_Emoji}')).toBe('Unicode property not found'); // a JS property of strings
    expect(syntax('\\p{Cs}')).toBe('Unicode property value not found'); // surrogates
    expect(syntax('[\\A]')).toBe('invalid escape sequence found in character class');
    expect(syntax('[\\A')).toBe('unclosed character class');
  });

  it('points at the right line of a multi-line pattern', () => {
    expect(messageOf('ab\n(?=c)')).toBe(
      `Regex syntax errror: regex parse error:\n${'~'.repeat(79)}\n1: ab\n2: (?=c)\n   ^^^\n${'~'.repeat(79)}\nerror: look-around, including look-ahead and look-behind, is not supported`,
    );
  });

  it('byte patterns: (?-u) classes and empty classes', () => {
    expect(messageOf('(?-u)\\w')).toBe('Byte pattern is not allowed');
    expect(messageOf('[a&&b]')).toBe('Byte pattern is not allowed'); // Rust's "never matches" is a byte class
    expect(messageOf('x|[^\\s\\S]')).toBe('Byte pattern is not allowed');
    expect(syntax('[a&&b](?=x)')).toMatch(/^look-around/); // syntax errors come first
    expect(syntax('\\p{Foo}(')).toBe('unclosed group');
    expect(messageOf('(?-u)[a-z]')).toBe('Byte pattern is not allowed');
    expect(messageOf('(?i-u)a')).toBe('Byte pattern is not allowed');
    expect(syntax('(?-u).')).toBe('pattern can match invalid UTF-8');
    expect(syntax('(?-u)\\xFF')).toBe('pattern can match invalid UTF-8');
    expect(syntax('(?-u)\\pL')).toBe('Unicode not allowed here');
    check([
      ['(?-u)[a]', 'a', true], // a one-byte class is a literal for Rust
      ['(?-u)\\w{0}x', 'x', true], // x{0} is dropped before Chroma looks
      ['(?-u:\\w)|\\d', '٣', true], // merged into one Unicode class
      ['(?-u)abc', 'xabcx', true],
      ['(?-u)\\x41', 'A', true],
      ['(?i-u)é', 'É', false], // without u, only ASCII letters fold
    ]);
  });

  it('case-insensitivity for part of a pattern, without RegExp modifiers (Node 20 lacks them)', () => {
    check([
      ['(?i:the) cat', 'THE cat', true],
      ['(?i:the) cat', 'THE CAT', false],
      ['a(?i)b', 'aB', true],
      ['a(?i)b', 'AB', false],
      ['(?i)a(?-i)b', 'Ab', true],
      ['(?i)a(?-i)b', 'AB', false],
      ['x|(?i)y', 'Y', true],
      ['x|(?i)y', 'X', false],
      ['(?i)[a-z](?-i:[a-z])', 'Ab', true],
      ['(?i)[a-z](?-i:[a-z])', 'AB', false],
      ['a(?i:k)', 'a\u212A', true], // the Kelvin sign folds to k, as in Rust
      ['a(?i)ſ', 'aS', true],
      ['a(?i:\\p{Lu})', 'ab', true],
      ['a(?i:[^k])', 'aK', false], // folded, then complemented
      ['a(?i:[^k])', 'ax', true],
      ['(?i:a(?-i:PPLE))', 'apple', false],
      ['(?i:a(?-i:PPLE))', 'APPLE', true],
    ]);
  });

  it('spelled-out case-insensitivity matches what the i flag matches', () => {
    // `|\u{10FFFF}X` never matches these texts but has a case-sensitive letter, so `(?i:…)` is spelled out.
    const texts = ['STRASSE', 'straße', 'STRAẞE', 'K', '\u212A', 'ǅ', 'ǆ', 'Ǆ', 'ΣΑΣ', 'σας', 'ς', 'İ', 'ı', 'i', 'I', 'ſ', 's', 'Å', 'å', '\u212B', 'é', 'É', 'x1', 'ABC', 'ĳ'];
    const patterns = ['straße', 'k', 'ǅ', '[a-z]+', '\\w+', '[^a-z]', '\\p{Ll}', 'σ', 'ΣΑΣ', '[[:upper:]]', '[a-f&&[^c]]', 'é', 'İ', 'ı', 'ſ', 'Å', '[^\\p{Lu}]', '\\P{Ll}'];
    for (const p of patterns) {
      const whole = compileRegex(`(?i)${p}`);
      const spelled = compileRegex(`(?i:${p})|\u{10FFFF}X`);
      expect(spelled.flags).not.toContain('i');
      for (const t of texts) expect([p, t, spelled.test(t)]).toEqual([p, t, whole.test(t)]);
    }
  });

  it('says so when a valid Rust pattern needs what Node 20 lacks', () => {
    expect(messageOf('\\p{age=3.0}')).toBe('Unsupported regex: the Unicode property age is not available in JavaScript');
    expect(messageOf('\\p{wb=ALetter}')).toMatch(/^Unsupported regex: /);
  });

  it('caches patterns and errors; validateRegex throws the same errors', () => {
    expect(compileRegex('ca+t')).toBe(compileRegex('ca+t'));
    expect(() => validateRegex('(')).toThrow(/^Regex syntax errror: /);
    expect(() => validateRegex('(?:ok)')).not.toThrow();
    const evicted = compileRegex('lru-old');
    const kept = compileRegex('lru-kept');
    for (let k = 0; k < 600; k++) {
      compileRegex(`x${k}`); // more than the cache holds
      if (k % 100 === 0) compileRegex('lru-kept'); // recently used: stays
    }
    expect(compileRegex('lru-old')).not.toBe(evicted);
    expect(compileRegex('lru-kept')).toBe(kept);
  });
});
