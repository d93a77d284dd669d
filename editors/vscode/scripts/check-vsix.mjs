// Packaging check: strata.vsix exists and holds the manifest, the bundled
// extension, the grammars and the language configurations.
//   node editors/vscode/scripts/check-vsix.mjs [path/to/strata.vsix]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const vsix = process.argv[2] ?? path.join(here, '..', 'strata.vsix');

/** File names in a zip, from its central directory. */
function zipEntries(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip file');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const names = [];
  for (let n = 0; n < count; n++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad central directory');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    names.push(buf.toString('utf8', p + 46, p + 46 + nameLen));
    p += 46 + nameLen + extraLen + commentLen;
  }
  return names;
}

let failed = 0;
let passed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

if (!fs.existsSync(vsix)) {
  check(false, `${vsix} exists`);
} else {
  const names = zipEntries(fs.readFileSync(vsix));
  check(true, `${path.basename(vsix)} exists (${fs.statSync(vsix).size} bytes, ${names.length} files)`);
  for (const f of [
    'extension.vsixmanifest',
    'extension/package.json',
    'extension/dist/extension.js',
    'extension/syntaxes/strata-hcl.tmLanguage.json',
    'extension/syntaxes/strata-config.tmLanguage.json',
    'extension/syntaxes/strata-sql.tmLanguage.json',
    'extension/language-configuration.json',
    'extension/sql-language-configuration.json',
    'extension/readme.md',
  ]) {
    check(names.some((n) => n.toLowerCase() === f.toLowerCase()), `contains ${f}`);
  }
  check(!names.some((n) => n.includes('node_modules/')), 'bundles its dependencies (no node_modules/)');
  check(!names.some((n) => n.startsWith('extension/src/') || n.startsWith('extension/test/')), 'ships no sources or tests');
}
console.log(`vsix: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
