/** `to` (a larger typed array) holding `from`'s elements first: the step of a doubling buffer. */
export function grownInto<T extends Int32Array | Uint32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
