import { afterEach, describe, expect, it } from 'vitest';
import { PREFAULT_ENV, PREFAULT_MIN_BYTES, Prefault, PrefaultGroup, worthPrefaulting } from '../../src-main/engine/util/prefault.js';
import { until } from '../helpers/wait-for.js';

// The helper thread that maps the pages of a buffer ahead of the thread filling it
// (util/prefault.ts): it must never change a byte, it must really map the pages, and it must
// start only when asked to and stop when told.

const PAGE = 4096;

const region = (buffer: SharedArrayBuffer, byteOffset = 0, byteLength = buffer.byteLength - byteOffset) => ({ buffer, byteOffset, byteLength });

describe('Prefault', () => {
  afterEach(() => {
    delete process.env[PREFAULT_ENV];
  });

  it('starts only for fills worth a thread, unless told', () => {
    const small = new SharedArrayBuffer(PAGE * 4);
    expect(worthPrefaulting(PREFAULT_MIN_BYTES)).toBe(true);
    expect(worthPrefaulting(PREFAULT_MIN_BYTES - 1)).toBe(false);
    expect(Prefault.start([region(small)])).toBeNull();
    process.env[PREFAULT_ENV] = 'off';
    expect(worthPrefaulting(PREFAULT_MIN_BYTES * 4)).toBe(false);
    process.env[PREFAULT_ENV] = 'always';
    const p = Prefault.start([region(small)]);
    expect(p).not.toBeNull();
    p!.stop();
  });

  it('changes no byte, including bytes the caller writes while it touches them', async () => {
    process.env[PREFAULT_ENV] = 'always';
    const bytes = new SharedArrayBuffer(8 * 1024 * 1024);
    const words = new Int32Array(bytes);
    // Every byte non-zero, the way a filled buffer is: a touch that wrote a value would show.
    for (let i = 0; i < words.length; i++) words[i] = (i * 2654435761) | 1;
    const later = new SharedArrayBuffer(4 * 1024 * 1024);
    const p = Prefault.start([region(bytes, 12, bytes.byteLength - 12)])!;
    p.add(region(later));
    // Fill the second region from the front while the helper works through both from their ends.
    const laterWords = new Int32Array(later);
    for (let i = 0; i < laterWords.length; i++) laterWords[i] = i ^ 0x5a5a5a5a;
    await until(() => p.idle && p.touched >= (bytes.byteLength - 12) / PAGE + later.byteLength / PAGE - 1, 'every page touched');
    p.stop();
    let changed = 0;
    for (let i = 0; i < words.length; i++) if (words[i] !== ((i * 2654435761) | 1)) changed++;
    for (let i = 0; i < laterWords.length; i++) if (laterWords[i] !== (i ^ 0x5a5a5a5a)) changed++;
    expect(changed).toBe(0);
  });

  it('maps the pages, so that filling them afterwards takes (almost) no page faults', async () => {
    process.env[PREFAULT_ENV] = 'always';
    const size = 32 * 1024 * 1024;
    const pages = size / PAGE;
    const faultsOfFill = (buffer: SharedArrayBuffer) => {
      const before = process.resourceUsage().minorPageFault;
      new Uint8Array(buffer).fill(7);
      return process.resourceUsage().minorPageFault - before;
    };
    const control = faultsOfFill(new SharedArrayBuffer(size));
    // Where the kernel backs such memory with huge pages, a fresh fill takes few faults either way.
    if (control < pages / 4) {
      console.info(`[prefault] a fresh ${size >> 20} MB fill took only ${control} faults here (huge pages?): nothing to compare`);
      return;
    }
    // (A read would map the pages on kernels without a shared zero page, as this one may be; on
    // others it maps the zero page and the write faults again: hence a touch that writes.)
    const mapped = new SharedArrayBuffer(size);
    const p = Prefault.start([region(mapped)])!;
    await until(() => p.idle, 'the helper to finish');
    p.stop();
    expect(faultsOfFill(mapped)).toBeLessThan(control / 10);
  });

  it('stops when told, leaving the rest to the caller', async () => {
    process.env[PREFAULT_ENV] = 'always';
    const p = Prefault.start([region(new SharedArrayBuffer(256 * 1024 * 1024))])!;
    await until(() => p.touched > 0, 'a first touch');
    p.stop();
    // It finishes its burst and exits: the count stops moving well short of 65,536 pages.
    await new Promise((r) => setTimeout(r, 100));
    const after = p.touched;
    await new Promise((r) => setTimeout(r, 200));
    expect(p.touched).toBe(after);
    expect(after).toBeLessThan(256 * 256);
  });

  it('groups a fill’s buffers: shared rows once the helper runs, ordinary ones below the size', () => {
    const group = new PrefaultGroup();
    expect(group.rows(1024).buffer).toBeInstanceOf(ArrayBuffer);
    process.env[PREFAULT_ENV] = 'always';
    const first = group.rows(1024);
    expect(first.buffer).toBeInstanceOf(SharedArrayBuffer);
    delete process.env[PREFAULT_ENV];
    // The helper runs now: a small array rides along.
    expect(group.rows(16).buffer).toBeInstanceOf(SharedArrayBuffer);
    group.stop();
    expect(group.rows(16).buffer).toBeInstanceOf(ArrayBuffer);
  });
});
