/**
 * `npm run docs:snippets`: type-checks every TypeScript snippet of README.md and docs/*.md against the
 * SDK's source. Each markdown file becomes one module in `test/doc-snippets/generated/` (its ```ts
 * blocks in order, so a page's later steps can use what its earlier ones declared), compiled by
 * `tsc -p test/doc-snippets/tsconfig.json` with `@perfcopilot/imap-connector` mapped to `src/index.ts`.
 * What a page assumes the host already has (`form`, `request`, a `connector`...) is declared once in
 * `test/doc-snippets/host-context.d.ts`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const generated = path.join(root, 'test/doc-snippets/generated');

/** The ```ts blocks of a markdown text, each with the line it starts on. */
export function typeScriptBlocks(markdown: string): { line: number; code: string }[] {
  const blocks: { line: number; code: string }[] = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; index += 1) {
    if (!/^```(?:ts|typescript)\s*$/.test(lines[index] ?? '')) continue;
    const start = index + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end += 1;
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') });
    index = end;
  }
  return blocks;
}

const pages = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
rmSync(generated, { recursive: true, force: true });
mkdirSync(generated, { recursive: true });
let count = 0;
for (const page of pages) {
  const blocks = typeScriptBlocks(readFileSync(path.join(root, page), 'utf8'));
  if (blocks.length === 0) continue;
  count += blocks.length;
  const body = blocks.map((block) => `// ${page}:${block.line}\n${block.code}\n`).join('\n');
  // `export {}` keeps a page without imports a module, so top-level await and its names stay its own.
  writeFileSync(path.join(generated, `${page.replace(/[/.]/g, '_')}.ts`), `${body}\nexport {};\n`);
}
process.stdout.write(
  `${count} TypeScript snippets from ${pages.length} pages → ${path.relative(root, generated)}\n`,
);
try {
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', 'test/doc-snippets/tsconfig.json'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
} catch {
  process.stderr.write(
    'A documentation snippet does not type-check (file:line above names the page and line).\n',
  );
  process.exit(1);
}
process.stdout.write('All documentation snippets type-check.\n');
