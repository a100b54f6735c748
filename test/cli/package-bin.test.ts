import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { cli } from '../../tsup.config.js';

it('points the package bin at the file the build writes, and that file starts with a shebang', () => {
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
    bin: Record<string, string>;
    files: string[];
  };
  expect(manifest.bin).toEqual({ 'imap-connector': './dist/cli.js' });
  expect(cli.entry).toEqual({ cli: 'src/cli/main.ts' });
  expect(cli.format).toEqual(['esm']);
  expect(cli.outDir ?? 'dist').toBe('dist');
  expect(manifest.files).toContain('dist');
  expect(readFileSync('src/cli/main.ts', 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
});
