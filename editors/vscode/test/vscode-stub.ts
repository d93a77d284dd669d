// A hand-written stand-in for the `vscode` module, enough for the extension's
// unit tests under node:test. `install()` makes `require('vscode')` return it.
// Tests script the UI through `ui` (answers to pickers and dialogs) and read
// what happened from `calls`.
import Module from 'node:module';
import * as path from 'node:path';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners: Listener<T>[] = [];
  event = (l: Listener<T>) => {
    this.listeners.push(l);
    return { dispose: () => (this.listeners = this.listeners.filter((x) => x !== l)) };
  };
  fire(e: T) {
    for (const l of this.listeners) l(e);
  }
  dispose() {
    this.listeners = [];
  }
}

export class Uri {
  private constructor(
    readonly scheme: string,
    readonly path: string,
  ) {}
  static file(p: string) {
    return new Uri('file', path.resolve(p));
  }
  static parse(s: string) {
    const i = s.indexOf(':');
    return new Uri(s.slice(0, i), decodeURIComponent(s.slice(i + 1)));
  }
  get fsPath() {
    return this.path;
  }
  toString() {
    return this.scheme === 'file' ? `file://${this.path}` : `${this.scheme}:${this.path}`;
  }
}

export class TextDocument {
  isDirty = false;
  constructor(
    public uri: Uri,
    public languageId: string,
    private text: string,
  ) {}
  get fileName() {
    return this.uri.fsPath;
  }
  getText() {
    return this.text;
  }
}

export const StatusBarAlignment = { Left: 1, Right: 2 };
export const ConfigurationTarget = { Global: 1, Workspace: 2, WorkspaceFolder: 3 };
export const ProgressLocation = { SourceControl: 1, Window: 10, Notification: 15 };
export const ViewColumn = { Active: -1, Beside: -2, One: 1 };

export interface Message {
  kind: 'error' | 'warning' | 'info';
  message: string;
  options?: { modal?: boolean; detail?: string };
  items: string[];
}

export const calls = {
  messages: [] as Message[],
  commandsRun: [] as { id: string; args: unknown[] }[],
  shown: [] as TextDocument[],
  configUpdates: [] as { key: string; value: unknown; target: unknown }[],
  languageChanges: [] as { uri: string; language: string }[],
};

export const ui = {
  /** Answer for the next showXxxMessage calls with items (undefined = dismissed). */
  messageAnswer: (_m: Message): string | undefined => undefined,
  quickPick: (items: any[]): any => items[0],
  inputBox: (opts: any): string | undefined => opts?.value,
};

export const settings: Record<string, unknown> = {};
export const state = {
  workspaceFolders: undefined as { uri: Uri; name: string; index: number }[] | undefined,
  projectFiles: [] as string[],
  textDocuments: [] as TextDocument[],
  activeTextEditor: undefined as { document: TextDocument } | undefined,
};

const contentProviders = new Map<string, { provideTextDocumentContent(u: Uri): string }>();
const registered = new Map<string, (...a: any[]) => unknown>();
const configListeners = new EventEmitter<{ affectsConfiguration(k: string): boolean }>();
const saveListeners = new EventEmitter<TextDocument>();
const openListeners = new EventEmitter<TextDocument>();

export function reset() {
  calls.messages = [];
  calls.commandsRun = [];
  calls.shown = [];
  calls.configUpdates = [];
  calls.languageChanges = [];
  for (const k of Object.keys(settings)) delete settings[k];
  state.workspaceFolders = undefined;
  state.projectFiles = [];
  state.textDocuments = [];
  state.activeTextEditor = undefined;
  contentProviders.clear();
  registered.clear();
  configListeners.dispose();
  saveListeners.dispose();
  openListeners.dispose();
  ui.messageAnswer = () => undefined;
  ui.quickPick = (items) => items[0];
  ui.inputBox = (opts) => opts?.value;
}

const disposable = { dispose() {} };

function message(kind: Message['kind']) {
  return (msg: string, ...rest: any[]) => {
    let options: Message['options'];
    if (rest.length && typeof rest[0] === 'object' && rest[0] !== null) options = rest.shift();
    const m: Message = { kind, message: msg, options, items: rest };
    calls.messages.push(m);
    return Promise.resolve(rest.length ? ui.messageAnswer(m) : undefined);
  };
}

