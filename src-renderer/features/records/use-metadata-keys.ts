import { useMemo } from 'react';
import type { MetadataKeyInfo } from '../../../shared/contract.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';

const NONE: MetadataKeyInfo[] = [];

/** The collection's metadata keys and their types (a stable array; empty until loaded or on error). */
export function useMetadataKeys(handle: string, collectionId: string): { keys: MetadataKeyInfo[]; types: Record<string, string[]> } {
  const client = useClient();
  const { state } = useAsync((signal) => client.call('metadataKeys', { handle, collectionId }, { signal }), [handle, collectionId]);
  const keys = state.status === 'success' ? state.value : NONE;
  const types = useMemo(() => Object.fromEntries(keys.map((k) => [k.key, k.types])), [keys]);
  return { keys, types };
}
