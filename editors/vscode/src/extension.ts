// The strata VS Code extension: starts `strata lsp`, adds plan/apply/inspect/env
// commands, and shows the env and its drift in the status bar.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { findStrata, INSTALL_HELP } from './binary';
import { applyViaCli, inspectViaCli, previewViaCli, ProjectArgs } from './cli';
import {
  confirmation,
  Drift,
  driftOf,
  formatPlanDocument,
  normalizePreview,
  PlanPreview,
  statusText,
} from './plan';
import { chooseEnv, EnvInfo, isSchemaFile, parseProject, pickProjectFile, ProjectInfo } from './project';

/** Every language id the server accepts (strata's and Atlas's). */
export const LANGUAGE_IDS = [
  'strata-hcl',
  'strata-sql',
  'strata-config',
  'atlas-schema-postgresql',
  'atlas-schema-mysql',
  'atlas-schema-mariadb',
  'atlas-schema-sqlite',
  'atlas-config',
];

export const SERVER_PREVIEW = 'strata.previewPlan';
export const SERVER_APPLY = 'strata.applyPlan';
export const PLAN_SCHEME = 'strata-plan';

/** The part of vscode-languageclient's LanguageClient this extension uses. */
export interface ServerClient {
  start(): Promise<void>;
  stop(): Promise<void>;
  sendRequest(method: string, params: unknown): Promise<unknown>;
  readonly initializeResult?: { capabilities?: { executeCommandProvider?: { commands?: string[] } } };
}

export interface ClientSpec {
  bin: string;
  cwd?: string;
  initializationOptions: Record<string, unknown>;
  output: vscode.OutputChannel;
  /** Server commands invoked from the UI (code lenses…) go through here. */
  executeCommand: (command: string, args: unknown[], next: (command: string, args: unknown[]) => unknown) => unknown;
}

export type ClientFactory = (spec: ClientSpec) => ServerClient;

/**
 * How the client starts the server: `strata lsp`, over stdin/stdout. No
 * `transport`: with `TransportKind.stdio` vscode-languageclient appends
 * `--stdio` to the arguments, which `strata lsp` rejects (it exits with a usage
 * error and VS Code reports "write EPIPE"); without one it uses stdio as is.
 */
export function serverExecutable(spec: Pick<ClientSpec, 'bin' | 'cwd'>): import('vscode-languageclient/node').Executable {
  return { command: spec.bin, args: ['lsp'], options: { cwd: spec.cwd } };
}

const defaultFactory: ClientFactory = (spec) => {
  // Loaded lazily: nothing of the client library runs until a binary is found.
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const lc = require('vscode-languageclient/node') as typeof import('vscode-languageclient/node');
  const serverOptions: import('vscode-languageclient/node').ServerOptions = serverExecutable(spec);
  const clientOptions: import('vscode-languageclient/node').LanguageClientOptions = {
    documentSelector: LANGUAGE_IDS.flatMap((language) => [
      { scheme: 'file', language },
      { scheme: 'untitled', language },
    ]),
    initializationOptions: spec.initializationOptions,
    outputChannel: spec.output,
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{hcl,sql}') },
    middleware: {
      executeCommand: (command, args, next) => spec.executeCommand(command, args, next as any) as any,
    },
  };
  // The id 'strata' makes the client read the `strata.trace.server` setting.
  const client = new lc.LanguageClient('strata', 'strata', serverOptions, clientOptions);
  return client as unknown as ServerClient;
};

let factory: ClientFactory = defaultFactory;

/** For tests: replace how the language client is made. */
export function setClientFactory(f: ClientFactory | undefined): void {
  factory = f ?? defaultFactory;
}

let current: Strata | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<Strata> {
  current = new Strata(context);
  await current.init();
  return current;
}

export async function deactivate(): Promise<void> {
  await current?.dispose();
  current = undefined;
}

interface Project {
  file: string;
  dir: string;
  info: ProjectInfo;
}