export const window = {
  createOutputChannel: (_name: string) => {
    const lines: string[] = [];
    return { lines, appendLine: (l: string) => lines.push(l), append: (l: string) => lines.push(l), show() {}, dispose() {} };
  },
  createStatusBarItem: () => ({ text: '', tooltip: '', command: '', show() {}, hide() {}, dispose() {} }),
  showErrorMessage: message('error'),
  showWarningMessage: message('warning'),
  showInformationMessage: message('info'),
  showQuickPick: async (items: any[]) => ui.quickPick(await items),
  showInputBox: async (opts: any) => ui.inputBox(opts),
  showTextDocument: async (doc: TextDocument) => {
    calls.shown.push(doc);
    state.activeTextEditor = { document: doc };
    return { document: doc };
  },
  withProgress: async (_o: unknown, task: (p: unknown) => Promise<unknown>) => task({ report() {} }),
  get activeTextEditor() {
    return state.activeTextEditor;
  },
};

export const workspace = {
  get workspaceFolders() {
    return state.workspaceFolders;
  },
  get textDocuments() {
    return state.textDocuments;
  },
  getConfiguration: (section: string) => ({
    get: <T>(key: string, dflt?: T): T | undefined => {
      const k = `${section}.${key}`;
      return (k in settings ? settings[k] : dflt) as T;
    },
    update: async (key: string, value: unknown, target: unknown) => {
      const k = `${section}.${key}`;
      settings[k] = value;
      calls.configUpdates.push({ key: k, value, target });
      configListeners.fire({ affectsConfiguration: (x: string) => k === x || k.startsWith(x + '.') });
    },
  }),
  findFiles: async () => state.projectFiles.map((f) => Uri.file(f)),
  onDidChangeConfiguration: configListeners.event,
  isTrusted: true,
  onDidGrantWorkspaceTrust: (_listener: () => void) => disposable,
  onDidSaveTextDocument: saveListeners.event,
  onDidOpenTextDocument: openListeners.event,
  registerTextDocumentContentProvider: (scheme: string, p: any) => {
    contentProviders.set(scheme, p);
    return disposable;
  },
  openTextDocument: async (arg: Uri | { language?: string; content?: string }) => {
    if (arg instanceof Uri) {
      const p = contentProviders.get(arg.scheme);
      const text = p ? p.provideTextDocumentContent(arg) : require('node:fs').readFileSync(arg.fsPath, 'utf8');
      return new TextDocument(arg, 'plaintext', text);
    }
    return new TextDocument(Uri.parse('untitled:Untitled-1'), arg.language ?? 'plaintext', arg.content ?? '');
  },
  saveAll: async () => {
    for (const d of state.textDocuments) d.isDirty = false;
    return true;
  },
  createFileSystemWatcher: () => ({ ...disposable, onDidChange() {}, onDidCreate() {}, onDidDelete() {} }),
};

export const languages = {
  setTextDocumentLanguage: async (doc: TextDocument, language: string) => {
    calls.languageChanges.push({ uri: doc.uri.toString(), language });
    doc.languageId = language;
    return doc;
  },
};

export const commands = {
  registerCommand: (id: string, f: (...a: any[]) => unknown) => {
    if (registered.has(id)) throw new Error(`command '${id}' already exists`);
    registered.set(id, f);
    return { dispose: () => registered.delete(id) };
  },
  executeCommand: async (id: string, ...args: unknown[]) => {
    calls.commandsRun.push({ id, args });
    const f = registered.get(id);
    return f ? f(...args) : undefined;
  },
  registered,
};

export const events = { save: saveListeners, open: openListeners, config: configListeners };

const stub = {
  EventEmitter,
  Uri,
  StatusBarAlignment,
  ConfigurationTarget,
  ProgressLocation,
  ViewColumn,
  window,
  workspace,
  languages,
  commands,
  Disposable: class {
    constructor(private f: () => void) {}
    dispose() {
      this.f();
    }
  },
};

let installed = false;
export function install() {
  if (installed) return;
  installed = true;
  const M = Module as any;
  const load = M._load;
  M._load = function (request: string, ...rest: unknown[]) {
    if (request === 'vscode') return stub;
    return load.call(this, request, ...rest);
  };
}

export function fakeContext() {
  return { subscriptions: [] as { dispose(): unknown }[] } as any;
}

install();
