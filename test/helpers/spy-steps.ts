import { vi } from 'vitest';
import type { Steps } from '../../src-main/engine/util/steps.js';

/**
 * Spies on a method that returns steps (src-main/engine/util/steps.ts): a plain spy sees only
 * the generator it returns, so this one records what each call's steps gave in the end, and the
 * object it was called on.
 */
export function spyOnSteps<T extends object, K extends keyof T & string>(proto: T, name: K) {
  const calls: { value: unknown; context: unknown }[] = [];
  const original = proto[name] as unknown as (...args: unknown[]) => Steps<unknown>;
  const spy = vi.spyOn(proto as Record<string, (...args: unknown[]) => Steps<unknown>>, name).mockImplementation(function* (this: unknown, ...args: unknown[]) {
    const value = yield* original.apply(this, args);
    calls.push({ value, context: this });
    return value;
  });
  return {
    /** One entry per call whose steps ran to their end. */
    calls,
    /** How many times the method was called (ended or not). */
    started: () => spy.mock.calls.length,
    clear: () => {
      calls.length = 0;
      spy.mockClear();
    },
    restore: () => spy.mockRestore(),
  };
}
