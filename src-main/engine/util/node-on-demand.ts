import { createRequire } from 'node:module';

/**
 * Node's built-in modules that cost resident memory to load and that a reader seldom needs,
 * loaded on the first call that does. Loading one compiles Node's own JavaScript for it: in a
 * fresh process node:child_process (with node:net beneath it) took 3.4 MB, node:crypto 1.9 MB and
 * node:worker_threads 1.7 MB (with node:net: 2.7 MB). A PersistentClient at 100,000 × 128 holds
 * ~160 MB after a first query, a vector load and a round of filtered queries, none of which
 * starts a thread or a process, hashes or makes an id; the three were 4 MB of it.
 */
const require = createRequire(import.meta.url);

let childProcess: typeof import('node:child_process') | undefined;
let crypto: typeof import('node:crypto') | undefined;
let workerThreads: typeof import('node:worker_threads') | undefined;

export function childProcessModule(): typeof import('node:child_process') {
  return (childProcess ??= require('node:child_process') as typeof import('node:child_process'));
}

export function cryptoModule(): typeof import('node:crypto') {
  return (crypto ??= require('node:crypto') as typeof import('node:crypto'));
}

export function workerThreadsModule(): typeof import('node:worker_threads') {
  return (workerThreads ??= require('node:worker_threads') as typeof import('node:worker_threads'));
}
