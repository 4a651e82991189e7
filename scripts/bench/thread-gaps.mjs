// The gaps of this thread's event loop, for the stall probes (write-stall.mjs, query-stall.mjs): a
// 5 ms timer notes every gap over 40 ms, with the step the caller said it was in.
export function watchGaps(firstStep = 'open') {
  const gaps = [];
  let step = firstStep;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    if (now - last > 40) gaps.push({ step, ms: Math.round(now - last) });
    last = now;
  }, 5);
  return {
    gaps,
    /** Names the step the gaps from now on fall in. */
    step: (name) => (step = name),
    stop: () => clearInterval(timer),
  };
}
