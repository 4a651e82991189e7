// Which process runs the engine. Pure (no electron, no fs) so every branch is unit-tested: main
// gathers the facts (engine-launch-facts.ts) and tries the candidates in order, keeping the first
// whose host answers the native-module handshake (engine-handshake.ts).

/**
 * `utility`: Electron's utilityProcess, i.e. Electron's own Node, so the native modules must be
 * built for Electron's ABI. `node`: a plain Node child process running the modules exactly as
 * `npm install` built them, bridged by main to the window's MessagePort.
 */
export type EngineHostKind = 'utility' | 'node';

export type EngineCandidate = { kind: 'utility'; why: string } | { kind: 'node'; nodePath: string; why: string };

export interface EngineLaunchFacts {
  /** `app.isPackaged`: electron-builder rebuilt the native modules for Electron. */
  isPackaged: boolean;
  /** `process.versions.modules` inside Electron. */
  electronAbi: string;
  /**
   * The ABI the native modules in node_modules were built for, when something recorded it
   * (@electron/rebuild's `.forge-meta`); null when unknown, as after a plain `npm install`,
   * which builds them for the Node that ran it.
   */
  nativeAbi: string | null;
  /** A Node.js executable to run the engine in, and its ABI when known. */
  node: { path: string; abi: string | null } | null;
  /** CHROMA_INSPECTOR_ENGINE_HOST: forces one host in development (diagnostics). */
  requested: EngineHostKind | null;
}

export interface EngineLaunchPlan {
  /** In order of preference; empty when no host can work. */
  candidates: EngineCandidate[];
  /** One line for the log, or the reason nothing can run. */
  summary: string;
}

export function planEngineLaunch(f: EngineLaunchFacts): EngineLaunchPlan {
  if (f.isPackaged) {
    // The packaged app carries no Node of its own and its modules were rebuilt for Electron.
    return {
      candidates: [{ kind: 'utility', why: `packaged app: native modules rebuilt for Electron (ABI ${f.electronAbi})` }],
      summary: 'packaged app: engine in an Electron utility process',
    };
  }

  const builtForElectron = f.nativeAbi === f.electronAbi;
  const utility: EngineCandidate | null =
    f.nativeAbi === null || builtForElectron
      ? {
          kind: 'utility',
          why: builtForElectron
            ? `native modules were rebuilt for Electron's ABI ${f.electronAbi}`
            : `native modules' ABI is unknown; works only if they were rebuilt for Electron's ABI ${f.electronAbi}`,
        }
      : null;
  const nodeFits = f.node !== null && (f.nativeAbi === null || f.node.abi === null || f.node.abi === f.nativeAbi);
  const node: EngineCandidate | null =
    f.node && nodeFits
      ? {
          kind: 'node',
          nodePath: f.node.path,
          why: `Node.js at ${f.node.path}${f.node.abi ? ` (ABI ${f.node.abi})` : ''} loads the native modules as npm installed them`,
        }
      : null;

  // A plain `npm install` builds for Node, so Node goes first unless the modules say otherwise.
  const ordered = (builtForElectron ? [utility, node] : [node, utility]).filter((c): c is EngineCandidate => c !== null);
  const candidates = f.requested ? ordered.filter((c) => c.kind === f.requested) : ordered;

  if (candidates.length === 0) {
    const reasons: string[] = [];
    if (f.requested) reasons.push(`CHROMA_INSPECTOR_ENGINE_HOST=${f.requested} was requested`);
    if (!f.node) reasons.push('no Node.js executable was found to run the engine in');
    else if (!nodeFits) reasons.push(`the Node.js found (ABI ${f.node.abi}) does not match the native modules (ABI ${f.nativeAbi})`);
    if (!utility) reasons.push(`the native modules are built for ABI ${f.nativeAbi}, not Electron's ${f.electronAbi}`);
    return { candidates, summary: `no engine host can load the native modules: ${reasons.join('; ')}` };
  }
  return {
    candidates,
    summary: `development: engine in ${candidates.map((c) => (c.kind === 'node' ? 'a Node.js child process' : 'an Electron utility process')).join(', else ')}`,
  };
}
