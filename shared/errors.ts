/**
 * Errors cross every boundary (IPC, WebSocket, CLI) as plain data and are rebuilt on the other
 * side as `InspectorError`, so callers can branch on `code` whatever transport they have.
 */
export type ErrorCode =
  | 'NOT_FOUND' // folder, collection, tenant, database, file
  | 'NOT_A_CHROMA_FOLDER'
  | 'UNSUPPORTED_FORMAT' // e.g. pre-0.4 duckdb+parquet folders
  | 'CORRUPT_SQLITE'
  | 'CORRUPT_HNSW'
  | 'CORRUPT_PICKLE'
  | 'CORRUPT_WAL'
  | 'UNKNOWN_SCHEMA'
  | 'INVALID_ARGUMENT' // bad where, bad include, bad ids … (Chroma's InvalidArgument)
  | 'DIMENSION_MISMATCH'
  | 'INTERNAL_ID_NOT_FOUND' // Chroma's "Error finding id"
  | 'VECTORS_MISSING' // records whose vector is lost or damaged (a damaged checkpoint, a purged WAL)
  | 'FOLDER_BUSY'
  | 'READ_ONLY'
  | 'CANCELLED'
  | 'TIMEOUT' // a call ran past its time limit and was stopped (serve --call-timeout)
  | 'UNAUTHORIZED'
  | 'SERVER_UNREACHABLE' // a Chroma server URL that does not answer (refused, unknown host, TLS, timeout)
  | 'SERVER_UNSUPPORTED' // a server that answers, but not with an API the chromadb client speaks (version skew)
  | 'EMBEDDING_UNAVAILABLE' // text cannot be embedded here: unknown function, model files absent, onnxruntime missing, no API key
  | 'FOLDER_ONLY' // asked of a server source, but it needs a folder's files (WAL, SQL, segments, doctor …)
  | 'INTERNAL';

export interface ErrorData {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export class InspectorError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'InspectorError';
    this.code = code;
    this.details = details;
  }

  toData(): ErrorData {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromData(data: ErrorData): InspectorError {
    return new InspectorError(data.code, data.message, data.details);
  }
}

/** Turns anything thrown into wire data without losing the message of unexpected errors. */
export function toErrorData(err: unknown): ErrorData {
  if (err instanceof InspectorError) return err.toData();
  if (isErrorData(err)) return err;
  if (err instanceof Error && err.name === 'AbortError') return { code: 'CANCELLED', message: 'Cancelled' };
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

export function isErrorData(value: unknown): value is ErrorData {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorData).code === 'string' &&
    typeof (value as ErrorData).message === 'string'
  );
}

export const invalidArgument = (message: string, details?: Record<string, unknown>) =>
  new InspectorError('INVALID_ARGUMENT', message, details);
