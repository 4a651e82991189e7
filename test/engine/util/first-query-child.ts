// A process whose only work is one first query through PersistentClient, with the level-0 pass in
// a worker or on the addon's thread (steps.test.ts: the 4th argument): it prints the ids found
// and ends. A wait on that thread that did not keep the event loop alive would end it early, with
// exit code 13 (an unsettled top-level await).
import { PersistentClient } from '../../../src-main/index.js';

const [dir, name, vector, prescan] = process.argv.slice(2) as [string, string, string, string];
process.env.CHROMA_INSPECTOR_PRESCAN = prescan;
const client = new PersistentClient({ path: dir });
const col = await client.getCollection({ name, embeddingFunction: null });
const r = await col.query({ queryEmbeddings: [JSON.parse(vector) as number[]], nResults: 3, include: ['distances'] });
console.log(JSON.stringify(r.ids[0]));
await client.close();
