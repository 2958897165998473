import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Tests compile into a code cache of their own, never the user's.
const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-rt-test-cache-'));
process.on('exit', () => fs.rmSync(cacheDir, { recursive: true, force: true }));

export default defineConfig({
  test: {
    include: ['__test__/**/*.spec.mjs'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    env: { WASM_RT_CACHE_DIR: cacheDir },
  },
});
