#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { InspectorError, toErrorData } from '../../shared/errors.js';
import type { Problem } from '../../shared/models.js';
import { ChromaFolder } from '../engine/chroma-folder.js';
import { formatInfo } from './format-info.js';
import { formatWhyNot } from './format-why-not.js';
import { formatRecall } from './format-recall.js';
import { readWalWindow } from '../engine/wal/wal-window.js';
import { BACKUP_USAGE, backupCommand, defaultIo, exportCommand, importCommand, progressPrinter, restoreCommand, verifyCommand } from './commands/backup-commands.js';
import { withLoadProgress } from '../engine/util/load-progress.js';
import { DOCTOR_USAGE, doctorCommand } from './commands/doctor-command.js';
import { FIX_USAGE, fixCommand } from './commands/fix-command.js';
import { MIGRATE_USAGE, migrateCommand, replayCommand, walExportCommand } from './commands/migrate-commands.js';
import { SERVER_USAGE, namesServer, runServerCommand } from './commands/server-commands.js';
import { COPY_USAGE, copyCommand } from './commands/copy-command.js';
import { DIFF_USAGE, diffCommand } from './commands/diff-command.js';
import { SERVER_BACKUP_USAGE } from './commands/server-backup-commands.js';
import { argsWithText, describeText, embedOne, formatTextFunction, TEXT_USAGE } from './text-query.js';

const FILE_COMMANDS = { backup: backupCommand, verify: verifyCommand, restore: restoreCommand, export: exportCommand, import: importCommand, doctor: doctorCommand, fix: fixCommand, migrate: migrateCommand, replay: replayCommand, 'wal-export': walExportCommand } as const;

const USAGE = `chroma-inspector — open any Chroma persistent folder without a server

usage:
  chroma-inspector info  <folder> [--json]
  chroma-inspector count <folder> --collection NAME [--tenant T] [--database D]
  chroma-inspector get   <folder> --collection NAME [--tenant T] [--database D] [--args JSON]
  chroma-inspector query <folder> --collection NAME [--tenant T] [--database D] --args JSON [--text TEXT] [--exact]
  chroma-inspector why   <folder> --collection NAME --id ID (--args JSON | --text TEXT) [--json]
  chroma-inspector recall <folder> --collection NAME [--k 10] [--queries 200] [--seed N] [--json]
  chroma-inspector wal   <folder> [--collection NAME] [--offset N] [--limit N]
  chroma-inspector serve [folder | server URL] [--port N] [--host 127.0.0.1 | --host ADDRESS --allow-remote] [--call-timeout SECONDS] [--root DIR …]
                         [--server URL …] [--tenant T --database D]
${BACKUP_USAGE}
${DOCTOR_USAGE}
${FIX_USAGE}
${MIGRATE_USAGE}
${SERVER_USAGE}
${COPY_USAGE}
${DIFF_USAGE}
${SERVER_BACKUP_USAGE}
${TEXT_USAGE}

--args takes the chromadb JS client's argument object, e.g.
  '{"where":{"year":{"$gt":2010}},"limit":5,"include":["documents","metadatas"]}'
  '{"queryEmbeddings":[[0.1,0.2,0.3]],"nResults":3}'
query answers as Chroma does, through its HNSW index; --exact gives the true nearest neighbours
(brute force) instead, to show what the index misses. why takes a query's --args (one vector) and
a record id that did not come back, and says why: not found, turned away by ids, where or
whereDocument (which leaf, with the record's value), no usable vector, ranked below k (its exact
rank), or missed by the HNSW graph although exact search ranks it within k (docs/why-not.md).
Reading commands open the folder read-only: nothing in it is ever written. backup never writes
into the source folder; restore only writes into a new or empty folder; fix writes a repaired copy
(the original is only read) unless --in-place, which first writes a verified backup; migrate and
replay write only a new folder.`;

class UsageError extends Error {}

/**
 * Damage is never silent: the collection's warnings and errors go to stderr after the answer,
 * and an error makes the exit status 1 even though the answer itself was printed.
 */
function reportProblems(problems: readonly Problem[]): number {
  let status = 0;
  for (const p of problems) {
    if (p.severity === 'info') continue;
    process.stderr.write(`${p.severity} [${p.code}]: ${p.message}\n`);
    if (p.severity === 'error') status = 1;
  }
  return status;
}

