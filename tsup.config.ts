import { defineConfig } from 'tsup';

export default defineConfig({
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
});
