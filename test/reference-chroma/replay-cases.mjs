// Replays recorded cases (workload.mjs's format) through any chromadb-style client — real Chroma
// over HTTP or PersistentClient — and returns the answers in the same format, for comparison.
// Plain JS, importing only its neighbours.
import { errorMessage } from './workload.mjs';

/** `collection` is `name` or `name@tenant/database`, as workload.mjs records it. */
function splitName(collection) {
  const [name, scope] = collection.split('@');
  if (!scope) return { name };
  const [tenant, database] = scope.split('/');
  return { name, tenant, database };
}

/**
 * @param {(tenant?: string, database?: string) => any} client
 * @param {Array<{ collection: string, label: string, op: string, args: object }>} cases
 */
export async function replayCases(client, cases) {
  const collections = new Map();
  const out = [];
  for (const c of cases) {
    const { name, tenant, database } = splitName(c.collection);
    try {
      if (!collections.has(c.collection)) collections.set(c.collection, await client(tenant, database).getCollection({ name, embeddingFunction: null }));
      const collection = collections.get(c.collection);
      const value = c.op === 'count' ? await collection.count() : await collection[c.op](c.args);
      out.push({ ...c, result: c.op === 'count' ? value : JSON.parse(JSON.stringify(value)), error: undefined });
    } catch (e) {
      out.push({ ...c, result: undefined, error: errorMessage(e) });
    }
  }
  return out;
}
