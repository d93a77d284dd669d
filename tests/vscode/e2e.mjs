// The strata extension in a real VS Code: code-server serves VS Code on
// 127.0.0.1, headless Chromium (driven through playwright-core) opens a SQLite
// project, and the test checks what a user sees: the extension's server
// diagnostic in the Problems panel, the status bar, and the SQL of
// "Strata: Preview plan". Screenshots go to $E2E_OUT.
//
// Run through tests/vscode/run.sh, which prepares code-server and sets:
//   E2E_CODE_SERVER  code-server's package directory (out/node/entry.js)
//   E2E_PLAYWRIGHT   playwright-core's directory
//   E2E_CHROMIUM     the Chromium binary
//   E2E_VSIX         editors/vscode/strata.vsix
//   E2E_OUT          screenshots and logs
//   STRATA_BIN       the strata binary (the `strata.path` setting)
// Prints one line per test and `N passed, N failed`; exits 1 on failure.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`e2e.mjs: ${name} is not set; run tests/vscode/run.sh`);
    process.exit(2);
  }
  return v;
}
const codeServer = need('E2E_CODE_SERVER');
const playwrightDir = need('E2E_PLAYWRIGHT');
const chromiumBin = need('E2E_CHROMIUM');
const vsix = need('E2E_VSIX');
const out = need('E2E_OUT');
const strataBin = need('STRATA_BIN');
const keep = process.env.STRATA_E2E_KEEP === '1';

const { chromium } = createRequire(import.meta.url)(playwrightDir);

// ---- the project ----------------------------------------------------------
const SCHEMA = `schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "email" {
    type = text
  }
  primary_key {
    columns = [column.nope]
  }
}

table "posts" {
  schema = schema.main
  column "id" {
    type = integer
  }
  column "user_id" {
    type = integer
  }
  primary_key {
    columns = [column.id]
  }
  foreign_key "author" {
    columns     = [column.user_id]
    ref_columns = [table.users.column.id]
  }
}
`;
const PROJECT = `env "local" {
  src = "file://schema.hcl"
  url = "sqlite://app.db"
}
`;

const tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'strata-vscode-e2e-')));
const ws = path.join(tmp, 'project');
const userData = path.join(tmp, 'user-data');
const extensions = path.join(tmp, 'extensions');
fs.mkdirSync(ws);
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.mkdirSync(extensions);
fs.writeFileSync(path.join(ws, 'strata.hcl'), PROJECT);
fs.writeFileSync(path.join(ws, 'schema.hcl'), SCHEMA);
fs.writeFileSync(path.join(tmp, 'config.yaml'), 'auth: none\n');
fs.writeFileSync(
  path.join(userData, 'User', 'settings.json'),
  JSON.stringify(
    {
      'strata.path': strataBin,
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'workbench.tips.enabled': false,
      'workbench.enableExperiments': false,
      'workbench.colorTheme': 'Default Dark Modern',
      'editor.minimap.enabled': false,
      'editor.stickyScroll.enabled': false,
      'extensions.ignoreRecommendations': true,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'git.enabled': false,
      'files.autoSave': 'off',
      'window.commandCenter': false,
    },
    null,
    2,
  ),
);
fs.mkdirSync(out, { recursive: true });
for (const f of fs.readdirSync(out)) if (f.endsWith('.png') || f === 'logs') fs.rmSync(path.join(out, f), { recursive: true, force: true });

// code-server keeps its own state under XDG_* (and ~/.config/code-server
// without --config): all of it goes to the temporary directory.
const csEnv = {
  ...process.env,
  XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
  XDG_DATA_HOME: path.join(tmp, 'xdg-data'),
  XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
};
const csArgs = ['--config', path.join(tmp, 'config.yaml'), '--user-data-dir', userData, '--extensions-dir', extensions];
const entry = path.join(codeServer, 'out', 'node', 'entry.js');

