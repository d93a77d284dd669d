// Protocol test: starts the real `strata lsp` (target/debug/strata, or
// $STRATA_BIN) over stdio with vscode-languageserver-protocol/node (the jsonrpc connection and message types that
// vscode-languageclient uses) — initializes it the way the extension does,
// opens a schema with an error and waits for diagnostics. Skips, loudly, when
// the binary is missing or has no language server yet.
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  createMessageConnection,
  MessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  DidChangeTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExecuteCommandRequest,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  InitializeResult,
  PublishDiagnosticsNotification,
  PublishDiagnosticsParams,
  ShutdownRequest,
} from 'vscode-languageserver-protocol/node';

const REPO = path.resolve(__dirname, '..', '..', '..', '..');
const BIN = process.env.STRATA_BIN || path.join(REPO, 'target', 'debug', process.platform === 'win32' ? 'strata.exe' : 'strata');
const TIMEOUT = 30_000;

function loud(msg: string) {
  const bar = '!'.repeat(78);
  console.error(`\n${bar}\n!! PROTOCOL TEST SKIPPED: ${msg}\n${bar}\n`);
}

const BROKEN = `schema "main" {}

table "users" {
  schema = schema.main
  column "id" {
    type = integer
  }
  primary_key {
    columns = [column.nope]
  }
}
`;
const FIXED = BROKEN.replace('column.nope', 'column.id');

