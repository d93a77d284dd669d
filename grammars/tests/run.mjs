// Grammar tests: vscode-tmgrammar-test on every *.test.* file here, with the
// three strata grammars and a small stand-in for VS Code's source.sql.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.join(here, '..');
const require = createRequire(import.meta.url);
const bin = path.join(path.dirname(require.resolve('vscode-tmgrammar-test/package.json')), 'dist', 'unit.js');
const args = [
  bin,
  '-g', path.join(root, 'strata-hcl.tmLanguage.json'),
  '-g', path.join(root, 'strata-config.tmLanguage.json'),
  '-g', path.join(root, 'strata-sql.tmLanguage.json'),
  '-g', path.join(here, 'sql.tmLanguage.json'),
  path.join(here, '*.test.*').split(path.sep).join('/'),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
