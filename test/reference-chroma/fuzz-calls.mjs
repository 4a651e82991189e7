// Random get / query / count calls over the collections our fixture workload (workload.mjs)
// leaves, for differential testing against real Chroma: the same seed gives the same calls on
// every machine. The calls stay inside what the chromadb client accepts, so every difference in
// the answers is the engine's. Plain JS, importing only its neighbours.

/** The workload's collections: dimension, and metadata keys with values to draw filters from. */
import { seededRandom } from './seeded-random.mjs';

const COLLECTIONS = [
  {
    name: 'books',
    dim: 8,
    ids: (r) => `book-${String(Math.floor(r() * 730)).padStart(4, '0')}`,
    fields: {
      genre: ['fiction', 'science', 'history', 'poetry', 'Science', 'revised', 'upserted'],
      year: [1950, 1960, 1975, 1999, 2000, 2010, 2024, 2025],
      rating: [0, 1, 1.5, 2.5, 3, 4, 4.5, 5],
      in_print: [true, false],
      pages: [40, 100, 300, 500, 899],
    },
    arrays: { tags: ['classic', 'new', 'award', 'signed', 'rare'], editions: [1, 2, 3, 6] },
  },
  {
    name: 'sensors',
    dim: 4,
    ids: (r) => `s-${String(Math.floor(r() * 1520)).padStart(4, '0')}`,
    fields: { site: ['north', 'south', 'east', 'west', 'moved', 'new'], reading: [0, 10.5, 50, 99.99], ok: [true, false], batch: [0, 3, 9] },
    arrays: {},
  },
  {
    name: 'affinity',
    dim: 6,
    ids: (r) => `u-${String(Math.floor(r() * 260)).padStart(4, '0')}`,
    fields: { score: [-100, -50.5, 0, 10, 99.9], big: [3_000_000_000, 3_000_000_100, 3_000_000_249], level: [-5, -1, 0, 3, 5] },
    arrays: {},
  },
  {
    name: 'orders@northwind/staging',
    dim: 3,
    ids: (r) => `o-${String(Math.floor(r() * 125)).padStart(4, '0')}`,
    fields: { status: ['open', 'paid', 'shipped'], total: [0, 100, 250.5, 499.99], items: [1, 3, 9] },
    arrays: { skus: ['classic', 'new', 'award', 'signed', 'rare'] },
  },
];
const WORDS = ['river', 'Index', 'index', 'lantern', 'orbit', 'graph', 'Graph', 'café', '東京', '100%', 'snake_case', 'a.b', 'sensor 1', 'order 4', 'RUSH'];
const REGEXES = ['^Revised', 'or(bit|der)', '[0-9]{2}', 'caf[eé]', '^sensor [0-9]+ r', 'Index$'];


/**
 * `count` calls (default 300) as `{ collection, label, op, args }`, the format of workload.mjs's
 * cases without answers.
 */
export function fuzzCalls(seed, count = 300) {
  const r = seededRandom(seed);
  const pick = (list) => list[Math.floor(r() * list.length)];
  const vector = (dim) => Array.from({ length: dim }, () => Math.round((r() * 2 - 1) * 1e4) / 1e4);

  const leaf = (c) => {
    const keys = Object.keys(c.fields);
    const arrayKeys = Object.keys(c.arrays);
    if (arrayKeys.length && r() < 0.15) {
      const key = pick(arrayKeys);
      return { [key]: { [pick(['$contains', '$not_contains'])]: pick(c.arrays[key]) } };
    }
    const key = pick(keys);
    const values = c.fields[key];
    const value = pick(values);
    const numeric = typeof value === 'number';
    const ops = typeof value === 'boolean' ? ['$eq', '$ne', null] : numeric ? ['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', null] : ['$eq', '$ne', '$in', '$nin', null];
    const op = pick(ops);
    if (op === null) return { [key]: value };
    if (op === '$in' || op === '$nin') {
      // Same-typed lists only: Chroma refuses mixed int/float lists, which its client cannot tell apart.
      const list = [...new Set(Array.from({ length: 1 + Math.floor(r() * 3) }, () => pick(values)))];
      const same = numeric ? list.filter((v) => Number.isInteger(v) === Number.isInteger(list[0])) : list;
      return { [key]: { [op]: same } };
    }
    return { [key]: { [op]: value } };
  };
  const where = (c, depth = 0) => {
    if (depth < 2 && r() < 0.3) {
      const n = 2 + Math.floor(r() * 2);
      return { [pick(['$and', '$or'])]: Array.from({ length: n }, () => where(c, depth + 1)) };
    }
    return leaf(c);
  };
  const whereDocument = (depth = 0) => {
    if (depth < 1 && r() < 0.25) return { [pick(['$and', '$or'])]: [whereDocument(depth + 1), whereDocument(depth + 1)] };
    const kind = pick(['$contains', '$contains', '$not_contains', '$regex', '$not_regex']);
    return { [kind]: kind.includes('regex') ? pick(REGEXES) : pick(WORDS) };
  };
  const include = (op) => {
    const fields = op === 'query' ? ['documents', 'metadatas', 'embeddings', 'distances'] : ['documents', 'metadatas', 'embeddings'];
    return fields.filter(() => r() < 0.5);
  };

  const calls = [];
  for (let i = 0; i < count; i++) {
    const c = pick(COLLECTIONS);
    const op = r() < 0.08 ? 'count' : r() < 0.5 ? 'get' : 'query';
    const args = {};
    if (op !== 'count') {
      if (r() < 0.5) args.where = where(c);
      if (r() < 0.3) args.whereDocument = whereDocument();
      if (r() < 0.15) args.ids = [...new Set(Array.from({ length: 1 + Math.floor(r() * 6) }, () => c.ids(r)))];
      if (r() < 0.7) args.include = include(op);
    }
    if (op === 'get' && r() < 0.5) {
      args.limit = 1 + Math.floor(r() * 40);
      if (r() < 0.5) args.offset = Math.floor(r() * 60);
    }
    if (op === 'query') {
      args.queryEmbeddings = Array.from({ length: 1 + Math.floor(r() * 2) }, () => vector(c.dim));
      args.nResults = pick([1, 3, 10, 25]);
    }
    calls.push({ collection: c.name, label: `fuzz ${seed}#${i}`, op, args });
  }
  return calls;
}
