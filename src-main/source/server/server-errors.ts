import { InspectorError } from '../../../shared/errors.js';

/**
 * The chromadb client's errors as InspectorErrors. What the server said about the request
 * itself (a bad where, a dimension mismatch, "Error finding id") keeps Chroma's own message, so
 * the answer is the server's; what is about reaching the server names the server instead.
 * The client's error classes are told apart by `name` (they are not exported as one family).
 */
export function fromClientError(err: unknown, url: string): InspectorError {
  if (err instanceof InspectorError) return err;
  const name = (err as Error | null)?.name ?? '';
  const message = err instanceof Error ? err.message : String(err);
  const details = { server: url, chromaError: name };
  switch (name) {
    case 'ChromaConnectionError':
      // The client's message ends in advice for browsers (CORS), which is not this program's case.
      return new InspectorError('SERVER_UNREACHABLE', `Cannot reach the Chroma server at ${url}: ${(err as { cause?: unknown }).cause ? networkReason(err) : message.replace(/\s*If you are running from a browser.*$/s, '')}`, details);
    case 'ChromaUnauthorizedError':
      return unauthorized(url, 401, details);
    case 'ChromaForbiddenError':
      return unauthorized(url, 403, details);
    case 'ChromaNotFoundError':
      return new InspectorError('NOT_FOUND', `${url}: ${message}`, details);
    case 'ChromaClientError':
    case 'ChromaValueError':
    case 'InvalidArgumentError':
    case 'InvalidCollectionError':
      return new InspectorError('INVALID_ARGUMENT', message, details);
    case 'ChromaServerError':
      return new InspectorError(/Error finding id/.test(message) ? 'INTERNAL_ID_NOT_FOUND' : 'INTERNAL', message, details);
    default:
      return new InspectorError('INTERNAL', message, details);
  }
}

export function unauthorized(url: string, status: 401 | 403, details: Record<string, unknown> = {}): InspectorError {
  const why =
    status === 401
      ? 'rejected the request as unauthenticated (401): set CHROMA_INSPECTOR_TOKEN, CHROMA_INSPECTOR_BASIC_AUTH or CHROMA_API_KEY'
      : 'refused access (403): the credentials given do not allow this';
  return new InspectorError('UNAUTHORIZED', `The Chroma server at ${url} ${why}`, { ...details, server: url, status });
}

/** Why a fetch failed, from undici's cause (ECONNREFUSED, ENOTFOUND, a TLS error …). */
export function networkReason(err: unknown): string {
  if ((err as Error | null)?.name === 'TimeoutError') return 'no answer in time';
  const cause = (err as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } } | null)?.cause;
  const code = cause?.code ?? cause?.errors?.find((e) => e.code)?.code;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is Chroma running on that host and port?)',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'the host name could not be resolved',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'host unreachable',
  };
  if (code && known[code]) return known[code];
  if (code && (code === 'EPROTO' || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS'))) return `the TLS handshake failed (${code}): is it a plain http:// server?`;
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') return 'the server accepted the request but sent no answer in time';
  if (code === 'UND_ERR_SOCKET') return 'the server closed the connection';
  return code ? `${code}${cause?.message ? ` (${cause.message})` : ''}` : (cause?.message ?? (err as Error).message);
}
