import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.js';

// Runs only test/backup (until the main vitest.config.ts includes it):
//   npx vitest run --config test/backup/vitest.backup.config.ts
export default defineConfig({ ...base, test: { ...base.test, include: ['test/backup/**/*.test.ts'] } });
