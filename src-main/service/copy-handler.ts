import type { CopyReport } from '../../shared/models.js';
import type { ParsedInput } from '../../shared/contract.js';
import { copySources } from '../source/copy/copy-sources.js';
import type { SourceSpec } from '../source/copy/copy-types.js';
import type { CallContext } from './dispatcher.js';
import type { PathPolicy } from './path-policy.js';
import type { ServerHandles } from './server-handles.js';

/** Where a copy reads from: the open source, scoped to the tenant/database of the collection (or the source's). */
export interface CopyOrigin {
  spec: SourceSpec;
  /** The collection's name; undefined: every collection of the scope. */
  collection?: string;
}

/**
 * The contract's copyTo over copySources: the target is a folder under the host's path policy,
 * or a server the host's server policy allows (with the call's credentials or the environment's).
 */
export function runCopyTo(origin: CopyOrigin, input: ParsedInput<'copyTo'>, deps: { paths: PathPolicy; servers: ServerHandles }, ctx: CallContext): Promise<CopyReport> {
  const t = input.target;
  const target: SourceSpec =
    t.kind === 'folder'
      ? { kind: 'folder', path: deps.paths.allow(t.path), ...(t.tenant ? { tenant: t.tenant } : {}), ...(t.database ? { database: t.database } : {}) }
      : { kind: 'server', endpoint: deps.servers.endpoint(t).endpoint };
  return copySources(origin.spec, target, {
    ...(origin.collection ? { collection: origin.collection } : {}),
    resume: input.resume,
    signal: ctx.signal,
    onProgress: (p) => ctx.progress({ done: p.done, total: p.total ?? null, ...(p.message ? { message: p.message } : {}) }),
  });
}
