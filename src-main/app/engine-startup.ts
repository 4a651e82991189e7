// Main's start-up order: an engine host that passed the handshake first, the window second. No
// electron here (main passes the effects in), so "engine not ready → no window" is unit-tested.
import type { EngineHost } from './engine-host-handle.js';
import type { EngineCandidate, EngineLaunchPlan } from './engine-launch-plan.js';

/**
 * Exit code by which main tells scripts/start.mjs "no engine host could load the native modules":
 * start.mjs then serves the same UI to the browser, whose engine runs in plain Node.
 */
export const ENGINE_UNAVAILABLE_EXIT = 78;

export interface StartupDeps {
  plan: EngineLaunchPlan;
  /** Starts one candidate; resolves once it reported ready, rejects with the reason otherwise. */
  launch(candidate: EngineCandidate): Promise<EngineHost>;
  openWindow(): void;
  /** True when scripts/start.mjs launched main and falls back to the browser on ENGINE_UNAVAILABLE_EXIT. */
  canFallBackToBrowser: boolean;
  showError(title: string, body: string): void;
  log(line: string): void;
  exit(code: number): void;
}

export interface StartedEngine {
  host: EngineHost;
  candidate: EngineCandidate;
}

/** Tries the plan's candidates in order; the first ready host wins. */
export async function startFirstReadyEngine(
  plan: EngineLaunchPlan,
  launch: (c: EngineCandidate) => Promise<EngineHost>,
  log: (line: string) => void,
): Promise<{ started: StartedEngine | null; failures: string[] }> {
  const failures: string[] = [];
  for (const candidate of plan.candidates) {
    try {
      const host = await launch(candidate);
      log(`engine: running in ${candidate.kind === 'node' ? `Node.js (${candidate.nodePath})` : 'an Electron utility process'}: ${candidate.why}`);
      return { started: { host, candidate }, failures };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      failures.push(`${candidate.kind}: ${reason}`);
      log(`engine: ${candidate.kind} host failed: ${reason}`);
    }
  }
  return { started: null, failures };
}

export async function startEngineThenWindow(d: StartupDeps): Promise<StartedEngine | null> {
  d.log(`engine: ${d.plan.summary}`);
  const { started, failures } = await startFirstReadyEngine(d.plan, d.launch, d.log);
  if (started) {
    d.openWindow();
    return started;
  }
  const detail = failures.length ? failures.join('\n') : d.plan.summary;
  if (d.canFallBackToBrowser) {
    d.log(`engine: no host could load the native modules; no window is opened.\n${detail}`);
    d.exit(ENGINE_UNAVAILABLE_EXIT);
  } else {
    d.showError(
      'Chroma Inspector cannot start its engine',
      `The engine's native modules (better-sqlite3, hnswlib-node) could not be loaded, so no window was opened.\n\n${detail}\n\n` +
        'From a source checkout, run `npm start` (it falls back to the browser UI) or `npx chroma-inspector serve`.',
    );
    d.exit(1);
  }
  return null;
}
