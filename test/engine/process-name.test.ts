import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeProcess, processCommand, withoutSecrets } from '../../src-main/engine/folder/process-name.js';

// The messages that refuse a write beside another process name it by its command line.

/** A node process with these arguments, once it runs them: read right after spawn(), its command line may still be its parent's (before exec) or not there yet. */
async function started(args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
  return child;
}
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

  it('cuts a long command line after 120 characters', async () => {
    const long = await started(['-e', script, 'x'.repeat(300)]);
    try {
      const command = processCommand(long.pid!);
      expect(command).toBe(`${process.execPath} -e ${script} ${'x'.repeat(300)}`.slice(0, 120) + '…');
    } finally {
      long.kill('SIGKILL');
    }
  });

  it('cuts by characters, never inside one', async () => {
    const long = await started(['-e', script, '🙂'.repeat(200)]);
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

  it('shows credentials in the arguments as …, the rest as it is', async () => {
    const secret = await started(['-e', script, '--api-key', 'abc123', '--token=xyz', 'sk-proj1234567890abcdef', '--path', './db']);
    try {
      expect(processCommand(secret.pid!)).toBe(`${process.execPath} -e ${script} --api-key … --token=… … --path ./db`);
    } finally {
      secret.kill('SIGKILL');
    }
  });
});

describe('credentials in a command line', () => {
  it.each([
    ['python ingest.py --openai-api-key sk-abc --path db', 'python ingest.py --openai-api-key … --path db'],
    ['chroma run --path ./db --port 8000', 'chroma run --path ./db --port 8000'],
    ['app --password=hunter2 --user bob', 'app --password=… --user bob'],
    ['app --auth-token ghp_abcdefghijkl1234 --verbose', 'app --auth-token … --verbose'],
    ['app --secret --other', 'app --secret --other'],
    ['app AKIAABCDEFGHIJKLMNOP', 'app …'],
    ['uvicorn chromadb.app:app --workers 1', 'uvicorn chromadb.app:app --workers 1'],
    ['python train.py openai.api_key=abc123secret', 'python train.py openai.api_key=…'],
    ['env OPENAI_API_KEY=abc123 python x.py', 'env OPENAI_API_KEY=… python x.py'],
    ['app --db-url postgres://admin:hunter2@host/x', 'app --db-url postgres://…@host/x'],
    ['app --key 1234', 'app --key …'],
    // Names that only contain a credential's word are not credentials.
    ['app --max-tokens 512 --tokenizer bert --ssl-keyfile key.pem --no-auth /data/chroma', 'app --max-tokens 512 --tokenizer bert --ssl-keyfile key.pem --no-auth /data/chroma'],
    ['app --path sk-learn-embeddings', 'app --path sk-learn-embeddings'],
  ])('%s', (command, shown) => {
    expect(withoutSecrets(command)).toBe(shown);
  });

  it('takes time in proportion to the line, however it is made (an argument may be 128 KiB)', () => {
    const word = `--${'key'.repeat(40_000)}!`;
    expect(withoutSecrets(`app ${word} value`)).toBe(`app ${word} value`);
    const named = `--${'key'.repeat(40_000)}=x`;
    expect(withoutSecrets(named)).toBe(named);
  });
});

