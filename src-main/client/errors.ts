import { InspectorError } from '../../shared/errors.js';

/**
 * The error classes of the `chromadb` JS client (v3), with the same `name`s and, where Chroma
 * produces them, the same messages: code that catches `ChromaNotFoundError` or tests
 * `err.name === 'ChromaUniqueError'` behaves the same against PersistentClient. Server-side
 * rejections read "Bad request to Chroma with status: <Chroma's message>" — the form the client
 * uses when it has no request URL. `cause` holds our InspectorError with the specifics.
 */
class NamedError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}

export class ChromaConnectionError extends NamedError {
  override name = 'ChromaConnectionError';
}
export class ChromaServerError extends NamedError {
  override name = 'ChromaServerError';
}
export class ChromaClientError extends NamedError {
  override name = 'ChromaClientError';
}
export class ChromaUnauthorizedError extends NamedError {
  override name = 'ChromaAuthError';
}
export class ChromaForbiddenError extends NamedError {
  override name = 'ChromaForbiddenError';
}
export class ChromaNotFoundError extends NamedError {
  override name = 'ChromaNotFoundError';
}
export class ChromaValueError extends NamedError {
  override name = 'ChromaValueError';
}
export class ChromaUniqueError extends NamedError {
  override name = 'ChromaUniqueError';
}
export class InvalidCollectionError extends NamedError {
  override name = 'InvalidCollectionError';
}
export class InvalidArgumentError extends NamedError {
  override name = 'InvalidArgumentError';
}

export const NOT_FOUND_MESSAGE = 'The requested resource could not be found';
export const UNIQUE_MESSAGE = 'The resource already exists';
export const FORBIDDEN_MESSAGE = 'You do not have permission to access the requested resource.';

export const badRequest = (message: string, cause?: unknown) => new ChromaClientError(`Bad request to Chroma with status: ${message}`, cause);
export const notFound = (cause?: unknown) => new ChromaNotFoundError(NOT_FOUND_MESSAGE, cause);

/** Maps an engine error to what the chromadb client would have thrown for the same server answer. */
export function toChromaError(err: unknown): unknown {
  if (!(err instanceof InspectorError)) return err;
  switch (err.code) {
    case 'NOT_FOUND':
      return notFound(err);
    case 'INVALID_ARGUMENT':
      if (err.details?.conflict) return new ChromaUniqueError(UNIQUE_MESSAGE, err);
      // Chroma's request-body deserialisation errors reach the client without the status prefix.
      if (err.details?.deserialize) return new ChromaClientError(err.message, err);
      return badRequest(err.message, err);
    case 'DIMENSION_MISMATCH':
      return badRequest(err.message, err);
    case 'INTERNAL_ID_NOT_FOUND':
      return new ChromaServerError('Error executing plan: Internal error: Error finding id', err);
    case 'INTERNAL':
      return err.details?.conflict ? new ChromaServerError(err.message, err) : err;
    default:
      // Folder-level problems (busy, read-only era, corrupt files) keep our error and its code.
      return err;
  }
}

/** Runs `fn`, translating engine errors into chromadb's. */
export async function chromaErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toChromaError(err);
  }
}
