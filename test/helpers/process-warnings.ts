/**
 * The messages of the process warnings emitted while `run` runs (and on the tick after it, when
 * Node emits them): the write engine reports a checkpoint it could not persist as a warning.
 */
export async function warningsDuring(run: () => Promise<void>): Promise<string[]> {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    await run();
    await new Promise((r) => setImmediate(r));
  } finally {
    process.off('warning', onWarning);
  }
  return warnings;
}
