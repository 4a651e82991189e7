// Says, before the corpus suite runs, whether the real-world corpus is there and why it is not.
import { corpusSuite, hasRealWorld, realWorldDir } from '../helpers/paths.js';

export default function notice(): void {
  if (hasRealWorld) console.log(`[corpus] reading the real-world corpus in place from ${realWorldDir}`);
  else console.warn(`[corpus] every suite ${corpusSuite('').trim()}`);
}
