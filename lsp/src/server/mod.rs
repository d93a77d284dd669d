//! The protocol layer: documents as ropes, positions in the negotiated
//! encoding, and translation between LSP and [`crate::analysis`].
//!
//! Ordering: tower-lsp-server runs handlers concurrently but polls each one
//! first in arrival order. Every handler does its work with the state under a
//! std mutex *before* its first `.await`, so edits apply in order and a request
//! sees exactly the text that preceded it. Diagnostics run on a debounced task
//! that the next edit cancels; the live plan runs on another, longer one,
//! off the keystroke path (`spawn_blocking`).

pub mod convert;
mod guard;
mod live;
pub mod plan;
mod scan;
mod to_lsp;

use crate::analysis::completion::completion;
use crate::analysis::diagnostics::{diagnostics, Diag};
use crate::analysis::format::format;
use crate::analysis::hover::hover;
use crate::analysis::inlay::inlay_hints;
use crate::analysis::nav::{self, goto_definition, highlight, prepare_rename, references, rename};
use crate::analysis::plan::PlanView;
use crate::analysis::semantic::semantic_tokens;
use crate::analysis::symbols::{document_symbols, folding_ranges, workspace_symbols};
use crate::analysis::{Analysis, FileId, FileKind, FileOpts, SymbolKey, Workspace};
use convert::{apply_change, Encoding, LineIndex};
use plan::EnvInfo;
use ropey::Rope;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use strata_core::dialect::Dialect;
use tokio::task::JoinHandle;
use tower_lsp_server::jsonrpc::{Error as RpcError, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, ClientSocket, LanguageServer, LspService};

pub const PREVIEW_PLAN: &str = "strata.previewPlan";
/// Files larger than this get semantic tokens by range only.
const MAX_FULL_TOKENS_BYTES: usize = 1 << 20;
pub const APPLY_PLAN: &str = "strata.applyPlan";

/// Settings, from `initializationOptions`.
#[derive(Clone, Debug)]
pub struct Options {
    /// Quiet time after an edit before diagnostics are recomputed.
    pub debounce: Duration,
    /// Quiet time after an edit before the live plan is recomputed.
    pub plan_debounce: Duration,
    pub live_plan: bool,
    /// The project env to plan against; the first one when unset.
    pub env: Option<String>,
    pub vars: Vec<(String, String)>,
    /// The client trusts this workspace (`initializationOptions.trusted`):
    /// the project file's `external_schema` programs and `sql` queries may run.
    pub trusted: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            debounce: Duration::from_millis(150),
            plan_debounce: Duration::from_millis(600),
            live_plan: true,
            env: None,
            vars: Vec::new(),
            trusted: false,
        }
    }
}

impl Options {
    fn merge_json(&mut self, v: &Value) {
        if let Some(ms) = v.get("debounceMs").and_then(Value::as_u64) {
            self.debounce = Duration::from_millis(ms);
        }
        if let Some(ms) = v.get("planDebounceMs").and_then(Value::as_u64) {
            self.plan_debounce = Duration::from_millis(ms);
        }
        if let Some(b) = v.get("livePlan").and_then(Value::as_bool) {
            self.live_plan = b;
        }
        if let Some(e) = v.get("env").and_then(Value::as_str) {
            self.env = Some(e.to_string());
        }
        if let Some(t) = v.get("trusted").and_then(Value::as_bool) {
            self.trusted = t;
        }
        if let Some(vars) = v.get("vars").and_then(Value::as_object) {
            self.vars = vars
                .iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.clone(), v)
                })
                .collect();
        }
    }
}

/// What the client can do, from its capabilities.
#[derive(Clone, Copy, Debug, Default)]
struct ClientFlags {
    snippets: bool,
    change_annotations: bool,
    document_changes: bool,
    code_lens_refresh: bool,
    link_support: bool,
    watch_files: bool,
}

struct Doc {
    rope: Rope,
    version: i32,
    file: FileId,
}

/// A rename whose `renamed_from` was not applied, offered later as a code action.
#[derive(Clone, Debug)]
struct RecentRename {
    key: SymbolKey,
    old: String,
}

#[derive(Default)]
struct Live {
    env: Option<EnvInfo>,
    view: Option<PlanView>,
    /// Why there is no plan, shown in the lens at the top of each file.
    unavailable: Option<String>,
    /// A connection failure was already shown; cleared by the next success.
    warned: bool,
    /// Errors the dev database reported, by file name.
    dev_diags: Vec<strata_core::Diagnostic>,
    /// The workspace files that are the env's sources (lenses go there).
    src_files: Vec<FileId>,
}

struct State {
    ws: Workspace,
    docs: HashMap<Uri, Doc>,
    uris: HashMap<FileId, Uri>,
    lines: HashMap<FileId, Arc<LineIndex>>,
    enc: Encoding,
    opts: Options,
    flags: ClientFlags,
    root: Option<PathBuf>,
    /// Bumped by every edit; background work started under an older value is stale.
    gen: u64,
    /// Hash of what was last published per file.
    published: HashMap<FileId, u64>,
    /// Closed files changed, or names changed: every file needs new diagnostics.
    recheck_all: bool,
    names_hash: u64,
    live: Live,
    renames: Vec<RecentRename>,
    analysis_task: Option<JoinHandle<()>>,
    plan_task: Option<JoinHandle<()>>,
}

impl State {
    fn line_index(&mut self, a: &Analysis, file: FileId) -> Option<Arc<LineIndex>> {
        let text = a.file(file)?.text.clone();
        if let Some(ix) = self.lines.get(&file) {
            if Arc::ptr_eq(&ix.text, &text) && ix.encoding == self.enc {
                return Some(ix.clone());
            }
        }
        let ix = Arc::new(LineIndex::new(text, self.enc));
        self.lines.insert(file, ix.clone());
        Some(ix)
    }

