// Before the test run: installs real Chroma (1.3.4 and 1.0.1) and the chromadb client into the
// cache, so the round-trip suites run on any machine that can reach the npm registry. Where that
// fails the suites skip and say why (test/helpers/reference-chroma.ts). Set
// CHROMA_INSPECTOR_SKIP_REAL_CHROMA=1 to not even try.
// @ts-expect-error -- plain JS, also run from the shell
import { installChroma, installClient } from './install.mjs';

export const REAL_CHROMA_VERSIONS = ['1.3.4', '1.0.1'];

export default function setup(): void {
  if (process.env.CHROMA_INSPECTOR_SKIP_REAL_CHROMA === '1') {
    console.warn('[real Chroma] not installed: CHROMA_INSPECTOR_SKIP_REAL_CHROMA=1');
    return;
  }
  const lines: string[] = [];
  for (const version of REAL_CHROMA_VERSIONS) {
    try {
      installChroma(version);
      lines.push(`Chroma ${version}: ready`);
    } catch (err) {
      lines.push(`Chroma ${version}: NOT AVAILABLE: ${(err as Error).message}`);
    }
  }
  try {
    installClient();
    lines.push('chromadb client: ready');
  } catch (err) {
    lines.push(`chromadb client: NOT AVAILABLE: ${(err as Error).message}`);
  }
  console.log(`[real Chroma] ${lines.join('; ')}`);
}
