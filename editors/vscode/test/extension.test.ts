// The extension's behaviour with the `vscode` module stubbed (test/vscode-stub.ts),
// a fake strata CLI (test/fixtures/fake-strata.js) and fake language clients.
import * as vs from './vscode-stub'; // first: makes require('vscode') return the stub
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import * as ext from '../src/extension';

const FAKE = path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'fake-strata.js');

let tmp: string;
let logFile: string;
let savedPath: string | undefined;

function project(text = 'env "local" {\n  src = "file://schema"\n  url = "sqlite://app.db"\n}\nenv "prod" {\n  src = "file://schema"\n  url = "sqlite://prod.db"\n}\nenv "broken" {\n  src = "file://schema"\n  url = "sqlite://nowhere/x.db"\n}\n') {
  fs.writeFileSync(path.join(tmp, 'strata.hcl'), text);
  fs.mkdirSync(path.join(tmp, 'schema'), { recursive: true });
  fs.writeFileSync(path.join(tmp, 'schema', 'users.sql'), 'CREATE TABLE users (id integer);\n');
  vs.state.projectFiles = [path.join(tmp, 'strata.hcl')];
  vs.state.workspaceFolders = [{ uri: vs.Uri.file(tmp), name: 'p', index: 0 }];
}

function cliCalls(): string[][] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l).args);
}

interface FakeClient extends ext.ServerClient {
  spec: ext.ClientSpec;
  requests: { method: string; params: any }[];
  stopped: boolean;
}

/** A client whose server did not start (today's `strata lsp`). */
function deadServer(made: FakeClient[]): ext.ClientFactory {
  return (spec) => {
    const c: FakeClient = {
      spec,
      requests: [],
      stopped: false,
      start: async () => {
        throw new Error('Server initialization failed.');
      },
      stop: async () => {
        c.stopped = true;
      },
      sendRequest: async () => {
        throw new Error('not running');
      },
    };
    made.push(c);
    return c;
  };
}

const SERVER_PREVIEW = {
  env: 'local',
  url: 'sqlite:///p/app.db',
  sql: '-- add column "bio" to "users"\nALTER TABLE "users" ADD COLUMN "bio" text;\n-- drop table "old"\nDROP TABLE "old";\n',
  summary: { add: 0, modify: 1, rename: 0, drop: 1 },
  summaryText: '0 to add, 1 to change, 0 to rename, 1 to drop',
  lint: [{ code: 'DS102', severity: 'warning', message: 'drops table "old" and every row in it' }],
  steps: 2,
  destructive: 1,
  inSync: false,
};

/** A client whose server implements strata.previewPlan and strata.applyPlan. */
function liveServer(made: FakeClient[]): ext.ClientFactory {
  return (spec) => {
    const c: FakeClient = {
      spec,
      requests: [],
      stopped: false,
      initializeResult: { capabilities: { executeCommandProvider: { commands: [ext.SERVER_PREVIEW, ext.SERVER_APPLY] } } },
      start: async () => {},
      stop: async () => {
        c.stopped = true;
      },
      sendRequest: async (method: string, params: any) => {
        c.requests.push({ method, params });
        if (params.command === ext.SERVER_PREVIEW) return SERVER_PREVIEW;
        if (params.command === ext.SERVER_APPLY) return { applied: true };
        throw new Error('unknown');
      },
    };
    made.push(c);
    return c;
  };
}

async function activate(): Promise<ext.Strata> {
  const s = await ext.activate(vs.fakeContext());
  await new Promise((r) => setTimeout(r, 5)); // let the first refresh start
  await s.lastRefresh;
  return s;
}

beforeEach(() => {
  vs.reset();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-vscode-'));
  logFile = path.join(tmp, 'cli.log');
  process.env.FAKE_STRATA_LOG = logFile;
  process.env.FAKE_STRATA_STATE = path.join(tmp, 'applied');
  savedPath = process.env.PATH;
});