    fn file_of(&self, uri: &Uri) -> Option<FileId> {
        self.docs
            .get(uri)
            .map(|d| d.file)
            .or_else(|| self.ws.file_id(&name_of(uri)))
    }

    fn uri_of(&mut self, a: &Analysis, file: FileId) -> Option<Uri> {
        if let Some(u) = self.uris.get(&file) {
            return Some(u.clone());
        }
        let name = a.file(file)?.name.clone();
        let uri = uri_of_name(&name)?;
        self.uris.insert(file, uri.clone());
        Some(uri)
    }

    fn location(
        &mut self,
        a: &Analysis,
        file: FileId,
        r: &std::ops::Range<usize>,
    ) -> Option<Location> {
        let ix = self.line_index(a, file)?;
        Some(Location::new(self.uri_of(a, file)?, ix.range(r)))
    }
}

/// The workspace file name of a URI: its path for `file:` URIs.
pub fn name_of(uri: &Uri) -> String {
    let is_file = uri.scheme().as_str().eq_ignore_ascii_case("file");
    match uri.to_file_path() {
        Some(p) if is_file => p.to_string_lossy().to_string(),
        _ => uri.as_str().to_string(),
    }
}

fn uri_of_name(name: &str) -> Option<Uri> {
    if name.starts_with('/') || std::path::Path::new(name).is_absolute() {
        Uri::from_file_path(name)
    } else {
        name.parse().ok()
    }
}

/// File kind and dialect from the client's language id and the file name.
fn kind_and_dialect(language_id: &str, name: &str) -> (Option<FileKind>, Option<Dialect>) {
    let by_name = FileKind::of_name(name);
    if by_name == Some(FileKind::Config) {
        return (by_name, None);
    }
    match language_id {
        "strata-config" | "atlas-config" => (Some(FileKind::Config), None),
        "strata-sql" | "sql" => (Some(FileKind::Sql), None),
        "atlas-schema-postgresql" => (Some(FileKind::Hcl), Some(Dialect::Postgres)),
        "atlas-schema-mysql" | "atlas-schema-mariadb" => {
            (Some(FileKind::Hcl), Some(Dialect::Mysql))
        }
        "atlas-schema-sqlite" => (Some(FileKind::Hcl), Some(Dialect::Sqlite)),
        "strata-hcl" => (Some(FileKind::Hcl), None),
        _ => (by_name, None),
    }
}

pub(crate) struct Shared {
    state: Mutex<State>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub struct Backend {
    client: Client,
    shared: Arc<Shared>,
}

/// The service, for in-process use (tests, benchmarks) and for [`serve`].
pub fn service(opts: Options) -> (LspService<Backend>, ClientSocket) {
    LspService::build(move |client| Backend::new(client, opts.clone())).finish()
}

/// Serves LSP on the given streams until the client exits.
pub async fn serve<I, O>(input: I, output: O, opts: Options)
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite,
{
    let (svc, socket) = service(opts);
    // Behind the guard, a malformed message is answered and skipped instead
    // of ending the session.
    guard::guarded(input, output, |input, output| async move {
        tower_lsp_server::Server::new(input, output, socket)
            .serve(svc)
            .await
    })
    .await;
}

/// A snapshot and the file a request is about.
struct Snap {
    a: Analysis,
    file: FileId,
    ix: Arc<LineIndex>,
}

/// Runs a feature; a panic (a bug) answers "nothing" instead of killing the server.
fn guard<T>(what: &str, f: impl FnOnce() -> Option<T>) -> Option<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(_) => {
            eprintln!("strata-lsp: {what} failed with an internal error");
            None
        }
    }
}

fn internal(msg: impl std::fmt::Display) -> RpcError {
    RpcError {
        code: tower_lsp_server::jsonrpc::ErrorCode::InternalError,
        message: msg.to_string().into(),
        data: None,
    }
}

impl Backend {
    pub fn new(client: Client, opts: Options) -> Backend {
        Backend {
            client,
            shared: Arc::new(Shared {
                state: Mutex::new(State {
                    ws: Workspace::new(),
                    docs: HashMap::new(),
                    uris: HashMap::new(),
                    lines: HashMap::new(),
                    enc: Encoding::Utf16,
                    opts,
                    flags: ClientFlags::default(),
                    root: None,
                    gen: 0,
                    published: HashMap::new(),
                    recheck_all: true,
                    names_hash: 0,
                    live: Live::default(),
                    renames: Vec::new(),
                    analysis_task: None,
                    plan_task: None,
                }),
            }),
        }
    }

    /// Takes a snapshot for a request about `uri` (synchronously: call it before
    /// any `.await`).
    fn snap(&self, uri: &Uri) -> Option<Snap> {
        let mut st = self.shared.lock();
        let a = st.ws.snapshot();
        let file = st.file_of(uri)?;
        let ix = st.line_index(&a, file)?;
        Some(Snap { a, file, ix })
    }

    /// Records an edit and (re)starts the debounced analysis.
    fn changed(&self, st: &mut State) {
        st.gen += 1;
        if let Some(t) = st.analysis_task.take() {
            t.abort();
        }
        if let Some(t) = st.plan_task.take() {
            t.abort();
        }
        let gen = st.gen;
        let delay = st.opts.debounce;
        let shared = self.shared.clone();
        let client = self.client.clone();
        st.analysis_task = Some(tokio::spawn(async move {
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            analysis_round(shared, client, gen).await;
        }));
    }
}

