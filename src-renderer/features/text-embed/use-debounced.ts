import { useEffect, useState } from 'react';

/** `value`, once it has stopped changing for `ms`: typing in a field asks the engine once, not per key. */
export function useDebounced<T extends string | number | boolean>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return settled;
}
