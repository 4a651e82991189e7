import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProcess, processCommand } from '../../src-main/engine/folder/process-name.js';

// The messages that refuse a write beside another process name it by its command line.
describe.skipIf(process.platform === 'win32')('naming a process by its command line', () => {
  let child: ChildProcess;
  const script = 'setInterval(() => {}, 1000)';
  beforeAll(async () => {
    child = spawn(process.execPath, ['-e', script, 'first argument'], { stdio: ['ignore', 'ignore', 'ignore'] });
    await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
  });
  afterAll(() => {
    child.kill('SIGKILL');
  });

  it('reads the command line of a running process', () => {
    expect(processCommand(child.pid!)).toBe(`${process.execPath} -e ${script} first argument`);
    expect(describeProcess(child.pid!)).toBe(`${child.pid} (${process.execPath} -e ${script} first argument)`);
  });

  it('cuts a long command line after 120 characters', () => {
    const long = spawn(process.execPath, ['-e', script, 'x'.repeat(300)], { stdio: 'ignore' });
    try {
      const command = processCommand(long.pid!);
      expect(command).toBe(`${process.execPath} -e ${script} ${'x'.repeat(300)}`.slice(0, 120) + '…');
    } finally {
      long.kill('SIGKILL');
    }
  });

  it('cuts by characters, never inside one', () => {
    const long = spawn(process.execPath, ['-e', script, '🙂'.repeat(200)], { stdio: 'ignore' });
    try {
      const command = processCommand(long.pid!)!;
      const shown = Array.from(`${process.execPath} -e ${script} ${'🙂'.repeat(200)}`).slice(0, 120).join('');
      expect(command).toBe(`${shown}…`);
    } finally {
      long.kill('SIGKILL');
    }
  });

  it('names a process that is gone, or no process, by its number alone', async () => {
    const gone = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    await new Promise<void>((resolve) => gone.once('exit', () => resolve()));
    expect(processCommand(gone.pid!)).toBeNull();
    expect(describeProcess(gone.pid!)).toBe(String(gone.pid));
    expect(describeProcess(-1)).toBe('-1');
  });
});
