import { useEffect, useMemo, useRef } from 'react';
import type { MetadataKeyInfo } from '../../../shared/contract.js';
import { useClient } from '../../client/client-context.js';
import { useAsync } from '../../client/use-async.js';

const NONE: MetadataKeyInfo[] = [];

/** The collection's metadata keys and their types (a stable array; empty until loaded or on error). */
export function useMetadataKeys(handle: string, collectionId: string, revision = 0): { keys: MetadataKeyInfo[]; types: Record<string, string[]> } {
  const client = useClient();
  const { state } = useAsync((signal) => client.call('metadataKeys', { handle, collectionId }, { signal }), [handle, collectionId, revision]);
  // Keep the collection's previous keys while a refresh after a write loads: no column flicker.
  const at = `${handle}/${collectionId}`;
  const last = useRef<{ at: string; keys: MetadataKeyInfo[] } | null>(null);
  useEffect(() => {
    if (state.status === 'success') last.current = { at, keys: state.value };
  });
  const keys = state.status === 'success' ? state.value : state.status === 'loading' && last.current?.at === at ? last.current.keys : NONE;
  const types = useMemo(() => Object.fromEntries(keys.map((k) => [k.key, k.types])), [keys]);
  return { keys, types };
}
