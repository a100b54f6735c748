import { defineConfig, type Options } from 'tsup';

/** The library: ESM and CJS with declarations. */
const library: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  // tsup 8's declaration build passes `baseUrl`, which TypeScript 6 deprecates; nothing else is silenced.
  dts: { compilerOptions: { ignoreDeprecations: '6.0' } },
  // Source maps for hosts' stack traces (node --enable-source-maps), pointing at the `src/` files the
  // package ships, instead of a second copy of every source inside the maps (sourcesContent): that
  // copy was ~500 kB of the 822 kB unpacked. See README.md, "Package contents".
  sourcemap: true,
  esbuildOptions(options) {
    options.sourcesContent = false;
  },
  clean: true,
  target: 'node20',
  splitting: false,
};

/**
 * The `imap-connector` executable (package.json `bin`): one ESM file, the SDK bundled in, its dependencies
 * (imapflow, zod, luxon) left as imports. Not cleaned: it shares `dist/` with the library build, which
 * cleans it first. esbuild keeps the entry's `#!/usr/bin/env node` line and tsup marks the file executable.
 */
export const cli: Options = {
  entry: { cli: 'src/cli/main.ts' },
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: false,
  target: 'node20',
  splitting: false,
};

export default defineConfig([library, cli]);
