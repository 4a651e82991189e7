const ALNUM = /^[a-zA-Z0-9][a-zA-Z0-9._-]{1,510}[a-zA-Z0-9]$/;

/**
 * A dotted-quad IPv4 address as Rust's `IpAddr` parses one (validators.rs rejects names that
 * parse): four decimal numbers 0–255 without leading zeros. No IPv6 address fits ALNUM (it needs
 * a ':'). Written out rather than node:net's isIP, whose module costs 2.5 MB of memory to load.
 */
const OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

/** Chroma's name rule for collections and databases (validators.rs `validate_name`); null when valid. */
export function validateCollectionName(name: string): string | null {
  if (typeof name !== 'string' || !ALNUM.test(name)) {
    return `Expected a name containing 3-512 characters from [a-zA-Z0-9._-], starting and ending with a character in [a-zA-Z0-9]. Got: ${name}`;
  }
  if (name.includes('..')) return `Expected a name that does not contains two consecutive periods (..). Got ${name}`;
  if (IPV4.test(name)) return `Expected a name that is not a valid ip address. Got ${name}`;
  return null;
}

/** The server's message for a tenant name shorter than 3 characters (the `validator` crate's length rule). */
export function tenantNameProblem(name: string): string | null {
  if (typeof name === 'string' && [...name].length >= 3) return null;
  return `Validation error: name: Validation error: length [{"value": String(${JSON.stringify(name)}), "min": Number(3)}]`;
}
