// A restore that gets stuck on purpose mid-extraction, so the parent test can SIGKILL it while
// its staging folder is on disk: the first file's write never completes. Prints "stuck" then.
import { Writable } from 'node:stream';
import { restore } from '../../src-main/engine/backup/restore.js';

const [zip, target] = process.argv.slice(2) as [string, string];
let announced = false;
const neverDone = () =>
  new Writable({
    write(_chunk, _enc, _cb) {
      if (!announced) process.stdout.write('stuck\n');
      announced = true;
      // Never calling back keeps the pipeline (and the process) waiting until it is killed.
    },
  });
const keepAlive = setInterval(() => {}, 60_000);
await restore(zip, target, { createWriteStream: neverDone }).finally(() => clearInterval(keepAlive));