function parseJsonArg(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InspectorError('INVALID_ARGUMENT', `--args is not valid JSON: ${(err as Error).message}`);
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      collection: { type: 'string', short: 'c' },
      tenant: { type: 'string' },
      database: { type: 'string' },
      args: { type: 'string' },
      json: { type: 'boolean' },
      offset: { type: 'string' },
      limit: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'call-timeout': { type: 'string' },
      root: { type: 'string', multiple: true },
      server: { type: 'string', multiple: true },
      'exclude-orphans': { type: 'boolean' },
      upsert: { type: 'boolean' },
      force: { type: 'boolean' },
      format: { type: 'string' },
      'page-size': { type: 'string' },
      'batch-size': { type: 'string' },
      space: { type: 'string' },
      exact: { type: 'boolean' },
      id: { type: 'string' },
      k: { type: 'string' },
      queries: { type: 'string' },
      seed: { type: 'string' },
      against: { type: 'string' },
      private: { type: 'boolean' },
      measure: { type: 'boolean' },
      only: { type: 'string', multiple: true },
      'in-place': { type: 'boolean' },
      resume: { type: 'boolean' },
      to: { type: 'string' },
      'to-seq': { type: 'string' },
      'no-embeddings': { type: 'boolean' },
      chroma: { type: 'string' },
      text: { type: 'string' },
      'embedding-function': { type: 'string' },
      'model-dir': { type: 'string' },
      'model-url': { type: 'string' },
      'api-key-env': { type: 'string' },
      'no-chroma': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, folderPath] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || values.help ? 0 : 2;
  }
  // A URL of another scheme (or a typo like htp://) would otherwise be taken for a folder path.
  const otherScheme = positionals.slice(1).find((p) => /^[a-z][a-z0-9+.-]*:\/\//i.test(p) && !/^https?:\/\//i.test(p));
  if (otherScheme) throw new UsageError(`${otherScheme}: only http:// and https:// Chroma servers are supported`);
  if (command === 'serve') {
    const { runServeCommand } = await import('../server/serve-command.js');
    return runServeCommand({
      folder: folderPath,
      port: values.port,
      host: values.host,
      allowRemote: values['allow-remote'] === true,
      callTimeout: values['call-timeout'],
      roots: values.root,
      servers: values.server,
      tenant: values.tenant,
      database: values.database,
    });
  }
  // Before the URL routing: either side of a copy may be a server.
  if (command === 'copy') return copyCommand({ positionals: positionals.slice(1), options: values });
  if (command === 'diff') return diffCommand({ positionals: positionals.slice(1), options: values });
  if (namesServer(positionals)) return runServerCommand(positionals, values);
  if (command in FILE_COMMANDS) {
    return FILE_COMMANDS[command as keyof typeof FILE_COMMANDS]({ positionals: positionals.slice(1), options: values });
  }
  if (!folderPath) throw new UsageError(`${command} needs a folder`);
  const folder = ChromaFolder.open(folderPath);
  try {
    const ref = () => {
      if (!values.collection) throw new UsageError(`${command} needs --collection NAME`);
      return { name: values.collection, tenant: values.tenant, database: values.database };
    };
    const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
    // A first count, get or query loads the collection (vectors, graph, WAL replay): seconds at
    // millions of records, shown on stderr. Ctrl-C stops it (nothing is written anywhere).
    const printer = progressPrinter(defaultIo(), { quiet: true });
    const loading = <T>(fn: () => T): T => {
      try {
        return withLoadProgress((s) => printer.onProgress({ done: s.done, total: s.total ?? 0, message: s.message }), fn);
      } finally {
        printer.end();
      }
    };
    switch (command) {
      case 'info': {
        const info = folder.info();
        if (values.json) print(info);
        else process.stdout.write(formatInfo(info));
        return 0;
      }
      case 'count': {
        const r = ref();
        print(loading(() => folder.count(r)));
        return reportProblems(folder.collectionInfo(r).problems);
      }
      case 'get': {
        const r = ref();
        print(loading(() => folder.get(r, parseJsonArg(values.args))));
        return reportProblems(folder.collectionInfo(r).problems);
      }
      case 'query': {
        const args = await argsWithText(() => folder.collection(ref()).catalog, parseJsonArg(values.args), values);
        // Strict: records without a usable vector fail the query (VECTORS_MISSING), never a partial answer.
        const { warnings, ...result } = loading(() => folder.query(ref(), args, { exact: values.exact === true }));
        print(result);
        return reportProblems(warnings ?? []);
      }
      case 'why': {
        if (!values.id) throw new UsageError('why needs --id ID (the record that did not come back)');
        if (values.args === undefined && values.text === undefined) throw new UsageError('why needs --args JSON (the query: queryEmbeddings with one vector, nResults, where, whereDocument) or --text TEXT');
        const args = await argsWithText(() => folder.collection(ref()).catalog, parseJsonArg(values.args), values);
        const answer = loading(() => folder.whyNot(ref(), args, values.id!));
        if (values.json) print(answer);
        else process.stdout.write(formatWhyNot(answer));
        return 0;
      }
      case 'embed': {
        const c = folder.collection(ref()).catalog;
        if (values.text === undefined) {
          const info = describeText(c, values);
          if (values.json) print(info);
          else process.stdout.write(formatTextFunction(info));
          return info.ready ? 0 : 1;
        }
        print(await embedOne(c, values.text, values));
        return 0;
      }
      case 'recall': {
        const num = (name: 'k' | 'queries' | 'seed', fallback: number) => {
          const v = values[name] === undefined ? fallback : Number(values[name]);
          if (!Number.isInteger(v) || v < 1) throw new UsageError(`--${name} takes a whole number of at least 1, not ${JSON.stringify(values[name])}`);
          return v;
        };
        const report = loading(() => folder.recall(ref(), { k: num('k', 10), queries: num('queries', 200), seed: num('seed', 1) }));
        if (values.json) print(report);
        else process.stdout.write(formatRecall(report));
        return 0;
      }
      case 'wal': {
        const collectionId = values.collection ? folder.collection({ name: values.collection, tenant: values.tenant, database: values.database }).id : undefined;
        print(
          readWalWindow(folder, {
            collectionId,
            offset: values.offset ? Number(values.offset) : 0,
            limit: values.limit ? Number(values.limit) : 100,
          }),
        );
        return 0;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    folder.close();
  }
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`error: ${(err as Error).message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    const data = toErrorData(err);
    process.stderr.write(`error [${data.code}]: ${data.message}\n`);
    process.exitCode = 1;
  }
}