/// Recomputes diagnostics: open documents first (they are what the user looks
/// at), then every other file when names changed. Publishes only what changed.
async fn analysis_round(shared: Arc<Shared>, client: Client, gen: u64) {
    let (a, open, recheck) = {
        let mut st = shared.lock();
        if st.gen != gen {
            return;
        }
        let mut a = st.ws.snapshot();
        // The project env decides the default dialect and the live plan.
        let env = a
            .project()
            .and_then(|(_, p)| EnvInfo::of(p, st.opts.env.as_deref()));
        if let Some(d) = env.as_ref().and_then(EnvInfo::dialect) {
            if d != st.ws.default_dialect() {
                st.ws.set_default_dialect(d);
                a = st.ws.snapshot();
            }
        }
        st.live.env = env;
        let names = a.index().names_hash;
        let recheck = st.recheck_all || names != st.names_hash;
        st.names_hash = names;
        st.recheck_all = false;
        let open: Vec<(FileId, Uri, i32)> = st
            .docs
            .iter()
            .map(|(u, d)| (d.file, u.clone(), d.version))
            .collect();
        (a, open, recheck)
    };
    let open_ids: Vec<FileId> = open.iter().map(|o| o.0).collect();
    let a2 = a.clone();
    let first = tokio::task::spawn_blocking(move || {
        open_ids
            .into_iter()
            .map(|f| (f, diagnostics(&a2, f)))
            .collect::<Vec<_>>()
    })
    .await
    .unwrap_or_default();
    let versions: HashMap<FileId, (Uri, i32)> =
        open.into_iter().map(|(f, u, v)| (f, (u, v))).collect();
    publish(&shared, &client, &a, gen, first, &versions, true).await;
    if recheck {
        let a2 = a.clone();
        let rest = tokio::task::spawn_blocking(move || {
            a2.files()
                .filter(|f| !f.open)
                .map(|f| (f.id, diagnostics(&a2, f.id)))
                .collect::<Vec<_>>()
        })
        .await
        .unwrap_or_default();
        publish(&shared, &client, &a, gen, rest, &versions, false).await;
    }
    live::schedule(shared, client, gen);
}

async fn publish(
    shared: &Arc<Shared>,
    client: &Client,
    a: &Analysis,
    gen: u64,
    diags: Vec<(FileId, Vec<Diag>)>,
    versions: &HashMap<FileId, (Uri, i32)>,
    always: bool,
) {
    let mut out = Vec::new();
    {
        let mut st = shared.lock();
        if st.gen != gen {
            return;
        }
        let dev = std::mem::take(&mut st.live.dev_diags);
        for (file, mut ds) in diags {
            let name = a.file(file).map(|f| f.name.clone());
            for d in dev
                .iter()
                .filter(|d| d.span.as_ref().map(|s| &s.file) == name.as_ref())
            {
                let span = d.span.as_ref().unwrap();
                ds.push(Diag {
                    range: span.start..span.end,
                    severity: d.severity,
                    code: d.code.to_string(),
                    message: d.message.clone(),
                    help: d.help.clone(),
                    related: Vec::new(),
                });
            }
            let fp = crate::analysis::diagnostics::fingerprint(&ds);
            let version = versions.get(&file).map(|v| v.1);
            let prev = st.published.insert(file, fp);
            let send = (always && version.is_some())
                || prev.is_some_and(|p| p != fp)
                || (prev.is_none() && !ds.is_empty());
            if !send {
                continue;
            }
            let Some(ix) = st.line_index(a, file) else {
                continue;
            };
            let uri = match versions.get(&file) {
                Some((u, _)) => u.clone(),
                None => match st.uri_of(a, file) {
                    Some(u) => u,
                    None => continue,
                },
            };
            let mut list: Vec<Diagnostic> = Vec::with_capacity(ds.len());
            for d in &ds {
                let related = d
                    .related
                    .iter()
                    .filter_map(|(fr, msg)| {
                        Some(DiagnosticRelatedInformation {
                            location: st.location(a, fr.file, &fr.range)?,
                            message: msg.clone(),
                        })
                    })
                    .collect();
                list.push(to_lsp::diagnostic(d, &ix, related));
            }
            out.push((uri, list, version));
        }
        st.live.dev_diags = dev;
    }
    for (uri, list, version) in out {
        client.publish_diagnostics(uri, list, version).await;
    }
}

fn server_capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), "(".into(), "\"".into()]),
            ..CompletionOptions::default()
        }),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        document_formatting_provider: Some(OneOf::Left(true)),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: to_lsp::legend(),
                full: Some(SemanticTokensFullOptions::Bool(true)),
                range: Some(true),
                ..SemanticTokensOptions::default()
            },
        )),
        inlay_hint_provider: Some(OneOf::Left(true)),
        code_lens_provider: Some(CodeLensOptions {
            resolve_provider: Some(false),
        }),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        execute_command_provider: Some(ExecuteCommandOptions {
            commands: vec![PREVIEW_PLAN.into(), APPLY_PLAN.into()],
            ..ExecuteCommandOptions::default()
        }),
        workspace: Some(WorkspaceServerCapabilities {
            workspace_folders: None,
            file_operations: Some(file_operations()),
        }),
        ..ServerCapabilities::default()
    }
}

/// Files created, deleted or renamed in the editor (schema files, and folders,
/// which may hold some).
fn file_operations() -> WorkspaceFileOperationsServerCapabilities {
    let filter = |glob: &str, kind| FileOperationFilter {
        scheme: Some("file".into()),
        pattern: FileOperationPattern {
            glob: glob.into(),
            matches: Some(kind),
            options: None,
        },
    };
    let opts = FileOperationRegistrationOptions {
        filters: vec![
            filter("**/*.{hcl,sql}", FileOperationPatternKind::File),
            filter("**/*", FileOperationPatternKind::Folder),
        ],
    };
    WorkspaceFileOperationsServerCapabilities {
        did_create: Some(opts.clone()),
        did_rename: Some(opts.clone()),
        did_delete: Some(opts),
        ..WorkspaceFileOperationsServerCapabilities::default()
    }
}

/// Globs of the files whose changes on disk the server asks to hear about.
pub const WATCHED: [&str; 4] = ["**/*.hcl", "**/*.sql", "**/strata.hcl", "**/atlas.hcl"];

/// What happened to a file on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileEvent {
    Created,
    Changed,
    Deleted,
}

