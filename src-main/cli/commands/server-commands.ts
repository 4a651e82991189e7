import { InspectorError } from '../../../shared/errors.js';
import { isServerUrl, serverEndpoint, serverOptionsFromEnv } from '../../source/server/server-endpoint.js';
import { ServerSource, type ServerInfo } from '../../source/server/server-source.js';
import type { ParsedArgs } from './backup-commands.js';
import { serverBackupCommand, serverExportCommand, serverImportCommand, serverRestoreCommand } from './server-backup-commands.js';
import { argsWithText, describeText, embedOne, formatTextFunction, type TextValues } from '../text-query.js';

/**
 * The CLI's read commands on a running Chroma server: `info`, `count`, `get` and `query` take an
 * http(s) URL where they take a folder, and print the same shapes. Secrets come from the
 * environment only (never flags: they would show in shell history and process lists).
 */
export const SERVER_USAGE = `  info, count, get, query and embed also take a Chroma server URL in place of <folder>:
  chroma-inspector get http://127.0.0.1:8000 --collection NAME --args JSON
    tenant/database: --tenant/--database, ?tenant=T&database=D on the URL, or CHROMA_TENANT/CHROMA_DATABASE
    credentials (environment only): CHROMA_INSPECTOR_TOKEN (Authorization: Bearer; X-Chroma-Token with
    CHROMA_INSPECTOR_TOKEN_HEADER=x-chroma-token), CHROMA_INSPECTOR_BASIC_AUTH=user:pass,
    CHROMA_INSPECTOR_HEADERS='{"Name":"value"}', CHROMA_API_KEY (Chroma Cloud)`;

/** Why each command that needs a folder cannot take a server. */
const FOLDER_ONLY: Record<string, string> = {
  wal: "it reads Chroma's write-ahead log from the folder's SQLite file, which a server's API does not expose",
  doctor: "it checks Chroma's files (SQLite, WAL, HNSW segments), which a server's API does not expose",
  fix: "it repairs Chroma's files, which a server's API does not expose",
  migrate: "it rewrites Chroma's files into another format, which a server's API does not expose",
  replay: "it replays Chroma's write-ahead log from the folder's files",
  'wal-export': "it exports Chroma's write-ahead log from the folder's files",
  recall: 'it compares the index with exact search over the stored vectors, which a server\'s API does not give',
  why: 'it ranks the record by exact search over the stored vectors, which a server\'s API does not give',
  verify: 'it checks a backup against a folder; server sources are not supported yet',
};

interface Values extends TextValues {
  collection?: string;
  tenant?: string;
  database?: string;
  args?: string;
  json?: boolean;
  exact?: boolean;
}

class ServerUsageError extends Error {}

/** True when the command line names a server: then runServerCommand answers it. */
export const namesServer = (positionals: readonly string[]) => positionals.slice(1).some(isServerUrl);

/** 0 success, 1 failure (thrown InspectorError, printed by the CLI), 2 bad usage. */
export async function runServerCommand(positionals: readonly string[], values: Values & ParsedArgs['options']): Promise<number> {
  const [command = '', url = ''] = positionals;
  // Backups of a server and restores into one: the folder forms' zip format (server-backup-commands.ts).
  if (command === 'backup') return serverBackupCommand({ positionals: positionals.slice(1), options: values });
  if (command === 'restore') return serverRestoreCommand({ positionals: positionals.slice(1), options: values });
  if (command === 'export') return serverExportCommand({ positionals: positionals.slice(1), options: values });
  if (command === 'import') return serverImportCommand({ positionals: positionals.slice(1), options: values });
  try {
    return await serverCommand(command, url, positionals, values);
  } catch (err) {
    if (!(err instanceof ServerUsageError)) throw err;
    process.stderr.write(`error: ${err.message}\n\nusage:\n${SERVER_USAGE}\n`);
    return 2;
  }
}

async function serverCommand(command: string, url: string, positionals: readonly string[], values: Values): Promise<number> {
  if (command in FOLDER_ONLY) throw new ServerUsageError(`${command} works on folders only: ${FOLDER_ONLY[command]}`);
  if (!['info', 'count', 'get', 'query', 'embed'].includes(command)) throw new ServerUsageError(`unknown command "${command}"`);
  if (!isServerUrl(url)) throw new ServerUsageError(`${command} takes the server URL as its first argument`);
  if (positionals.length > 2) throw new ServerUsageError(`${command}: unexpected argument "${positionals[2]}"`);
  if (values.exact) {
    throw new ServerUsageError('--exact works on folders only: it computes true nearest neighbours from the stored vectors; a server answers only through its own index');
  }
  const options = { ...serverOptionsFromEnv(), ...(values.tenant ? { tenant: values.tenant } : {}), ...(values.database ? { database: values.database } : {}) };
  const needsCollection = command !== 'info';
  if (needsCollection && !values.collection) throw new ServerUsageError(`${command} needs --collection NAME`);
  const source = await ServerSource.connect(serverEndpoint(url, options));
  const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v)}\n`);
  const ref = { name: values.collection ?? '', tenant: source.tenant, database: source.database };
  // Text is embedded here, as the chromadb client does before it sends: the server sees vectors.
  const described = async () => {
    const rest = (await source.restCollections(ref.tenant, ref.database)).find((c) => c.name === ref.name);
    if (!rest) throw new InspectorError('NOT_FOUND', `Collection ${ref.name} does not exist on ${url}`);
    return { configJson: rest.configuration_json ?? null, schemaJson: rest.schema ?? null, dimension: rest.dimension };
  };
  switch (command) {
    case 'info': {
      const info = await source.info();
      process.stdout.write(values.json ? `${JSON.stringify(info)}\n` : formatServerInfo(info));
      return 0;
    }
    case 'count':
      print(await source.count(ref));
      return 0;
    case 'get':
      print(await source.get(ref, parseArgs(values.args)));
      return 0;
    case 'embed': {
      const c = await described();
      if (values.text === undefined) {
        const info = describeText(c, values);
        process.stdout.write(values.json ? `${JSON.stringify(info)}\n` : formatTextFunction(info));
        return info.ready ? 0 : 1;
      }
      print(await embedOne(c, values.text, values));
      return 0;
    }
    default: {
      const args = parseArgs(values.args);
      const hasText = values.text !== undefined || (typeof args === 'object' && args !== null && 'queryTexts' in args);
      const c = hasText ? await described() : null;
      print(await source.query(ref, await argsWithText(() => c!, args, values)));
      return 0;
    }
  }
}

function parseArgs(text: string | undefined): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InspectorError('INVALID_ARGUMENT', `--args is not valid JSON: ${(err as Error).message}`);
  }
}

/** The human-readable form of `info` on a server, in the layout of the folder's. */
export function formatServerInfo(info: ServerInfo): string {
  const lines = [info.url, `  server       Chroma ${info.version} (HTTP API ${info.api})`];
  if (info.identity) {
    const who = info.identity.userId ? `user ${info.identity.userId}, ` : '';
    lines.push(`  identity     ${who}tenant ${info.identity.tenant}, databases ${info.identity.databases.join(', ') || '—'}`);
  }
  for (const t of info.tenants) {
    lines.push(`  tenant ${t.name}`);
    for (const d of t.databases) {
      lines.push(`    database ${d.name}`);
      for (const c of d.collections) lines.push(`      ${c.name}  ${c.count} records  (${c.id})`);
    }
  }
  for (const p of info.problems) lines.push(`  ${p.severity.padEnd(7)} ${p.message}`);
  return `${lines.join('\n')}\n`;
}
