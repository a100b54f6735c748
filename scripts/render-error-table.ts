import { readFileSync, writeFileSync } from 'node:fs';
import { withRenderedTable } from './error-table.js';

const path = new URL('../docs/troubleshooting.md', import.meta.url);
writeFileSync(path, withRenderedTable(readFileSync(path, 'utf8')));
console.log('docs/troubleshooting.md: error table regenerated');
