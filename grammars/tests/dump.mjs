// Prints the scopes of every token of a file, for writing grammar tests:
//   node grammars/tests/dump.mjs grammars/tests/schema.test.hcl [source.strata-hcl]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const here = path.dirname(fileURLToPath(import.meta.url));
const grammarFiles = [
  path.join(here, '..', 'strata-hcl.tmLanguage.json'),
  path.join(here, '..', 'strata-config.tmLanguage.json'),
  path.join(here, '..', 'strata-sql.tmLanguage.json'),
  path.join(here, 'sql.tmLanguage.json'),
];
const byScope = new Map(grammarFiles.map((f) => [JSON.parse(fs.readFileSync(f, 'utf8')).scopeName, f]));

const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm')).buffer;
await oniguruma.loadWASM(wasm);
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (s) => new oniguruma.OnigScanner(s),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scope) => {
    const f = byScope.get(scope);
    return f ? vsctm.parseRawGrammar(fs.readFileSync(f, 'utf8'), f) : null;
  },
});

const [file, scope = 'source.strata-hcl'] = process.argv.slice(2);
const grammar = await registry.loadGrammar(scope);
let state = vsctm.INITIAL;
fs.readFileSync(file, 'utf8').split('\n').forEach((line, i) => {
  const r = grammar.tokenizeLine(line, state);
  console.log(`${i + 1}: ${line}`);
  for (const t of r.tokens) {
    const text = line.slice(t.startIndex, t.endIndex);
    if (text.trim()) console.log(`    ${t.startIndex}-${t.endIndex} ${JSON.stringify(text)} ${t.scopes.slice(1).join(' ')}`);
  }
  state = r.ruleStack;
});
