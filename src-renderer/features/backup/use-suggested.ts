import { useCallback, useState } from 'react';

/**
 * A text field whose value follows `suggestion` (a default derived from other state: the open
 * folder, the chosen format, the last backup) until the user edits it; `reset` follows it again.
 */
export function useSuggested(suggestion: string): { value: string; edited: boolean; set(text: string): void; reset(): void } {
  const [edited, setEdited] = useState<string | null>(null);
  const reset = useCallback(() => setEdited(null), []);
  // With no default (a server source names its outputs) there is nothing to go back to.
  return { value: edited ?? suggestion, edited: edited !== null && edited !== suggestion && suggestion !== '', set: setEdited, reset };
}