impl Backend {
    /// Reads the workspace's schema files from disk into the analysis.
    fn index_workspace(&self, root: &std::path::Path) {
        let (env, vars) = {
            let st = self.shared.lock();
            (st.opts.env.clone(), st.opts.vars.clone())
        };
        let paths = scan::files_to_index(root, env.as_deref(), &vars);
        let texts: Vec<(String, String)> = paths
            .into_iter()
            .filter_map(|(p, explicit)| {
                let text = std::fs::read_to_string(&p).ok()?;
                (explicit || scan::looks_like_schema(&p, &text))
                    .then(|| (p.to_string_lossy().to_string(), text))
            })
            .collect();
        let mut st = self.shared.lock();
        for (name, text) in texts {
            // An open document's text wins over the disk.
            if st.ws.file_id(&name).is_some_and(|id| st.ws.is_open(id)) {
                continue;
            }
            st.ws.set_file(&name, Arc::from(text), FileOpts::default());
        }
        st.recheck_all = true;
        // Parse everything now, so the first request is fast.
        let a = st.ws.snapshot();
        let env = a
            .project()
            .and_then(|(_, p)| EnvInfo::of(p, st.opts.env.as_deref()));
        if let Some(d) = env.as_ref().and_then(EnvInfo::dialect) {
            st.ws.set_default_dialect(d);
            st.ws.snapshot();
        }
        st.live.env = env;
    }

    /// Reloads a file that is not open from disk (or drops it when gone).
    fn reload_from_disk(&self, st: &mut State, name: &str) {
        let Some(id) = st.ws.file_id(name) else {
            return;
        };
        if st.ws.is_open(id) {
            return;
        }
        match std::fs::read_to_string(name) {
            Ok(text) => {
                st.ws.set_file(name, Arc::from(text), FileOpts::default());
            }
            Err(_) => self.drop_file(st, id, name),
        }
        st.recheck_all = true;
    }

    /// Removes a file from the workspace and clears what was published for it.
    fn drop_file(&self, st: &mut State, id: FileId, name: &str) {
        st.ws.remove_file(name);
        st.lines.remove(&id);
        let uri = st.uris.remove(&id).or_else(|| uri_of_name(name));
        if st.published.remove(&id).is_some() {
            if let Some(uri) = uri {
                let client = self.client.clone();
                tokio::spawn(
                    async move { client.publish_diagnostics(uri, Vec::new(), None).await },
                );
            }
        }
        st.recheck_all = true;
    }

    /// Applies what happened on disk: changed files are read again, deleted
    /// ones dropped; a new file, a folder, or a changed project file (whose env
    /// `src` may now name other files) re-scans the sources. Open documents
    /// keep their editor text.
    fn file_events(&self, st: &mut State, events: Vec<(Uri, FileEvent)>) {
        let mut rescan = false;
        for (uri, ev) in events {
            let name = name_of(&uri);
            let kind = FileKind::of_name(&name);
            if kind.is_none() || kind == Some(FileKind::Config) {
                rescan = true;
            }
            let known = st.ws.file_id(&name);
            if known.is_some_and(|id| st.ws.is_open(id)) {
                continue;
            }
            match (ev, known) {
                (FileEvent::Deleted, Some(id)) => self.drop_file(st, id, &name),
                (FileEvent::Deleted, None) => {}
                (_, Some(_)) => self.reload_from_disk(st, &name),
                (_, None) => rescan = true,
            }
        }
        if rescan {
            self.rescan(st);
        }
        self.changed(st);
    }

    /// Brings the workspace in line with the files that belong to it on disk
    /// (the project env's `src`, else the folder's schema files): adds the new
    /// ones, drops those that no longer belong. Open documents stay.
    fn rescan(&self, st: &mut State) {
        let Some(root) = st.root.clone() else {
            return;
        };
        let paths = scan::files_to_index(&root, st.opts.env.as_deref(), &st.opts.vars);
        let mut want = std::collections::HashSet::new();
        for (p, explicit) in paths {
            let name = p.to_string_lossy().to_string();
            if st.ws.file_id(&name).is_none() {
                let Ok(text) = std::fs::read_to_string(&p) else {
                    continue;
                };
                if !(explicit || scan::looks_like_schema(&p, &text)) {
                    continue;
                }
                st.ws.set_file(&name, Arc::from(text), FileOpts::default());
            }
            want.insert(name);
        }
        let stale: Vec<(FileId, String)> = st
            .ws
            .files()
            .filter(|(id, name)| !want.contains(*name) && !st.ws.is_open(*id))
            .map(|(id, name)| (id, name.to_string()))
            .collect();
        for (id, name) in stale {
            self.drop_file(st, id, &name);
        }
        st.recheck_all = true;
    }

