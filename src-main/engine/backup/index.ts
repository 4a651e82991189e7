/**
 * Backup, verify, restore, export and import of Chroma folders. Every long call takes an
 * AbortSignal and an onProgress({done,total,message}) callback and leaves nothing behind when it
 * fails or is cancelled; failures carry a stable `details.reason` (see backup-errors.ts).
 */
export { backup, type BackupOptions, type BackupResult } from './backup.js';
export { verify, type VerifyOptions, type VerifyResult } from './verify.js';
export { restore, type RestoreOptions, type RestoreResult } from './restore.js';
export { exportCollection, formatFromPath, EXPORT_FORMATS, type ExportFormat, type ExportOptions, type ExportResult } from './export-records.js';
export { importRecords, importFormatFromPath, type ImportFormat, type ImportOptions, type ImportResult } from './import-records.js';
export type { Manifest, ManifestCollection, ManifestFile } from './manifest.js';
export type { BackupFailure } from './backup-errors.js';
export type { Progress, TaskOptions } from './task.js';
