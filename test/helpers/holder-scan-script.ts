// Run by holder-scan.test.ts in a process of its own: awaits one scan at its top level and ends.
// The process must end as soon as the answer is printed, however long the idle worker stays.
import { holderScanTuning, processesHoldingOffThread } from '../../src-main/engine/folder/holder-scan.js';

holderScanTuning.idleMs = 10 * 60_000;
console.log(JSON.stringify(await processesHoldingOffThread(process.argv[2]!)));
