import { InspectorError } from '../../../shared/errors.js';
import type { EmbeddedFolder, EmbeddedFolderOptions } from './embedded-folder.js';
import { acquireFolder, releaseFolder } from './embedded-folder-registry.js';

/** A call to run on the open folder, inside its queue. */
export type FolderCall<T> = (folder: EmbeddedFolder) => T | Promise<T>;

/**
 * One holder's share of the process-wide EmbeddedFolder for a path (embedded-folder-registry.ts):
 * the folder is acquired on the first call, so creating a lease touches nothing, and `release()`
 * lets it go (the last holder flushes the HNSW checkpoints and closes the connections). The
 * embedded clients, the inspector's write path and `import` each hold one.
 */
export class EmbeddedFolderLease {
  #folder: EmbeddedFolder | null = null;
  #released = false;

  constructor(
    readonly path: string,
    private readonly options: EmbeddedFolderOptions = {},
  ) {}

  /** Runs `fn` on the folder, one call at a time with every other holder's calls. Errors are the engine's own. */
  async run<T>(fn: FolderCall<T>): Promise<T> {
    if (this.#released) throw new InspectorError('INVALID_ARGUMENT', `The lease on ${this.path} was released`);
    this.#folder ??= acquireFolder(this.path, this.options);
    const folder = this.#folder;
    return folder.run(() => fn(folder));
  }

  /** Gives the folder back; later calls fail. Releasing twice is harmless. */
  async release(): Promise<void> {
    this.#released = true;
    const folder = this.#folder;
    this.#folder = null;
    if (folder) await releaseFolder(folder);
  }
}
