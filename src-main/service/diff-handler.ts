import type { DiffReport } from '../../shared/models.js';
import type { ParsedInput } from '../../shared/contract.js';
import { openSnapshot } from '../engine/diff/open-snapshot.js';
import { diffSides, type DiffSide } from '../source/diff/diff-sides.js';
import { isServerUrl } from '../source/server/server-endpoint.js';
import type { CallContext } from './dispatcher.js';
import type { PathPolicy } from './path-policy.js';
import type { ServerHandles } from './server-handles.js';

/**
 * The contract's diff from the open source (`a`: a folder, or a server scoped to the collection's
 * tenant/database) to `other`: a folder or backup under the host's path policy, or a server URL
 * the host's server policy allows (its credentials the environment's, for the servers the host
 * was started with). `collection` is the name of the chosen collection of a, if any.
 */
export async function runDiff(
  a: DiffSide,
  input: Pick<ParsedInput<'diff'>, 'other' | 'against' | 'limit'> & { collection?: string },
  deps: { paths: PathPolicy; servers: ServerHandles },
  ctx: CallContext,
): Promise<DiffReport> {
  const opts = {
    limit: input.limit,
    ...(input.collection ? { collection: input.collection, against: input.against ?? input.collection } : {}),
    signal: ctx.signal,
    onProgress: (p: { done: number; total: number; message: string }) => ctx.progress(p),
    report: (p: { done: number; total: number | null; message: string }) => ctx.progress(p),
  };
  if (isServerUrl(input.other)) return diffSides(a, { kind: 'server', endpoint: deps.servers.endpoint({ url: input.other }).endpoint }, opts);
  const side = await openSnapshot(deps.paths.allow(input.other), ctx.signal);
  try {
    return await diffSides(a, { kind: 'folder', folder: side.folder, label: input.other }, opts);
  } finally {
    await side.close();
  }
}
