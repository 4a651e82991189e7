// Reads the vitest JSON reports CI wrote and fails on any failed test and on any skip that is not
// expected: in the main run only the skips listed in .ci/allowed-skips.txt; in the run of a clone
// with nothing beside it (reports named clone-*.json) also the real-world corpus suites, which say
// why they skipped. Ends with the plain "N passed, N failed, N skipped" line.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const [dir, allowedFile] = process.argv.slice(2);
const allowed = readFileSync(allowedFile, 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));

let passed = 0;
let failed = 0;
let skipped = 0;
const unexpected = [];
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  if (report.numTotalTests === 0) unexpected.push(`${file}: ran no test at all`);
  for (const suite of report.testResults) {
    if (suite.status === 'failed' && suite.assertionResults.length === 0) {
      failed++;
      console.log(`FAILED to load: ${suite.name}: ${String(suite.message).split('\n')[0]}`);
    }
    for (const t of suite.assertionResults) {
      if (t.status === 'passed') passed++;
      else if (t.status === 'failed') {
        failed++;
        console.log(`FAILED [${file}] ${t.fullName}`);
      } else {
        skipped++;
        const ok = allowed.some((a) => t.fullName.includes(a)) || (file.startsWith('clone-') && t.fullName.includes('[real-world corpus]'));
        if (!ok) unexpected.push(`[${file}] ${t.fullName}`);
      }
    }
  }
}
for (const u of unexpected) console.log(`UNEXPECTED SKIP ${u}`);
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed || unexpected.length ? 1 : 0);
