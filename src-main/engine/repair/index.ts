/**
 * Copy-first repair of Chroma folders (`chroma-inspector fix`): the original is only read; the
 * fixes run on a snapshot in a staging folder, the result is verified against the original with
 * the read engine, and only then published. See fix-folder.ts for the order of the fixes.
 */
export { fixFolder, fixKindsOf, FIX_ORDER, type FixOptions } from './fix-folder.js';
export { fixInPlace, type FixInPlaceOptions } from './fix-in-place.js';
