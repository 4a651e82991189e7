// Child process of crash-safety.test.ts: writes numbered batches to a collection and prints
// "ack <n>" after each add() resolves. The parent SIGKILLs it at an arbitrary moment.
import { writeSync } from 'node:fs';
import { PersistentClient } from '../../src-main/index.js';
import { batchRecords } from './crash-batches.js';

const [folder, name] = [process.argv[2]!, process.argv[3]!];
const [batchSize, batches, start] = [Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6])];
const client = new PersistentClient({ path: folder });
const col = await client.getCollection({ name, embeddingFunction: null });
for (let b = start; b < start + batches; b++) {
  await col.add(batchRecords(b, batchSize));
  writeSync(1, `ack ${b}\n`);
}
writeSync(1, 'done\n');