export class Strata {
  readonly output: vscode.OutputChannel;
  readonly status: vscode.StatusBarItem;
  client: ServerClient | undefined;
  clientRunning = false;
  bin: string | undefined;
  binError: string | undefined;
  project: Project | undefined;
  drift: Drift = { kind: 'unknown' };
  private planDocs = new Map<string, string>();
  private planChanged = new vscode.EventEmitter<vscode.Uri>();
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshSeq = 0;
  /** The last refresh, for tests. */
  lastRefresh: Promise<void> = Promise.resolve();

  constructor(private readonly context: vscode.ExtensionContext) {
    this.output = vscode.window.createOutputChannel('strata');
    this.status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 10);
    this.status.command = 'strata.plan.preview';
    context.subscriptions.push(this.output, this.status, this.planChanged);
  }

  private config() {
    return vscode.workspace.getConfiguration('strata');
  }

  private workspaceDir(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  async init(): Promise<void> {
    const sub = this.context.subscriptions;
    const cmd = (id: string, f: (...a: any[]) => unknown) =>
      sub.push(
        vscode.commands.registerCommand(id, async (...a: any[]) => {
          try {
            return await f(...a);
          } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            this.output.appendLine(`[${id}] ${msg}`);
            void vscode.window.showErrorMessage(`strata: ${msg}`);
            return undefined;
          }
        }),
      );
    cmd('strata.plan.preview', () => this.previewCommand());
    cmd('strata.plan.apply', () => this.applyCommand());
    cmd('strata.inspect', () => this.inspectCommand());
    cmd('strata.selectEnv', () => this.selectEnvCommand());
    cmd('strata.restartServer', () => this.restart());
    // Granting trust restarts the server so the project file's data sources run.
    this.context.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.restart()));

    sub.push(
      vscode.workspace.registerTextDocumentContentProvider(PLAN_SCHEME, {
        onDidChange: this.planChanged.event,
        provideTextDocumentContent: (uri) => this.planDocs.get(uri.toString()) ?? '',
      }),
    );
    sub.push(
      vscode.workspace.onDidChangeConfiguration(async (e) => {
        if (['strata.path', 'strata.env', 'strata.devUrl', 'strata.vars'].some((k) => e.affectsConfiguration(k))) {
          await this.restart();
        }
      }),
      vscode.workspace.onDidSaveTextDocument((doc) => {
        if (!this.config().get<boolean>('planOnSave', true)) return;
        const base = path.basename(doc.fileName);
        if (base === 'strata.hcl' || base === 'atlas.hcl') void this.loadProject().then(() => this.scheduleRefresh());
        else if (LANGUAGE_IDS.includes(doc.languageId) || this.isProjectSql(doc)) this.scheduleRefresh();
      }),
      vscode.workspace.onDidOpenTextDocument((doc) => this.maybeMarkSql(doc)),
    );

    await this.loadProject();
    for (const doc of vscode.workspace.textDocuments) this.maybeMarkSql(doc);
    await this.startServer();
    this.status.show();
    this.scheduleRefresh(0);
  }

  /** Finds and reads the project file nearest the active editor. */
  async loadProject(): Promise<void> {
    const files = await vscode.workspace.findFiles('**/{strata,atlas}.hcl', '**/{node_modules,target,.git}/**', 50);
    const active = vscode.window.activeTextEditor?.document.uri.fsPath;
    const file = pickProjectFile(
      files.map((u) => u.fsPath),
      active,
    );
    if (!file) {
      this.project = undefined;
      return;
    }
    try {
      const info = parseProject(fs.readFileSync(file, 'utf8'));
      this.project = { file, dir: path.dirname(file), info };
    } catch (e) {
      this.output.appendLine(`cannot read ${file}: ${e}`);
      this.project = undefined;
    }
  }

  /** The env in use: the setting when the project has it, else the first env. */
  env(): EnvInfo | undefined {
    if (!this.project) return undefined;
    return chooseEnv(this.project.info, this.config().get<string>('env') || undefined);
  }

  envName(): string | undefined {
    return this.config().get<string>('env') || this.env()?.name;
  }

  private projectArgs(): ProjectArgs {
    const c = this.config();
    return {
      config: this.project?.file,
      env: this.envName(),
      devUrl: c.get<string>('devUrl') || undefined,
      vars: c.get<Record<string, string>>('vars') ?? {},
    };
  }

  private isProjectSql(doc: vscode.TextDocument): boolean {
    if (doc.uri.scheme !== 'file' || !doc.fileName.endsWith('.sql') || !this.project) return false;
    return this.project.info.envs.some((e) => isSchemaFile(this.project!.dir, e, doc.fileName));
  }

  /** SQL files that an env's `src` names become strata-sql. */
  private maybeMarkSql(doc: vscode.TextDocument): void {
    if (doc.languageId === 'sql' && this.isProjectSql(doc)) {
      void vscode.languages.setTextDocumentLanguage(doc, 'strata-sql');
    }
  }

  async startServer(): Promise<void> {
    const found = findStrata({
      configured: this.config().get<string>('path') ?? '',
      workspaceDir: this.workspaceDir(),
    });
    if (!found.ok) {
      this.bin = undefined;
      this.binError = found.reason;
      this.drift = { kind: 'noServer', reason: found.reason };
      this.updateStatus();
      this.output.appendLine(`strata: ${found.reason}.`);
      this.output.appendLine(INSTALL_HELP);
      void vscode.window
        .showErrorMessage(
          `strata: cannot start the language server: ${found.reason}. ${INSTALL_HELP}`,
          'Open Settings',
          'Show Instructions',
        )
        .then((pick) => {
          if (pick === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'strata.path');
          else if (pick === 'Show Instructions') this.output.show();
        });
      return;
    }
    this.bin = found.path;
    this.binError = undefined;
    this.output.appendLine(`strata: using ${found.path} (from ${found.from})`);
    const c = this.config();
    const initializationOptions: Record<string, unknown> = {};
    const env = this.envName();
    if (env) initializationOptions.env = env;
    const devUrl = c.get<string>('devUrl');
    if (devUrl) initializationOptions.devUrl = devUrl;
    const vars = c.get<Record<string, string>>('vars');
    if (vars && Object.keys(vars).length) initializationOptions.vars = vars;
    // Workspace trust decides whether the project file's data sources may run
    // programs (external_schema) or query databases (sql); untrusted, the
    // server skips them and says so.
    initializationOptions.trusted = vscode.workspace.isTrusted;
    const client = factory({
      bin: found.path,
      cwd: this.project?.dir ?? this.workspaceDir(),
      initializationOptions,
      output: this.output,
      executeCommand: (command, args, next) => {
        // Lenses and other server-made commands: the plan opens as a document,
        // and nothing is applied without the confirmation.
        const arg = (args?.[0] ?? undefined) as Record<string, unknown> | undefined;
        if (command === SERVER_PREVIEW) return this.previewCommand(arg);
        if (command === SERVER_APPLY) return this.applyCommand(arg);
        return next(command, args);
      },
    });
    this.client = client;
    try {
      await client.start();
      this.clientRunning = true;
    } catch (e) {
      this.clientRunning = false;
      this.output.appendLine(
        `strata: the language server did not start (${e instanceof Error ? e.message : e}); ` +
          'plans fall back to `strata schema apply --dry-run`.',
      );
    }
  }

  async restart(): Promise<void> {
    await this.stopServer();
    await this.loadProject();
    await this.startServer();
    this.scheduleRefresh(0);
  }

  private async stopServer(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    const wasRunning = this.clientRunning;
    this.clientRunning = false;
    if (c && wasRunning) {
      try {
        await c.stop();
      } catch (e) {
        this.output.appendLine(`strata: stopping the server: ${e}`);
      }
    }
  }

  async dispose(): Promise<void> {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.stopServer();
  }

  /** Whether the running server implements a workspace/executeCommand command. */
  serverHas(command: string): boolean {
    if (!this.client || !this.clientRunning) return false;
    const cmds = this.client.initializeResult?.capabilities?.executeCommandProvider?.commands ?? [];
    return cmds.includes(command);
  }

  private commandArgs(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const a: Record<string, unknown> = {};
    const env = this.envName();
    if (env) a.env = env;
    const uri = vscode.window.activeTextEditor?.document.uri;
    if (uri && uri.scheme === 'file') a.uri = uri.toString();
    return { ...a, ...extra };
  }

  private dirtySchemaDocs(): vscode.TextDocument[] {
    return vscode.workspace.textDocuments.filter(
      (d) => d.isDirty && (LANGUAGE_IDS.includes(d.languageId) || this.isProjectSql(d)),
    );
  }

  /** The plan: from the server when it implements strata.previewPlan, else from the CLI. */
  async preview(arg?: Record<string, unknown>): Promise<{ plan: PlanPreview; note?: string }> {
    if (this.serverHas(SERVER_PREVIEW)) {
      const res = await this.client!.sendRequest('workspace/executeCommand', {
        command: SERVER_PREVIEW,
        arguments: [this.commandArgs(arg)],
      });
      return { plan: normalizePreview(res, 'server') };
    }
    if (!this.bin) throw new Error(`${this.binError ?? 'strata is not installed'}. ${INSTALL_HELP}`);
    if (!this.project) throw new Error('no strata.hcl or atlas.hcl in this workspace: the plan needs an env');
    const dirty = this.dirtySchemaDocs().length;
    const plan = await previewViaCli(this.bin, this.project.dir, {
      ...this.projectArgs(),
      env: (arg?.env as string | undefined) ?? this.envName(),
    });
    const note = dirty
      ? `Planned by the CLI from the files on disk: ${dirty} unsaved file(s) are not included.`
      : undefined;
    return { plan, note };
  }

  private ctx() {
    const env = this.env();
    return { env: this.envName(), url: env?.url };
  }

  async previewCommand(arg?: Record<string, unknown>): Promise<vscode.TextDocument> {
    const { plan, note } = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: 'strata: planning…' },
      () => this.preview(arg),
    );
    this.setDrift(driftOf(plan));
    const text = formatPlanDocument(plan, { ...this.ctx(), note });
    const name = `${plan.env ?? this.envName() ?? 'plan'}.plan.sql`;
    const uri = vscode.Uri.parse(`${PLAN_SCHEME}:/${encodeURIComponent(name)}`);
    this.planDocs.set(uri.toString(), text);
    this.planChanged.fire(uri);
    let doc = await vscode.workspace.openTextDocument(uri);
    if (doc.languageId !== 'sql') doc = await vscode.languages.setTextDocumentLanguage(doc, 'sql');
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return doc;
  }

  /** Preview, confirm in a modal that lists destructive statements first, then apply. */
  async applyCommand(arg?: Record<string, unknown>): Promise<'applied' | 'cancelled' | 'inSync'> {
    const viaServer = this.serverHas(SERVER_APPLY) && this.serverHas(SERVER_PREVIEW);
    if (!viaServer) {
      const dirty = this.dirtySchemaDocs();
      if (dirty.length) {
        const pick = await vscode.window.showWarningMessage(
          `Save ${dirty.length} unsaved schema file(s) first?`,
          { modal: true, detail: 'The plan is computed by the strata CLI from the files on disk.' },
          'Save and Continue',
        );
        if (pick !== 'Save and Continue') return 'cancelled';
        await vscode.workspace.saveAll(false);
      }
    }
    const { plan } = await this.preview(arg);
    this.setDrift(driftOf(plan));
    if (plan.inSync) {
      void vscode.window.showInformationMessage('strata: schema is in sync: nothing to apply.');
      return 'inSync';
    }
    const { message, detail } = confirmation(plan, this.ctx());
    const destructive = plan.steps.some((s) => s.destructive);
    const action = destructive ? 'Apply (destructive)' : 'Apply';
    const pick = await vscode.window.showWarningMessage(message, { modal: true, detail }, action);
    if (pick !== action) return 'cancelled';
    if (viaServer) {
      await this.client!.sendRequest('workspace/executeCommand', {
        command: SERVER_APPLY,
        arguments: [this.commandArgs({ ...arg, expectedSql: plan.sql })],
      });
    } else {
      if (!this.bin || !this.project) throw new Error('cannot apply: no strata binary or project file');
      const out = await applyViaCli(this.bin, this.project.dir, {
        ...this.projectArgs(),
        env: (arg?.env as string | undefined) ?? this.envName(),
      });
      this.output.appendLine(out);
    }
    void vscode.window.showInformationMessage(`strata: applied ${plan.steps.length} statement(s).`);
    this.scheduleRefresh(0);
    return 'applied';
  }

  async inspectCommand(): Promise<vscode.TextDocument | undefined> {
    if (!this.bin) throw new Error(`${this.binError ?? 'strata is not installed'}. ${INSTALL_HELP}`);
    type Item = vscode.QuickPickItem & { env?: string };
    const items: Item[] = (this.project?.info.envs ?? [])
      .filter((e) => e.url)
      .map((e) => ({ label: `env "${e.name}"`, description: e.url, env: e.name }));
    let target: { url: string } | ProjectArgs;
    let picked: Item | undefined;
    if (items.length) {
      items.push({ label: 'Enter a database URL…' });
      picked = await vscode.window.showQuickPick(items, { placeHolder: 'Database to inspect' });
      if (!picked) return undefined;
    }
    if (picked?.env) {
      target = { ...this.projectArgs(), env: picked.env };
    } else {
      const url = await vscode.window.showInputBox({
        prompt: 'Database URL to inspect',
        placeHolder: 'sqlite://app.db',
        value: this.env()?.url ?? '',
      });
      if (!url) return undefined;
      target = { url };
    }
    const hcl = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'strata: inspecting…' },
      () => inspectViaCli(this.bin!, this.project?.dir ?? this.workspaceDir(), target),
    );
    const doc = await vscode.workspace.openTextDocument({ language: 'strata-hcl', content: hcl });
    await vscode.window.showTextDocument(doc, { preview: false });
    return doc;
  }

  async selectEnvCommand(): Promise<string | undefined> {
    await this.loadProject();
    const envs = this.project?.info.envs ?? [];
    if (!envs.length) {
      void vscode.window.showWarningMessage(
        this.project ? `strata: ${path.basename(this.project.file)} declares no env` : 'strata: no strata.hcl or atlas.hcl in this workspace',
      );
      return undefined;
    }
    const currentName = this.envName();
    const pick = await vscode.window.showQuickPick(
      envs.map((e) => ({
        label: e.name,
        description: [e.url, e.name === currentName ? '(current)' : ''].filter(Boolean).join(' '),
        detail: e.src.length ? `src: ${e.src.join(', ')}` : undefined,
      })),
      { placeHolder: `Env of ${path.basename(this.project!.file)}` },
    );
    if (!pick) return undefined;
    const target = vscode.workspace.workspaceFolders?.length
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
    // The configuration change restarts the server with the new env.
    await this.config().update('env', pick.label, target);
    return pick.label;
  }

  private setDrift(d: Drift): void {
    this.drift = d;
    this.updateStatus();
  }

  updateStatus(): void {
    const { text, tooltip } = statusText(this.envName(), this.drift);
    this.status.text = text;
    this.status.tooltip = tooltip;
  }

  /** Recomputes the drift state shortly (debounced). */
  scheduleRefresh(delayMs = 400): void {
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = undefined;
      this.lastRefresh = this.refreshDrift();
    }, delayMs);
  }

  async refreshDrift(): Promise<void> {
    const seq = ++this.refreshSeq;
    if (!this.bin) {
      this.setDrift({ kind: 'noServer', reason: this.binError ?? 'strata is not installed' });
      return;
    }
    if (!this.project) {
      this.setDrift({ kind: 'noProject' });
      return;
    }
    this.setDrift({ kind: 'checking' });
    let d: Drift;
    try {
      d = driftOf((await this.preview()).plan);
    } catch (e) {
      d = { kind: 'offline', reason: e instanceof Error ? e.message : String(e) };
    }
    if (seq === this.refreshSeq) this.setDrift(d);
  }
}