describe('strata lsp over stdio', () => {
  let proc: ChildProcess | undefined;
  let conn: MessageConnection | undefined;
  let init: InitializeResult | undefined;
  let skipReason: string | undefined;
  let stderr = '';
  const diagnostics: PublishDiagnosticsParams[] = [];
  const waiters: (() => void)[] = [];
  let dir = '';

  function waitFor<T>(what: string, pick: () => T | undefined, ms = TIMEOUT): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const v = pick();
        if (v !== undefined) {
          clearTimeout(timer);
          resolve(v);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; server stderr:\n${stderr}`)), ms);
      if (!check()) waiters.push(() => void check());
    });
  }

  before(async () => {
    if (!fs.existsSync(BIN)) {
      skipReason = `${BIN} does not exist (run \`cargo build -p strata-cli\`, or set STRATA_BIN)`;
      loud(skipReason);
      return;
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-lsp-'));
    fs.writeFileSync(path.join(dir, 'strata.hcl'), 'env "local" {\n  src = "file://schema.hcl"\n  url = "sqlite://app.db"\n}\n');
    fs.writeFileSync(path.join(dir, 'schema.hcl'), BROKEN);

    const p = spawn(BIN, ['lsp'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    proc = p;
    p.stderr!.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => p.on('exit', (code) => resolve(code)));
    p.on('error', (e) => (stderr += String(e)));
    const c = createMessageConnection(new StreamMessageReader(p.stdout!), new StreamMessageWriter(p.stdin!));
    conn = c;
    c.onNotification(PublishDiagnosticsNotification.type, (params) => {
      diagnostics.push(params);
      for (const w of waiters.splice(0)) w();
    });
    c.onRequest('workspace/configuration', (params: { items: unknown[] }) => params.items.map(() => null));
    c.onRequest('client/registerCapability', () => null);
    c.onRequest('window/workDoneProgress/create', () => null);
    c.onRequest('workspace/codeLens/refresh', () => null);
    c.onRequest('workspace/semanticTokens/refresh', () => null);
    c.onRequest('workspace/inlayHint/refresh', () => null);
    c.onRequest('workspace/diagnostic/refresh', () => null);
    c.onError(() => undefined);
    c.listen();

    const rootUri = pathToFileURL(dir).toString();
    const initialize = c.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      clientInfo: { name: 'strata-protocol-test' },
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'project' }],
      initializationOptions: { env: 'local' },
      capabilities: {
        general: { positionEncodings: ['utf-16'] },
        textDocument: {
          synchronization: { didSave: true, dynamicRegistration: false },
          publishDiagnostics: { relatedInformation: true },
          codeLens: {},
          hover: { contentFormat: ['markdown', 'plaintext'] },
          completion: { completionItem: { snippetSupport: true } },
        },
        workspace: {
          workspaceFolders: true,
          configuration: true,
          executeCommand: {},
          codeLens: { refreshSupport: true },
        },
        window: { workDoneProgress: true },
      },
    });
    const r = await Promise.race([
      initialize.then((v) => ({ kind: 'ok' as const, v })),
      exited.then((code) => ({ kind: 'exit' as const, code })),
      new Promise<{ kind: 'timeout' }>((res) => setTimeout(() => res({ kind: 'timeout' }), TIMEOUT).unref()),
    ]);
    if (r.kind === 'exit') {
      skipReason = `\`${BIN} lsp\` exited (code ${r.code}) before answering initialize: ${stderr.trim() || '(no stderr)'}`;
      loud(skipReason);
      c.dispose();
      return;
    }
    if (r.kind === 'timeout') throw new Error(`no initialize response in ${TIMEOUT} ms; stderr:\n${stderr}`);
    init = r.v;
    c.sendNotification(InitializedNotification.type, {});
  });

  after(async () => {
    if (conn && init) {
      try {
        await Promise.race([conn.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 3000).unref())]);
        conn.sendNotification(ExitNotification.type);
      } catch {
        /* the server may be gone already */
      }
    }
    conn?.dispose();
    if (proc && proc.exitCode === null) {
      const gone = new Promise((r) => proc!.once('exit', r));
      setTimeout(() => proc?.kill(), 3000).unref();
      await gone;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('initializes with text sync', (t) => {
    if (skipReason) return t.skip(skipReason);
    assert.ok(init!.capabilities.textDocumentSync !== undefined, 'textDocumentSync');
  });

  it('publishes diagnostics for a schema with a bad reference, and clears them when fixed', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const uri = pathToFileURL(path.join(dir, 'schema.hcl')).toString();
    conn!.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: 'strata-hcl', version: 1, text: BROKEN },
    });
    const got = await waitFor('diagnostics for schema.hcl', () =>
      diagnostics.find((d) => d.uri === uri && d.diagnostics.length > 0),
    );
    const d = got.diagnostics[0];
    assert.equal(d.range.start.line, 8, `the error is on line 9: ${JSON.stringify(got.diagnostics)}`);
    assert.match(d.message, /nope/);

    const seen = diagnostics.length;
    conn!.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: FIXED }],
    });
    await waitFor('cleared diagnostics', () =>
      diagnostics.slice(seen).find((x) => x.uri === uri && x.diagnostics.filter((y: { severity?: number }) => y.severity === 1).length === 0),
    );
  });

  it('previews the plan with strata.previewPlan', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const cmds = init!.capabilities.executeCommandProvider?.commands ?? [];
    if (!cmds.includes('strata.previewPlan')) {
      loud('the server does not advertise strata.previewPlan: the editors fall back to the CLI');
      return t.skip('strata.previewPlan not advertised');
    }
    assert.ok(cmds.includes('strata.applyPlan'), `strata.applyPlan advertised too: ${cmds}`);
    const res: any = await conn!.sendRequest(ExecuteCommandRequest.type, {
      command: 'strata.previewPlan',
      arguments: [{ env: 'local' }],
    });
    assert.equal(typeof res?.sql, 'string', JSON.stringify(res));
    assert.match(res.sql, /CREATE TABLE "users"/);
    assert.equal(res.summary.add, 1);
    assert.ok(Array.isArray(res.lint));
  });

  it('applies with strata.applyPlan only the SQL that was previewed', async (t) => {
    if (skipReason) return t.skip(skipReason);
    const cmds = init!.capabilities.executeCommandProvider?.commands ?? [];
    if (!cmds.includes('strata.applyPlan')) return t.skip('strata.applyPlan not advertised');
    const preview: any = await conn!.sendRequest(ExecuteCommandRequest.type, { command: 'strata.previewPlan', arguments: [{ env: 'local' }] });
    await assert.rejects(
      conn!.sendRequest(ExecuteCommandRequest.type, { command: 'strata.applyPlan', arguments: [{ env: 'local', expectedSql: 'stale' }] }),
      /changed/,
    );
    assert.equal(fs.existsSync(path.join(dir, 'app.db')) && fs.statSync(path.join(dir, 'app.db')).size > 0, false, 'nothing applied');
    const applied: any = await conn!.sendRequest(ExecuteCommandRequest.type, {
      command: 'strata.applyPlan',
      arguments: [{ env: 'local', expectedSql: preview.sql }],
    });
    assert.ok(applied, 'a result');
    const after: any = await conn!.sendRequest(ExecuteCommandRequest.type, { command: 'strata.previewPlan', arguments: [{ env: 'local' }] });
    assert.equal(after.sql, '', `in sync after apply: ${JSON.stringify(after)}`);
  });
});