afterEach(async () => {
  await ext.deactivate();
  ext.setClientFactory(undefined);
  process.env.PATH = savedPath;
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('without a strata binary', () => {
  it('says how to install it and still registers the commands', async () => {
    vs.settings['strata.path'] = path.join(tmp, 'missing', 'strata');
    process.env.PATH = path.join(tmp, 'empty');
    const made: FakeClient[] = [];
    ext.setClientFactory(deadServer(made));
    project();
    const s = await activate();
    assert.equal(made.length, 0, 'no client without a binary');
    const err = vs.calls.messages.find((m) => m.kind === 'error');
    assert.ok(err, 'an error message');
    assert.match(err!.message, /cannot start the language server/);
    assert.match(err!.message, /not an executable file/);
    assert.match(err!.message, /cargo install --path cli/);
    assert.deepEqual(err!.items, ['Open Settings', 'Show Instructions']);
    for (const id of ['strata.plan.preview', 'strata.plan.apply', 'strata.inspect', 'strata.selectEnv', 'strata.restartServer']) {
      assert.ok(vs.commands.registered.has(id), id);
    }
    assert.equal(s.status.text, '$(error) strata: not found');
    // The commands explain instead of failing silently.
    await vs.commands.executeCommand('strata.plan.preview');
    assert.ok(vs.calls.messages.some((m) => m.kind === 'error' && /cargo install/.test(m.message)));
  });

  it('finds strata on PATH when strata.path is unset', async () => {
    const bin = path.join(tmp, 'bin');
    fs.mkdirSync(bin);
    fs.copyFileSync(FAKE, path.join(bin, 'strata'));
    fs.chmodSync(path.join(bin, 'strata'), 0o755);
    process.env.PATH = bin;
    const made: FakeClient[] = [];
    ext.setClientFactory(deadServer(made));
    project();
    await activate();
    assert.equal(made.length, 1);
    assert.equal(made[0].spec.bin, path.join(bin, 'strata'));
  });
});

describe('with a server that lacks strata.previewPlan (CLI fallback)', () => {
  let made: FakeClient[];
  beforeEach(() => {
    made = [];
    ext.setClientFactory(deadServer(made));
    vs.settings['strata.path'] = FAKE;
    project();
  });

  it('starts `strata lsp` with the env in initializationOptions and shows drift', async () => {
    vs.settings['strata.env'] = 'local';
    vs.settings['strata.devUrl'] = 'sqlite://dev?mode=memory';
    const s = await activate();
    assert.equal(made.length, 1);
    assert.equal(made[0].spec.bin, FAKE);
    assert.equal(made[0].spec.cwd, tmp);
    assert.deepEqual(made[0].spec.initializationOptions, { env: 'local', devUrl: 'sqlite://dev?mode=memory', trusted: true });
    assert.equal(s.status.text, '$(database) local: 2 changes $(warning)');
    const dry = cliCalls().find((a) => a.includes('--dry-run'))!;
    assert.deepEqual(dry.slice(dry.indexOf('apply')), [
      'apply', '--config', path.join(tmp, 'strata.hcl'), '--env', 'local', '--dev-url', 'sqlite://dev?mode=memory', '--dry-run', '--format', 'json',
    ]);
  });

  it('shows offline when the plan cannot be made', async () => {
    vs.settings['strata.env'] = 'broken';
    const s = await activate();
    assert.equal(s.status.text, '$(debug-disconnect) broken: offline');
    assert.match(String(s.status.tooltip), /unable to open database file/);
  });

  it('previews the plan as a read-only SQL document with lint comments', async () => {
    await activate();
    const doc = (await vs.commands.executeCommand('strata.plan.preview')) as vs.TextDocument;
    assert.equal(doc.uri.scheme, ext.PLAN_SCHEME);
    assert.equal(doc.languageId, 'sql');
    const text = doc.getText();
    assert.match(text, /^-- strata plan for env "local" \(sqlite:\/\/app.db\)/);
    assert.match(text, /--   warning DS102: drops table "old" and every row in it/);
    assert.match(text, /CREATE TABLE "posts"/);
    assert.ok(vs.calls.shown.includes(doc));
  });

  it('notes unsaved files the CLI cannot see', async () => {
    const d = new vs.TextDocument(vs.Uri.file(path.join(tmp, 'schema', 'a.hcl')), 'strata-hcl', '');
    d.isDirty = true;
    vs.state.textDocuments = [d];
    await activate();
    const doc = (await vs.commands.executeCommand('strata.plan.preview')) as vs.TextDocument;
    assert.match(doc.getText(), /1 unsaved file\(s\) are not included/);
  });

  it('applies only after a modal that lists destructive statements first', async () => {
    const s = await activate();
    let asked: vs.Message | undefined;
    vs.ui.messageAnswer = (m) => {
      asked = m;
      return 'Apply (destructive)';
    };
    const r = await vs.commands.executeCommand('strata.plan.apply');
    assert.equal(r, 'applied');
    assert.ok(asked?.options?.modal);
    assert.equal(asked!.message, 'Apply 2 statement(s) to sqlite://app.db (env "local")?');
    const detail = asked!.options!.detail!;
    assert.ok(detail.indexOf('DROP TABLE "old"') < detail.indexOf('CREATE TABLE "posts"'), detail);
    assert.match(detail, /DESTRUCTIVE/);
    assert.ok(cliCalls().some((a) => a.includes('--auto-approve') && a.includes('local')));
    await new Promise((r) => setTimeout(r, 5));
    await s.lastRefresh;
    assert.equal(s.status.text, '$(database) local: in sync');
  });

  it('applies nothing when the modal is dismissed', async () => {
    await activate();
    vs.ui.messageAnswer = () => undefined;
    assert.equal(await vs.commands.executeCommand('strata.plan.apply'), 'cancelled');
    assert.ok(!cliCalls().some((a) => a.includes('--auto-approve')));
  });

  it('selects an env from the project file and restarts the server with it', async () => {
    const s = await activate();
    let offered: any[] = [];
    vs.ui.quickPick = (items) => {
      offered = items;
      return items.find((i: any) => i.label === 'prod');
    };
    assert.equal(await vs.commands.executeCommand('strata.selectEnv'), 'prod');
    assert.deepEqual(
      offered.map((i) => i.label),
      ['local', 'prod', 'broken'],
    );
    assert.equal(offered[0].description, 'sqlite://app.db (current)');
    assert.deepEqual(vs.calls.configUpdates[0], { key: 'strata.env', value: 'prod', target: vs.ConfigurationTarget.Workspace });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(made.length, 2, 'restarted');
    assert.deepEqual(made[1].spec.initializationOptions, { env: 'prod', trusted: true });
    assert.equal(s.envName(), 'prod');
  });

  it('inspects an env into a new HCL editor', async () => {
    await activate();
    vs.ui.quickPick = (items) => items[1];
    const doc = (await vs.commands.executeCommand('strata.inspect')) as vs.TextDocument;
    assert.equal(doc.languageId, 'strata-hcl');
    assert.match(doc.getText(), /# inspected from env prod/);
    assert.match(doc.getText(), /table "users"/);
  });

  it('inspects a typed URL', async () => {
    await activate();
    vs.ui.quickPick = (items) => items[items.length - 1];
    vs.ui.inputBox = () => 'sqlite://other.db';
    const doc = (await vs.commands.executeCommand('strata.inspect')) as vs.TextDocument;
    assert.match(doc.getText(), /# inspected from sqlite:\/\/other.db/);
    const call = cliCalls().find((a) => a.includes('inspect'))!;
    assert.deepEqual(call.slice(call.indexOf('inspect')), ['inspect', '--url', 'sqlite://other.db']);
  });

  it("marks the project's SQL schema files as strata-sql", async () => {
    const inSchema = new vs.TextDocument(vs.Uri.file(path.join(tmp, 'schema', 'users.sql')), 'sql', '');
    const elsewhere = new vs.TextDocument(vs.Uri.file(path.join(tmp, 'scratch.sql')), 'sql', '');
    vs.state.textDocuments = [inSchema, elsewhere];
    await activate();
    assert.equal(inSchema.languageId, 'strata-sql');
    assert.equal(elsewhere.languageId, 'sql');
  });
});

describe('with a server that implements the plan commands', () => {
  let made: FakeClient[];
  beforeEach(() => {
    made = [];
    ext.setClientFactory(liveServer(made));
    vs.settings['strata.path'] = FAKE;
    project();
  });

  it('asks the server for the plan', async () => {
    const s = await activate();
    assert.equal(s.status.text, '$(database) local: 2 changes $(warning)');
    const doc = (await vs.commands.executeCommand('strata.plan.preview')) as vs.TextDocument;
    assert.match(doc.getText(), /ALTER TABLE "users" ADD COLUMN "bio" text;/);
    assert.match(doc.getText(), /-- strata plan for env "local" \(sqlite:\/\/\/p\/app.db\)/);
    const req = made[0].requests.find((r) => r.params.command === ext.SERVER_PREVIEW)!;
    assert.equal(req.method, 'workspace/executeCommand');
    assert.deepEqual(req.params.arguments, [{ env: 'local' }]);
    assert.ok(!cliCalls().some((a) => a.includes('apply')), 'no CLI fallback');
  });

  it('applies through the server after confirmation, passing the confirmed SQL', async () => {
    await activate();
    let asked: vs.Message | undefined;
    vs.ui.messageAnswer = (m) => {
      asked = m;
      return m.items[0];
    };
    assert.equal(await vs.commands.executeCommand('strata.plan.apply'), 'applied');
    assert.ok(asked!.options!.detail!.indexOf('DROP TABLE "old"') < asked!.options!.detail!.indexOf('ALTER TABLE'));
    const apply = made[0].requests.find((r) => r.params.command === ext.SERVER_APPLY)!;
    assert.equal(apply.params.arguments[0].expectedSql, SERVER_PREVIEW.sql);
  });

  it('routes server commands from code lenses through the confirmation', async () => {
    await activate();
    vs.ui.messageAnswer = () => undefined; // dismissed
    const next = (command: string) => `forwarded ${command}`;
    const r = await made[0].spec.executeCommand(ext.SERVER_APPLY, [{ env: 'local' }], next);
    assert.equal(r, 'cancelled');
    assert.ok(!made[0].requests.some((q) => q.params.command === ext.SERVER_APPLY));
    assert.equal(await made[0].spec.executeCommand('strata.other', [], next), 'forwarded strata.other');
    const doc = (await made[0].spec.executeCommand(ext.SERVER_PREVIEW, [{ env: 'local' }], next)) as vs.TextDocument;
    assert.equal(doc.uri.scheme, ext.PLAN_SCHEME);
  });

  it('stops the server on deactivate', async () => {
    await activate();
    await ext.deactivate();
    assert.equal(made[0].stopped, true);
  });
});

describe('outside a strata project', () => {
  it('says so in the status bar and still starts the server', async () => {
    const made: FakeClient[] = [];
    ext.setClientFactory(deadServer(made));
    vs.settings['strata.path'] = FAKE;
    vs.state.workspaceFolders = [{ uri: vs.Uri.file(tmp), name: 'p', index: 0 }];
    const s = await activate();
    assert.equal(made.length, 1);
    assert.equal(s.status.text, '$(database) strata: no project');
    await vs.commands.executeCommand('strata.plan.preview');
    assert.ok(vs.calls.messages.some((m) => m.kind === 'error' && /no strata.hcl or atlas.hcl/.test(m.message)));
  });
});

describe('the bundle', () => {
  it('dist/extension.js loads with vscode-languageclient inlined', () => {
    const bundle = path.resolve(__dirname, '..', '..', 'dist', 'extension.js');
    assert.ok(fs.existsSync(bundle), 'run `npm run build` first');
    const text = fs.readFileSync(bundle, 'utf8');
    assert.ok(!/require\(["']vscode-languageclient/.test(text), 'vscode-languageclient is bundled');
    assert.match(text, /registerCommand/);
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const m = require(bundle);
    assert.equal(typeof m.activate, 'function');
    assert.equal(typeof m.deactivate, 'function');
  });
});

describe('how the language server is started', () => {
  // In a real VS Code, `transport: TransportKind.stdio` made vscode-languageclient
  // run `strata lsp --stdio`; the server rejected the flag and every start ended
  // in "write EPIPE" (found by tests/vscode/run.sh).
  it('runs `strata lsp` with no transport flag', () => {
    const exe = ext.serverExecutable({ bin: '/opt/strata', cwd: '/ws' });
    assert.equal(exe.command, '/opt/strata');
    assert.deepEqual(exe.args, ['lsp']);
    assert.equal(exe.transport, undefined, 'a transport kind makes the client append --stdio/--pipe/--socket');
    assert.equal(exe.options?.cwd, '/ws');
  });

  it('the real binary accepts exactly those arguments', (t) => {
    const repo = path.resolve(__dirname, '..', '..', '..', '..');
    const bin = process.env.STRATA_BIN || path.join(repo, 'target', 'debug', 'strata');
    if (!fs.existsSync(bin)) return t.skip(`${bin} not built`);
    const exe = ext.serverExecutable({ bin, cwd: tmp });
    // stdin at EOF: the server starts, reads nothing, and exits cleanly.
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { spawnSync } = require('node:child_process') as typeof import('node:child_process');
    const ok = spawnSync(exe.command, exe.args!, { cwd: tmp, input: '', encoding: 'utf8', timeout: 20000 });
    assert.equal(ok.status, 0, `strata lsp exited ${ok.status}: ${ok.stderr}`);
    const bad = spawnSync(exe.command, [...exe.args!, '--stdio'], { cwd: tmp, input: '', encoding: 'utf8', timeout: 20000 });
    assert.equal(bad.status, 2, 'strata lsp --stdio is a usage error (if it is accepted now, this test can go)');
  });
});
