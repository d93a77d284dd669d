// Builds the extension: copies the TextMate grammars from grammars/ into
// syntaxes/ and bundles src/extension.ts (with vscode-languageclient) into
// dist/extension.js, so the .vsix needs no node_modules.
//   node scripts/build.mjs [--production]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const ext = path.join(here, '..');
const grammars = path.join(ext, '..', '..', 'grammars');
const production = process.argv.includes('--production');

fs.mkdirSync(path.join(ext, 'syntaxes'), { recursive: true });
for (const f of ['strata-hcl.tmLanguage.json', 'strata-config.tmLanguage.json', 'strata-sql.tmLanguage.json']) {
  fs.copyFileSync(path.join(grammars, f), path.join(ext, 'syntaxes', f));
}

await esbuild.build({
  entryPoints: [path.join(ext, 'src', 'extension.ts')],
  outfile: path.join(ext, 'dist', 'extension.js'),
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  external: ['vscode'],
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
});
console.log(`built dist/extension.js${production ? ' (production)' : ''} and syntaxes/`);
