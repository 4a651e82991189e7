import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { validateCollectionName } from '../../../src-main/engine/validation/names.js';

// Chroma refuses a name that Rust's IpAddr parses (validators.rs). Node's isIP reads the same
// dotted quads (no leading zeros, each part 0–255), so it is the oracle for our own pattern.
const IP_MESSAGE = /not a valid ip address/;

describe('validateCollectionName and addresses', () => {
  it('refuses what parses as an IPv4 address and accepts the near misses', () => {
    const names = ['10.0.0.1', '0.0.0.0', '255.255.255.255', '1.2.3.4', '192.168.100.200', '256.1.1.1', '1.2.3.256', '01.2.3.4', '1.2.3.04', '1.2.3', '1.2.3.4.5', '1.2.3.4a', 'a1.2.3.4', '1..2.3', '1.2.3.-4', '999.1.1.1', '1.2.3.0000', '100.100.100.1000'];
    for (const name of names) {
      const problem = validateCollectionName(name);
      const refused = problem !== null && IP_MESSAGE.test(problem);
      expect({ name, refused }).toEqual({ name, refused: isIP(name) === 4 });
    }
  });

  it('agrees with node:net on every dotted quad of a sweep of parts', () => {
    const parts = ['0', '00', '1', '9', '10', '99', '100', '199', '200', '249', '250', '255', '256', '300', '010', '1000'];
    let refusedCount = 0;
    for (const a of parts)
      for (const b of ['0', '255', '256', '01']) {
        const name = `${a}.${b}.1.${a}`;
        const problem = validateCollectionName(name);
        const refused = problem !== null && IP_MESSAGE.test(problem);
        if (refused) refusedCount++;
        expect({ name, refused }).toEqual({ name, refused: isIP(name) === 4 });
      }
    expect(refusedCount).toBeGreaterThan(10);
  });
});
