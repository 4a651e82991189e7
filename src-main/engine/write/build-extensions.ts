import type { MessagePort } from 'node:worker_threads';
import type { CheckpointBuildExtension } from './checkpoint-build-program.js';

/**
 * The caller's side of a build's extensions: rows written while a build runs that only add new
 * labels can join it, rather than wait for the next build to load the whole index and save it
 * again. A build takes what it has been handed when its inserts are done, in order, until it finds
 * none; what arrives after that is not in it (BuildResult.extended says how many were).
 */
export class BuildExtensions {
  private port: MessagePort | null = null;

  /** True while the build runs in a worker thread that can still be handed inserts. */
  get open(): boolean {
    return this.port !== null;
  }

  /** Hands inserts to the build (their buffers move to it); false when it takes none (then nothing moved). */
  offer(ext: CheckpointBuildExtension): boolean {
    if (!this.port) return false;
    const moved = [ext.labels.buffer, ext.vectors.buffer, ...(ext.norms ? [ext.norms.buffer] : [])] as ArrayBuffer[];
    this.port.postMessage(ext, moved);
    return true;
  }

  /** @internal runCheckpointBuild's side: the port while the worker runs, then null. */
  attach(port: MessagePort | null): void {
    this.port?.close();
    this.port = port;
  }
}
