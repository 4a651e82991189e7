/**
 * The one content security policy of the UI: the Electron page (a meta tag in the build) and the
 * `serve` HTTP responses use it alike. No inline script, no eval, nothing remote.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'", // the page's own origin, its WebSocket included (CSP 3)
  "object-src 'none'",
  "base-uri 'none'",
].join('; ');