    fn preview(&self) -> Result<Value> {
        let (a, env) = {
            let mut st = self.shared.lock();
            (st.ws.snapshot(), st.live.env.clone())
        };
        let env = env.ok_or_else(|| {
            internal("no strata.hcl or atlas.hcl env with a `url`: nothing to plan against")
        })?;
        let session = plan::compute(&a, &env).map_err(|e| internal(live::describe(&e)))?;
        Ok(plan::preview_json(&env, &session))
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let root = {
            let mut st = self.shared.lock();
            if let Some(o) = &params.initialization_options {
                st.opts.merge_json(o);
            }
            let inputs = crate::analysis::config::Inputs {
                vars: st.opts.vars.clone(),
                env: st.opts.env.clone(),
                trusted: st.opts.trusted,
            };
            st.ws.set_project_inputs(inputs);
            let caps = &params.capabilities;
            let utf8 = caps
                .general
                .as_ref()
                .and_then(|g| g.position_encodings.as_ref())
                .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
            st.enc = if utf8 {
                Encoding::Utf8
            } else {
                Encoding::Utf16
            };
            let td = caps.text_document.as_ref();
            let ws = caps.workspace.as_ref();
            st.flags = ClientFlags {
                snippets: td
                    .and_then(|t| t.completion.as_ref())
                    .and_then(|c| c.completion_item.as_ref())
                    .and_then(|c| c.snippet_support)
                    .unwrap_or(false),
                change_annotations: ws
                    .and_then(|w| w.workspace_edit.as_ref())
                    .and_then(|e| e.change_annotation_support.as_ref())
                    .is_some(),
                document_changes: ws
                    .and_then(|w| w.workspace_edit.as_ref())
                    .and_then(|e| e.document_changes)
                    .unwrap_or(false),
                code_lens_refresh: ws
                    .and_then(|w| w.code_lens.as_ref())
                    .and_then(|c| c.refresh_support)
                    .unwrap_or(false),
                link_support: td
                    .and_then(|t| t.definition.as_ref())
                    .and_then(|d| d.link_support)
                    .unwrap_or(false),
                watch_files: ws
                    .and_then(|w| w.did_change_watched_files.as_ref())
                    .and_then(|d| d.dynamic_registration)
                    .unwrap_or(false),
            };
            #[allow(deprecated)]
            let root = params
                .workspace_folders
                .as_ref()
                .and_then(|f| f.first())
                .map(|f| f.uri.clone())
                .or(params.root_uri.clone())
                .and_then(|u| u.to_file_path().map(|p| p.to_path_buf()));
            st.root = root.clone();
            root
        };
        if let Some(root) = root {
            self.index_workspace(&root);
        }
        let enc = self.shared.lock().enc;
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(match enc {
                    Encoding::Utf8 => PositionEncodingKind::UTF8,
                    Encoding::Utf16 => PositionEncodingKind::UTF16,
                }),
                ..server_capabilities()
            },
            server_info: Some(ServerInfo {
                name: "strata".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        let watch = {
            let mut st = self.shared.lock();
            self.changed(&mut st);
            st.flags.watch_files
        };
        if watch {
            let opts = DidChangeWatchedFilesRegistrationOptions {
                watchers: WATCHED
                    .iter()
                    .map(|g| FileSystemWatcher {
                        glob_pattern: GlobPattern::String(g.to_string()),
                        kind: None,
                    })
                    .collect(),
            };
            let reg = Registration {
                id: "strata-watch".into(),
                method: "workspace/didChangeWatchedFiles".into(),
                register_options: serde_json::to_value(opts).ok(),
            };
            let _ = self.client.register_capability(vec![reg]).await;
        }
    }

    async fn shutdown(&self) -> Result<()> {
        let mut st = self.shared.lock();
        if let Some(t) = st.analysis_task.take() {
            t.abort();
        }
        if let Some(t) = st.plan_task.take() {
            t.abort();
        }
        Ok(())
    }

    async fn did_open(&self, p: DidOpenTextDocumentParams) {
        let mut st = self.shared.lock();
        let uri = p.text_document.uri;
        let name = name_of(&uri);
        let (kind, dialect) = kind_and_dialect(&p.text_document.language_id, &name);
        let file = st.ws.set_file(
            &name,
            Arc::from(p.text_document.text.as_str()),
            FileOpts {
                kind,
                dialect,
                open: true,
            },
        );
        st.uris.insert(file, uri.clone());
        st.docs.insert(
            uri,
            Doc {
                rope: Rope::from_str(&p.text_document.text),
                version: p.text_document.version,
                file,
            },
        );
        self.changed(&mut st);
    }

    async fn did_change(&self, p: DidChangeTextDocumentParams) {
        let mut st = self.shared.lock();
        let enc = st.enc;
        let Some(doc) = st.docs.get_mut(&p.text_document.uri) else {
            return;
        };
        for c in &p.content_changes {
            apply_change(&mut doc.rope, c.range, &c.text, enc);
        }
        doc.version = p.text_document.version;
        let (file, text) = (doc.file, Arc::<str>::from(doc.rope.to_string()));
        st.ws.set_text(file, text);
        self.changed(&mut st);
    }

    async fn did_save(&self, _: DidSaveTextDocumentParams) {
        let mut st = self.shared.lock();
        // Without file watching, a save is when files created meanwhile are found.
        if !st.flags.watch_files {
            self.rescan(&mut st);
        }
        self.changed(&mut st);
    }

    async fn did_close(&self, p: DidCloseTextDocumentParams) {
        let mut st = self.shared.lock();
        let Some(doc) = st.docs.remove(&p.text_document.uri) else {
            return;
        };
        let name = name_of(&p.text_document.uri);
        st.ws.set_open(doc.file, false);
        // The buffer may hold unsaved text: the disk is the truth again.
        let on_disk = std::fs::read_to_string(&name).ok();
        match on_disk {
            Some(text) => {
                st.ws.set_text(doc.file, Arc::from(text));
            }
            None => {
                st.ws.remove_file(&name);
                st.published.remove(&doc.file);
                let client = self.client.clone();
                let uri = p.text_document.uri.clone();
                tokio::spawn(
                    async move { client.publish_diagnostics(uri, Vec::new(), None).await },
                );
            }
        }
        st.recheck_all = true;
        self.changed(&mut st);
    }

    async fn did_change_watched_files(&self, p: DidChangeWatchedFilesParams) {
        let events = p
            .changes
            .into_iter()
            .filter_map(|c| {
                let ev = match c.typ {
                    FileChangeType::CREATED => FileEvent::Created,
                    FileChangeType::CHANGED => FileEvent::Changed,
                    FileChangeType::DELETED => FileEvent::Deleted,
                    _ => return None,
                };
                // The watcher reports schema files only.
                FileKind::of_name(&name_of(&c.uri)).map(|_| (c.uri, ev))
            })
            .collect();
        let mut st = self.shared.lock();
        self.file_events(&mut st, events);
    }

    async fn did_create_files(&self, p: CreateFilesParams) {
        let events = p
            .files
            .iter()
            .filter_map(|f| Some((f.uri.parse().ok()?, FileEvent::Created)))
            .collect();
        let mut st = self.shared.lock();
        self.file_events(&mut st, events);
    }

    async fn did_delete_files(&self, p: DeleteFilesParams) {
        let events = p
            .files
            .iter()
            .filter_map(|f| Some((f.uri.parse().ok()?, FileEvent::Deleted)))
            .collect();
        let mut st = self.shared.lock();
        self.file_events(&mut st, events);
    }

    async fn did_rename_files(&self, p: RenameFilesParams) {
        let mut events = Vec::new();
        for f in &p.files {
            if let (Ok(old), Ok(new)) = (f.old_uri.parse(), f.new_uri.parse()) {
                events.push((old, FileEvent::Deleted));
                events.push((new, FileEvent::Created));
            }
        }
        let mut st = self.shared.lock();
        self.file_events(&mut st, events);
    }

    async fn hover(&self, p: HoverParams) -> Result<Option<Hover>> {
        let tp = p.text_document_position_params;
        let Some(s) = self.snap(&tp.text_document.uri) else {
            return Ok(None);
        };
        let offset = s.ix.offset(tp.position);
        Ok(
            guard("hover", || hover(&s.a, s.file, offset)).map(|h| Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: h.markdown,
                }),
                range: Some(s.ix.range(&h.range)),
            }),
        )
    }

    async fn completion(&self, p: CompletionParams) -> Result<Option<CompletionResponse>> {
        let tp = p.text_document_position;
        let Some(s) = self.snap(&tp.text_document.uri) else {
            return Ok(None);
        };
        let snippets = self.shared.lock().flags.snippets;
        let offset = s.ix.offset(tp.position);
        Ok(guard("completion", || completion(&s.a, s.file, offset))
            .map(|c| to_lsp::completion(c, &s.ix, snippets)))
    }

    async fn goto_definition(
        &self,
        p: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let tp = p.text_document_position_params;
        let Some(s) = self.snap(&tp.text_document.uri) else {
            return Ok(None);
        };
        let offset = s.ix.offset(tp.position);
        let targets =
            guard("definition", || Some(goto_definition(&s.a, s.file, offset))).unwrap_or_default();
        if targets.is_empty() {
            return Ok(None);
        }
        let origin = nav::symbol_at(&s.a, s.file, offset).map(|sym| s.ix.range(&sym.range));
        let mut st = self.shared.lock();
        if st.flags.link_support {
            let links = targets
                .iter()
                .filter_map(|t| {
                    let ix = st.line_index(&s.a, t.file)?;
                    Some(LocationLink {
                        origin_selection_range: origin,
                        target_uri: st.uri_of(&s.a, t.file)?,
                        target_range: ix.range(&t.full_range),
                        target_selection_range: ix.range(&t.focus_range),
                    })
                })
                .collect();
            return Ok(Some(GotoDefinitionResponse::Link(links)));
        }
        let locs = targets
            .iter()
            .filter_map(|t| st.location(&s.a, t.file, &t.focus_range))
            .collect();
        Ok(Some(GotoDefinitionResponse::Array(locs)))
    }

    async fn references(&self, p: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let tp = p.text_document_position;
        let Some(s) = self.snap(&tp.text_document.uri) else {
            return Ok(None);
        };
        let offset = s.ix.offset(tp.position);
        let refs = guard("references", || {
            Some(references(
                &s.a,
                s.file,
                offset,
                p.context.include_declaration,
            ))
        })
        .unwrap_or_default();
        let mut st = self.shared.lock();
        Ok(Some(
            refs.iter()
                .filter_map(|r| st.location(&s.a, r.file, &r.range))
                .collect(),
        ))
    }

    async fn document_highlight(
        &self,
        p: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let tp = p.text_document_position_params;
        let Some(s) = self.snap(&tp.text_document.uri) else {
            return Ok(None);
        };
        let offset = s.ix.offset(tp.position);
        Ok(Some(
            guard("highlight", || Some(highlight(&s.a, s.file, offset)))
                .unwrap_or_default()
                .into_iter()
                .map(|h| DocumentHighlight {
                    range: s.ix.range(&h.range),
                    kind: Some(if h.def {
                        DocumentHighlightKind::WRITE
                    } else {
                        DocumentHighlightKind::READ
                    }),
                })
                .collect(),
        ))
    }

    async fn prepare_rename(
        &self,
        p: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        let offset = s.ix.offset(p.position);
        match guard("prepareRename", || {
            Some(prepare_rename(&s.a, s.file, offset))
        })
        .unwrap_or(Err(String::new()))
        {
            Ok((range, placeholder)) => Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
                range: s.ix.range(&range),
                placeholder,
            })),
            Err(_) => Ok(None),
        }
    }

    async fn rename(&self, p: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let tp = p.text_document_position;
        let Some(s) = self.snap(&tp.text_document.uri) else {
            return Ok(None);
        };
        let offset = s.ix.offset(tp.position);
        let sym = nav::symbol_at(&s.a, s.file, offset);
        let change = guard("rename", || Some(rename(&s.a, s.file, offset, &p.new_name)))
            .unwrap_or_else(|| Err("internal error".into()))
            .map_err(RpcError::invalid_params)?;
        let mut st = self.shared.lock();
        let flags = st.flags;
        let annotate =
            flags.change_annotations && flags.document_changes && !change.renamed_from.is_empty();
        let edits_of =
            |st: &mut State, file: FileId, edits: &[nav::Edit]| -> Option<(Uri, Vec<TextEdit>)> {
                let ix = st.line_index(&s.a, file)?;
                let uri = st.uri_of(&s.a, file)?;
                Some((
                    uri,
                    edits
                        .iter()
                        .map(|e| TextEdit::new(ix.range(&e.range), e.text.clone()))
                        .collect(),
                ))
            };
        if annotate || flags.document_changes {
            let mut docs = Vec::new();
            let files: std::collections::BTreeSet<FileId> = change
                .edits
                .keys()
                .chain(change.renamed_from.keys())
                .copied()
                .collect();
            for file in files {
                let Some((uri, plain)) = edits_of(
                    &mut st,
                    file,
                    change.edits.get(&file).map_or(&[][..], |v| v),
                ) else {
                    continue;
                };
                let mut edits: Vec<OneOf<TextEdit, AnnotatedTextEdit>> =
                    plain.into_iter().map(OneOf::Left).collect();
                if annotate {
                    if let Some((_, extra)) = edits_of(
                        &mut st,
                        file,
                        change.renamed_from.get(&file).map_or(&[][..], |v| v),
                    ) {
                        edits.extend(extra.into_iter().map(|e| {
                            OneOf::Right(AnnotatedTextEdit {
                                text_edit: e,
                                annotation_id: "renamed_from".into(),
                            })
                        }));
                    }
                }
                let version = st.docs.get(&uri).map(|d| d.version);
                docs.push(TextDocumentEdit {
                    text_document: OptionalVersionedTextDocumentIdentifier { uri, version },
                    edits,
                });
            }
            let annotations = annotate.then(|| {
                HashMap::from([(
                    "renamed_from".to_string(),
                    ChangeAnnotation {
                        label: "Keep the data: add `renamed_from`".into(),
                        needs_confirmation: Some(true),
                        description: Some(
                            "With renamed_from, the migration plan renames the object instead of dropping it and creating a new one".into(),
                        ),
                    },
                )])
            });
            if !annotate {
                remember_rename(&mut st, sym.as_ref(), &p.new_name, &s.a);
            }
            return Ok(Some(WorkspaceEdit {
                document_changes: Some(DocumentChanges::Edits(docs)),
                change_annotations: annotations,
                ..WorkspaceEdit::default()
            }));
        }
        let mut changes = HashMap::new();
        for (file, edits) in &change.edits {
            if let Some((uri, e)) = edits_of(&mut st, *file, edits) {
                changes.insert(uri, e);
            }
        }
        remember_rename(&mut st, sym.as_ref(), &p.new_name, &s.a);
        Ok(Some(WorkspaceEdit {
            changes: Some(changes),
            ..WorkspaceEdit::default()
        }))
    }

    async fn document_symbol(
        &self,
        p: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        let syms = guard("documentSymbol", || Some(document_symbols(&s.a, s.file)))
            .unwrap_or_default()
            .iter()
            .map(|d| to_lsp::document_symbol(d, &s.ix))
            .collect();
        Ok(Some(DocumentSymbolResponse::Nested(syms)))
    }

    async fn symbol(&self, p: WorkspaceSymbolParams) -> Result<Option<WorkspaceSymbolResponse>> {
        let a = self.shared.lock().ws.snapshot();
        let found =
            guard("workspace/symbol", || Some(workspace_symbols(&a, &p.query))).unwrap_or_default();
        let mut st = self.shared.lock();
        let out = found
            .into_iter()
            .filter_map(|w| {
                Some(WorkspaceSymbol {
                    location: OneOf::Left(st.location(&a, w.file, &w.range)?),
                    name: w.name,
                    kind: to_lsp::symbol_kind(w.kind),
                    tags: None,
                    container_name: w.container,
                    data: None,
                })
            })
            .collect();
        Ok(Some(WorkspaceSymbolResponse::Nested(out)))
    }

    async fn folding_range(&self, p: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        Ok(Some(
            guard("foldingRange", || Some(folding_ranges(&s.a, s.file)))
                .unwrap_or_default()
                .iter()
                .filter_map(|f| to_lsp::folding_range(f, &s.ix))
                .collect(),
        ))
    }

    async fn semantic_tokens_full(
        &self,
        p: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        // Whole-file tokens of a huge file cost tens of MB in JSON; clients then
        // color the visible range (`semanticTokens/range`) instead.
        if s.ix.text.len() > MAX_FULL_TOKENS_BYTES {
            return Ok(None);
        }
        let toks =
            guard("semanticTokens", || Some(semantic_tokens(&s.a, s.file))).unwrap_or_default();
        Ok(Some(SemanticTokensResult::Tokens(SemanticTokens {
            result_id: None,
            data: to_lsp::semantic_tokens(&toks, &s.ix),
        })))
    }

    async fn semantic_tokens_range(
        &self,
        p: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        let range = s.ix.offset(p.range.start)..s.ix.offset(p.range.end);
        let toks = guard("semanticTokens/range", || {
            Some(crate::analysis::semantic::semantic_tokens_in(
                &s.a,
                s.file,
                Some(range),
            ))
        })
        .unwrap_or_default();
        Ok(Some(SemanticTokensRangeResult::Tokens(SemanticTokens {
            result_id: None,
            data: to_lsp::semantic_tokens(&toks, &s.ix),
        })))
    }

    async fn inlay_hint(&self, p: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        let range = s.ix.offset(p.range.start)..s.ix.offset(p.range.end);
        Ok(Some(
            guard("inlayHint", || Some(inlay_hints(&s.a, s.file, range)))
                .unwrap_or_default()
                .into_iter()
                .map(|h| InlayHint {
                    position: s.ix.position(h.offset),
                    label: InlayHintLabel::String(h.label),
                    kind: (!h.warning).then_some(InlayHintKind::TYPE),
                    text_edits: None,
                    tooltip: h.tooltip.map(InlayHintTooltip::String),
                    padding_left: Some(true),
                    padding_right: None,
                    data: None,
                })
                .collect(),
        ))
    }

    async fn formatting(&self, p: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        match guard("formatting", || Some(format(&s.a, s.file))).unwrap_or(Ok(Vec::new())) {
            Ok(edits) => Ok(Some(
                edits
                    .into_iter()
                    .map(|e| TextEdit::new(s.ix.range(&e.range), e.text))
                    .collect(),
            )),
            // Syntax errors are already shown as diagnostics; leave the text alone.
            Err(_) => Ok(None),
        }
    }

    async fn code_lens(&self, p: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        let st = self.shared.lock();
        Ok(guard("codeLens", || {
            live::code_lenses(&st.live, &st.opts, &s.a, s.file, &s.ix)
        }))
    }

    async fn code_action(&self, p: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let Some(s) = self.snap(&p.text_document.uri) else {
            return Ok(None);
        };
        let mut out: Vec<CodeActionOrCommand> = Vec::new();
        let uri = p.text_document.uri.clone();
        // "did you mean `x`?" → replace.
        for d in &p.context.diagnostics {
            let Some(help) = d
                .data
                .as_ref()
                .and_then(|v| v.get("help"))
                .and_then(Value::as_str)
            else {
                continue;
            };
            let Some(name) = help
                .strip_prefix("did you mean `")
                .and_then(|r| r.split('`').next())
            else {
                continue;
            };
            let edit = WorkspaceEdit {
                changes: Some(HashMap::from([(
                    uri.clone(),
                    vec![TextEdit::new(d.range, name.to_string())],
                )])),
                ..WorkspaceEdit::default()
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Change to `{name}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(edit),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        let offset = s.ix.offset(p.range.start);
        let mut st = self.shared.lock();
        // After a rename: offer `renamed_from` so the plan renames instead of drop + add.
        if let Some(sym) =
            guard("codeAction", || nav::symbol_at(&s.a, s.file, offset)).filter(|x| x.on_def)
        {
            if let Some(r) = st.renames.iter().rev().find(|r| r.key == sym.key).cloned() {
                for loc in &sym.defs {
                    if let Some(e) = nav::renamed_from_edit(&s.a, *loc, &r.old) {
                        let (Some(ix), Some(u)) =
                            (st.line_index(&s.a, loc.file), st.uri_of(&s.a, loc.file))
                        else {
                            continue;
                        };
                        let edit = WorkspaceEdit {
                            changes: Some(HashMap::from([(
                                u,
                                vec![TextEdit::new(ix.range(&e.range), e.text)],
                            )])),
                            ..WorkspaceEdit::default()
                        };
                        out.push(CodeActionOrCommand::CodeAction(CodeAction {
                            title: format!(
                                "Add `renamed_from = \"{}\"` (rename instead of drop + create)",
                                r.old
                            ),
                            kind: Some(CodeActionKind::QUICKFIX),
                            edit: Some(edit),
                            ..CodeAction::default()
                        }));
                    }
                }
            }
        }
        if let Some((title, e)) = guard("codeAction", || {
            crate::analysis::actions::add_fk_index(&s.a, s.file, offset)
        }) {
            let edit = WorkspaceEdit {
                changes: Some(HashMap::from([(
                    uri.clone(),
                    vec![TextEdit::new(s.ix.range(&e.range), e.text)],
                )])),
                ..WorkspaceEdit::default()
            };
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                edit: Some(edit),
                ..CodeAction::default()
            }));
        }
        if st.live.env.as_ref().is_some_and(|e| e.env.url.is_some()) {
            out.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: "strata: preview the migration plan".into(),
                kind: Some(CodeActionKind::SOURCE),
                command: Some(Command {
                    title: "Preview plan".into(),
                    command: PREVIEW_PLAN.into(),
                    arguments: None,
                }),
                ..CodeAction::default()
            }));
        }
        Ok(Some(out))
    }

    async fn execute_command(&self, p: ExecuteCommandParams) -> Result<Option<Value>> {
        match p.command.as_str() {
            PREVIEW_PLAN => {
                let this = Backend {
                    client: self.client.clone(),
                    shared: self.shared.clone(),
                };
                let v = tokio::task::spawn_blocking(move || this.preview())
                    .await
                    .map_err(internal)??;
                Ok(Some(v))
            }
            APPLY_PLAN => {
                let expected = p
                    .arguments
                    .first()
                    .and_then(|v| v.get("expectedSql"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                let (a, env) = {
                    let mut st = self.shared.lock();
                    (st.ws.snapshot(), st.live.env.clone())
                };
                let env = env.ok_or_else(|| internal("no env to apply to"))?;
                let v =
                    tokio::task::spawn_blocking(move || plan::apply(&a, &env, expected.as_deref()))
                        .await
                        .map_err(internal)?
                        .map_err(|e| internal(live::describe(&e)))?;
                let mut st = self.shared.lock();
                self.changed(&mut st);
                Ok(Some(v))
            }
            other => Err(RpcError::invalid_params(format!("unknown command {other}"))),
        }
    }
}

fn remember_rename(st: &mut State, sym: Option<&nav::Symbol>, new_name: &str, a: &Analysis) {
    let Some(sym) = sym else { return };
    let Some(old) = sym
        .defs
        .first()
        .and_then(|l| a.def(*l))
        .map(|d| d.name.clone())
    else {
        return;
    };
    let n = new_name.to_lowercase();
    let key = match &sym.key {
        SymbolKey::Relation { schema, .. } => SymbolKey::Relation {
            schema: schema.clone(),
            name: n,
        },
        SymbolKey::Column { schema, table, .. } => SymbolKey::Column {
            schema: schema.clone(),
            table: table.clone(),
            name: n,
        },
        SymbolKey::Index { schema, table, .. } => SymbolKey::Index {
            schema: schema.clone(),
            table: table.clone(),
            name: n,
        },
        _ => return,
    };
    st.renames.push(RecentRename { key, old });
    if st.renames.len() > 20 {
        st.renames.remove(0);
    }
}

/// Serves LSP over stdin/stdout until the client exits.
pub fn run_stdio() -> std::io::Result<()> {
    // Few threads: analysis is quick, and every thread that allocates a big
    // document text gets its own malloc arena that keeps the memory.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(4)
        .enable_all()
        .build()?;
    rt.block_on(serve(
        tokio::io::stdin(),
        tokio::io::stdout(),
        Options::default(),
    ));
    // The guard may still wait on stdin (a blocking read the client need not
    // end after `exit`): do not wait for it.
    rt.shutdown_background();
    Ok(())
}
