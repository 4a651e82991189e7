import { createRequire } from 'node:module';
import { InspectorError } from '../../../shared/errors.js';

type OnnxRuntime = typeof import('onnxruntime-node');

let loaded: { runtime: OnnxRuntime } | { error: string } | null = null;

/**
 * onnxruntime-node is an optional dependency (its package is ~300 MB with every platform's
 * binaries, and its install script fetches CUDA libraries unless told not to): loaded on the first
 * text query only, and its absence is a clear answer rather than a failed start.
 */
export function onnxRuntime(): OnnxRuntime {
  loaded ??= tryLoad();
  if ('error' in loaded) throw new InspectorError('EMBEDDING_UNAVAILABLE', loaded.error);
  return loaded.runtime;
}

export function onnxRuntimeProblem(): string | null {
  loaded ??= tryLoad();
  return 'error' in loaded ? loaded.error : null;
}

function tryLoad(): { runtime: OnnxRuntime } | { error: string } {
  try {
    return { runtime: createRequire(import.meta.url)('onnxruntime-node') as OnnxRuntime };
  } catch (e) {
    return {
      error:
        `onnxruntime-node could not be loaded, so Chroma's default model cannot run here (${(e as Error).message.split('\n')[0]}). ` +
        'It is an optional dependency: install it with `ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node`, or query with a vector.',
    };
  }
}