// ---- processes, always cleaned up -----------------------------------------
let stopping = false; // a signal came: no more tests
let server; // code-server (its own process group: the extension host and `strata lsp` are in it)
let browserServer;
let browser;
function killServer(signal) {
  if (server && server.exitCode === null && server.signalCode === null) {
    try {
      process.kill(-server.pid, signal);
    } catch {
      /* gone */
    }
  }
}
process.on('exit', () => killServer('SIGKILL'));
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, async () => {
    if (stopping) return;
    stopping = true;
    console.error(`e2e.mjs: ${sig}, cleaning up`);
    await cleanup();
    process.exit(1);
  });
}
let cleaning;
function cleanup() {
  cleaning ??= doCleanup();
  return cleaning;
}
async function doCleanup() {
  try {
    await browser?.close();
    await browserServer?.close();
  } catch {
    /* already gone */
  }
  fs.rmSync(path.join(out, 'chromium.pgid'), { force: true });
  killServer('SIGTERM');
  if (server) {
    const exited = new Promise((r) => (server.exitCode !== null || server.signalCode !== null ? r() : server.once('exit', r)));
    await Promise.race([exited, sleep(5000)]);
    killServer('SIGKILL');
    fs.rmSync(path.join(out, 'code-server.pgid'), { force: true });
  }
  // What the extension host wrote (the "strata" output channel among it).
  try {
    fs.cpSync(path.join(userData, 'logs'), path.join(out, 'logs'), { recursive: true });
  } catch {
    /* no logs */
  }
  if (!keep) fs.rmSync(tmp, { recursive: true, force: true });
  else console.log(`kept ${tmp}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---- tests ----------------------------------------------------------------
let passed = 0;
let failed = 0;
let shot = 0;
let page;

async function screenshot(name) {
  const file = path.join(out, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

async function test(name, fn) {
  if (stopping) return;
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  } catch (e) {
    if (stopping) return;
    failed++;
    console.log(`FAIL ${name}: ${e instanceof Error ? e.message : e}`);
    if (page) {
      try {
        console.log(`     screenshot: ${await screenshot(`fail-${++shot}`)}`);
      } catch {
        /* no page */
      }
    }
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

/** Text of an element as shown (Monaco renders spaces as U+00A0). */
async function textOf(locator) {
  return ((await locator.textContent()) ?? '').replace(/\u00a0/g, ' ');
}

/** The rendered lines of an editor, top to bottom (Monaco reuses line nodes, so DOM order is not line order). */
async function editorLines(editor) {
  const lines = await editor.locator('.view-lines .view-line').evaluateAll((els) =>
    els.map((e) => [parseFloat(e.style.top) || 0, e.textContent ?? '']).sort((a, b) => a[0] - b[0]).map((x) => x[1]),
  );
  return lines.join('\n').replace(/\u00a0/g, ' ');
}

/** Runs a command from the Command Palette by its title. */
async function runCommand(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 15000 });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
}

/** Opens a workspace file through Quick Open. */
async function openFile(name) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(name);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: name }).first().waitFor({ state: 'visible', timeout: 15000 });
  await page.keyboard.press('Enter');
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible' });
}

/** The editor whose active tab is `name`. */
function editorOf(name) {
  return page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: name }) }).locator('.monaco-editor').first();
}

/** In the focused editor: select the first `from` and type `to` over it. */
async function replaceInEditor(editor, from, to) {
  await editor.locator('.view-lines').click();
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('Control+F');
  const find = editor.locator('.find-widget textarea, .find-widget input').first();
  await find.waitFor({ state: 'visible' });
  await find.fill(from);
  await editor.locator('.find-widget .matchesCount', { hasText: /^1 of \d+$/ }).waitFor({ timeout: 5000 });
  await page.keyboard.press('Escape'); // closes the find widget, the match stays selected
  await page.keyboard.type(to);
  // Typing `.` opens the server's completion list: close it.
  await sleep(300);
  await page.keyboard.press('Escape');
  await editor.locator('.suggest-widget.visible').waitFor({ state: 'hidden' });
}

const problemsPanel = () => page.locator('.markers-panel');

try {
  // Install the extension into the isolated extensions dir, as a user would.
  const inst = spawnSync(process.execPath, [entry, ...csArgs, '--install-extension', vsix, '--force'], {
    env: csEnv,
    encoding: 'utf8',
    timeout: 120000,
  });
  const instOut = `${inst.stdout}\n${inst.stderr}`;
  fs.writeFileSync(path.join(out, 'install-extension.log'), instOut);

  await test('code-server installs strata.vsix', async () => {
    assert(inst.status === 0, `--install-extension exited ${inst.status}: ${instOut.trim()}`);
    assert(/successfully installed/i.test(instOut), `no "successfully installed" in: ${instOut.trim()}`);
    const dirs = fs.readdirSync(extensions).filter((d) => d.startsWith('strata.strata-'));
    assert(dirs.length === 1, `extensions dir has ${fs.readdirSync(extensions).join(', ') || 'nothing'}`);
  });

  const port = await freePort();
  const serverLog = fs.createWriteStream(path.join(out, 'code-server.log'));
  server = spawn(
    process.execPath,
    [entry, ...csArgs, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override', ws],
    { env: csEnv, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // run.sh kills this process group too, should this script itself be killed.
  fs.writeFileSync(path.join(out, 'code-server.pgid'), `${server.pid}\n`);
  let serverOut = '';
  for (const s of [server.stdout, server.stderr]) {
    s.on('data', (d) => {
      serverOut += d;
      serverLog.write(d);
    });
  }

  await test('code-server listens on 127.0.0.1', async () => {
    const t0 = Date.now();
    while (!/HTTP server listening on/.test(serverOut)) {
      if (server.exitCode !== null) throw new Error(`code-server exited ${server.exitCode}:\n${serverOut}`);
      if (Date.now() - t0 > 60000) throw new Error(`code-server did not start in 60 s:\n${serverOut}`);
      await sleep(200);
    }
  });

  // launchServer, not launch: it tells the browser's pid (its own process group),
  // for run.sh to kill should this script be killed.
  browserServer = await chromium.launchServer({
    executablePath: chromiumBin,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
  fs.writeFileSync(path.join(out, 'chromium.pgid'), `${browserServer.process().pid}\n`);
  browser = await chromium.connect(browserServer.wsEndpoint());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(30000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));

  await test('the workbench opens the project folder', async () => {
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(ws)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
    // The explorer lists the project's files.
    await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'strata.hcl' }).waitFor({ timeout: 60000 });
  });

  await test('opening schema.hcl gives it the strata-hcl language', async () => {
    await openFile('schema.hcl');
    // The language indicator in the status bar shows the extension's language.
    await page.locator('#status\\.editor\\.mode', { hasText: 'Strata HCL' }).waitFor();
  });

  await test('the status bar shows the env "local" (the extension is active)', async () => {
    // With the broken schema the plan fails: `local: offline` (or `local` while planning).
    const item = page.locator('.statusbar-item', { hasText: /^\s*local\b/ }).first();
    await item.waitFor({ timeout: 60000 });
    const text = await textOf(item);
    assert(!/not found/.test(text), `status bar: ${text}`);
  });

  await test('the server diagnostic for the bad reference is in the Problems panel', async () => {
    await runCommand('Problems: Focus on Problems View');
    const row = problemsPanel().locator('.monaco-list-row', { hasText: 'nope' }).first();
    await row.waitFor({ timeout: 60000 });
    const text = await textOf(row);
    assert(/column\W+nope/.test(text), `the problem row says: ${text}`);
    // The file row above it, and the position (line 12: `columns = [column.nope]`).
    await problemsPanel().locator('.monaco-list-row', { hasText: 'schema.hcl' }).first().waitFor();
    assert(/\[Ln 12, Col \d+\]/.test(text), `no [Ln 12, Col …] in: ${text}`);
    await editorOf('schema.hcl').locator('.squiggly-error').first().waitFor();
    await screenshot('1-problems');
  });

  await test('fixing the reference (unsaved) clears the problem', async () => {
    await replaceInEditor(editorOf('schema.hcl'), 'column.nope', 'column.id');
    await page.locator('.tabs-container .tab.active.dirty', { hasText: 'schema.hcl' }).waitFor();
    await problemsPanel().getByText('No problems have been detected in the workspace.').waitFor({ timeout: 30000 });
  });

  await test('Strata: Preview plan shows the SQL, planned by the server from the unsaved editor', async () => {
    await runCommand('Strata: Preview plan');
    const editor = editorOf('local.plan.sql');
    await editor.locator('.view-lines', { hasText: 'CREATE TABLE' }).waitFor({ timeout: 60000 });
    const text = await editorLines(editor);
    assert(/^-- strata plan for env "local" \(sqlite:\/\/\S*app\.db\)$/m.test(text), `no plan header in:\n${text}`);
    assert(/^-- Plan: 2 to add\b/m.test(text), `no "-- Plan: 2 to add" in:\n${text}`);
    assert(/^CREATE TABLE "users" \($/m.test(text) && /^CREATE TABLE "posts" \($/m.test(text), `no CREATE TABLE users/posts in:\n${text}`);
    assert(/REFERENCES "users" \("id"\)/.test(text), `no foreign key in:\n${text}`);
    fs.writeFileSync(path.join(out, 'plan.sql'), text + '\n');
    // The CLI fallback plans from disk, where the file still has column.nope: it
    // would fail, or note the unsaved file. This plan came from `strata lsp`.
    assert(!/Planned by the CLI/.test(text), `the plan came from the CLI fallback: ${text}`);
    // The plan opened beside the schema.
    assert((await page.locator('.editor-group-container').count()) >= 2, 'the plan is not beside the schema');
    await screenshot('2-plan');
  });

  await test('the status bar counts the changes', async () => {
    const item = page.locator('.statusbar-item', { hasText: /local: \d+ changes?/ }).first();
    await item.waitFor({ timeout: 30000 });
  });

  await test('a typo in a table reference is flagged next to the plan', async () => {
    await replaceInEditor(editorOf('schema.hcl'), 'table.users.column', 'table.user.column');
    const row = problemsPanel().locator('.monaco-list-row', { hasText: /\buser\b/ }).first();
    await row.waitFor({ timeout: 30000 });
    const text = await textOf(row);
    assert(/\[Ln 29, Col \d+\]/.test(text), `no [Ln 29, Col …] in: ${text}`);
    await editorOf('schema.hcl').locator('.squiggly-error').first().waitFor();
    // Room for the schema and the plan side by side.
    await runCommand('View: Close Primary Side Bar');
    await page.locator('.part.sidebar').waitFor({ state: 'hidden' });
    // A lower Problems panel (drag its top edge), so the whole schema shows.
    const panel = await page.locator('.part.panel').boundingBox();
    if (panel && panel.height > 170) {
      const x = panel.x + panel.width / 2;
      await page.mouse.move(x, panel.y + 1);
      await page.mouse.down();
      await page.mouse.move(x, panel.y + panel.height - 150, { steps: 5 });
      await page.mouse.up();
    }
    const schemaBox = await editorOf('schema.hcl').boundingBox();
    await page.mouse.move(schemaBox.x + schemaBox.width / 2, schemaBox.y + schemaBox.height / 2);
    for (let i = 0; i < 10; i++) {
      await page.mouse.wheel(0, -400); // back to the top: the whole file fits now
      await sleep(50);
    }
    await sleep(300);
    await page.mouse.move(0, 0);
    await sleep(500); // a settled frame
    await screenshot('3-overview');
  });

  await test('the "strata" output channel names the binary and shows no client error', async () => {
    // The extension host's output channels are files under the user data dir.
    const find = (dir) =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? find(p) : /strata\.log$/.test(e.name) ? [p] : [];
      });
    let text = '';
    for (let i = 0; i < 50 && !text.includes('strata: using'); i++) {
      text = find(path.join(userData, 'logs')).map((f) => fs.readFileSync(f, 'utf8')).join('\n');
      if (!text.includes('strata: using')) await sleep(200);
    }
    assert(text.includes(`strata: using ${strataBin} (from setting)`), `output channel: ${text.trim() || '(no strata.log)'}`);
    // The client logs a failed start or a crash there ("Server initialization failed", "write EPIPE", …).
    const errors = text.split('\n').filter((l) => /^\[Error\b|did not start|exited with code/.test(l));
    assert(errors.length === 0, `the language client logged errors:\n${errors.join('\n')}`);
  });

  if (pageErrors.length) console.log(`(page errors: ${pageErrors.slice(0, 3).join(' | ')})`);
} catch (e) {
  failed++;
  console.log(`FAIL harness: ${e instanceof Error ? e.stack : e}`);
} finally {
  await cleanup();
}

if (stopping) failed++;
console.log(`${passed} passed, ${failed} failed${stopping ? ' (interrupted)' : ''} (screenshots in ${out})`);
process.exit(failed ? 1 : 0);
