// The library: the read engine today; the embedded PersistentClient arrives with the write engine.
export { ChromaFolder } from './engine/chroma-folder.js';
export { InspectorError, toErrorData, type ErrorCode, type ErrorData } from '../shared/errors.js';
export type * from '../shared/models.js';
