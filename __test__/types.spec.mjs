// The typings describe every export: a TypeScript program using each one compiles (tsc --noEmit).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from './helpers/wasi.mjs';

it('tsc --noEmit passes on a program that uses every export', () => {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = execFileSync(process.execPath, [tsc, '-p', path.join(ROOT, '__test__', 'types', 'tsconfig.json')], { encoding: 'utf8' });
  expect(r).toBe('');
}, 60_000);
