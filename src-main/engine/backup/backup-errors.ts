import { InspectorError, type ErrorCode } from '../../../shared/errors.js';

/**
 * Stable machine-readable reasons for backup/restore failures, carried in `details.reason`
 * (the shared ErrorCode set has no archive-specific codes).
 */
export type BackupFailure =
  | 'zip.corrupt' // unreadable archive, bad CRC/checksum, truncated
  | 'zip.unsafe-entry' // absolute path, `..`, symlink, device file
  | 'zip.not-a-backup' // no chroma.sqlite3 in the archive
  | 'zip.manifest' // manifest missing entries, extra entries, bad JSON
  | 'restore.target-not-empty'
  | 'no-space'
  | 'restore.count-mismatch'
  | 'snapshot.torn' // files or seqs kept moving while copying
  | 'snapshot.inconsistent' // the captured checkpoint does not agree with the captured DB
  | 'export.unsupported';

export function backupError(code: ErrorCode, reason: BackupFailure, message: string, details: Record<string, unknown> = {}): InspectorError {
  return new InspectorError(code, message, { ...details, reason });
}

export const isNoSpace = (err: unknown) => (err as NodeJS.ErrnoException | null)?.code === 'ENOSPC';
