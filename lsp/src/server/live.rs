//! The live plan: after edits settle, run core's planner against the project
//! env's target in the background and show the result as code lenses. A
//! connection failure is shown once, not on every keystroke.

use super::convert::LineIndex;
use super::{publish, Live, Options, Shared, PREVIEW_PLAN};
use crate::analysis::diagnostics::diagnostics;
use crate::analysis::plan;
use crate::analysis::{Analysis, FileId};
use std::collections::HashMap;
use std::sync::Arc;
use strata_core::pipeline;
use strata_core::Error;
use tower_lsp_server::ls_types::{CodeLens, Command, MessageType, Position, Range};
use tower_lsp_server::Client;

pub fn describe(e: &Error) -> String {
    match e {
        Error::Diagnostics(d) => {
            let errors: Vec<_> = d.iter().filter(|d| d.is_error()).collect();
            match errors.first() {
                Some(first) => {
                    format!("{} error(s) in the schema: {}", errors.len(), first.message)
                }
                None => "the schema has problems".into(),
            }
        }
        Error::Database(m) | Error::Io(m) | Error::Usage(m) => m.clone(),
    }
}

/// Starts the plan task for edit generation `gen` (after the diagnostics).
pub(super) fn schedule(shared: Arc<Shared>, client: Client, gen: u64) {
    let mut st = shared.lock();
    if st.gen != gen || !st.opts.live_plan {
        return;
    }
    if st.live.env.as_ref().is_none_or(|e| e.env.url.is_none()) {
        st.live.view = None;
        return;
    }
    if let Some(t) = st.plan_task.take() {
        t.abort();
    }
    let delay = st.opts.plan_debounce.saturating_sub(st.opts.debounce);
    let sh = shared.clone();
    st.plan_task = Some(tokio::spawn(async move {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        run(sh, client, gen).await;
    }));
}

async fn run(shared: Arc<Shared>, client: Client, gen: u64) {
    let (a, env, flags) = {
        let mut st = shared.lock();
        if st.gen != gen {
            return;
        }
        let Some(env) = st.live.env.clone() else {
            return;
        };
        (st.ws.snapshot(), env, st.flags)
    };
    let a2 = a.clone();
    let env2 = env.clone();
    let Ok((res, src)) = tokio::task::spawn_blocking(move || {
        let src = super::plan::src_file_ids(&a2, &env2);
        (
            super::plan::compute(&a2, &env2).map(pipeline::Session::into_planned),
            src,
        )
    })
    .await
    else {
        return;
    };
    let mut message = None;
    let touched: Vec<FileId>;
    {
        let mut st = shared.lock();
        if st.gen != gen {
            return;
        }
        let before: Vec<Arc<str>> = st
            .live
            .dev_diags
            .iter()
            .filter_map(|d| d.span.as_ref().map(|s| s.file.clone()))
            .collect();
        st.live.src_files = src;
        match res {
            Ok(p) => {
                st.live.view = Some(plan::view(&p.plan, &p.findings));
                st.live.unavailable = None;
                st.live.warned = false;
                st.live.dev_diags.clear();
            }
            Err(Error::Diagnostics(d)) => {
                st.live.view = None;
                st.live.unavailable = Some(format!(
                    "plan unavailable: {}",
                    describe(&Error::Diagnostics(d.clone()))
                ));
                st.live.dev_diags = d.into_iter().filter(|d| d.code == "dev-database").collect();
            }
            Err(e) => {
                st.live.view = None;
                let why = describe(&e);
                st.live.unavailable = Some(format!("plan unavailable: {why}"));
                if !st.live.warned {
                    st.live.warned = true;
                    message = Some(format!(
                        "strata: cannot compute the live plan for env \"{}\": {why}",
                        env.name()
                    ));
                }
            }
        }
        let after = st
            .live
            .dev_diags
            .iter()
            .filter_map(|d| d.span.as_ref().map(|s| s.file.clone()));
        let names: Vec<Arc<str>> = before.into_iter().chain(after).collect();
        touched = names.iter().filter_map(|n| a.file_id(n)).collect();
    }
    if let Some(m) = message {
        client.show_message(MessageType::WARNING, m).await;
    }
    if !touched.is_empty() {
        // Errors the dev database found join the files' diagnostics.
        let diags: Vec<_> = touched.iter().map(|f| (*f, diagnostics(&a, *f))).collect();
        let versions = {
            let st = shared.lock();
            st.docs
                .iter()
                .map(|(u, d)| (d.file, (u.clone(), d.version)))
                .collect::<HashMap<_, _>>()
        };
        publish(&shared, &client, &a, gen, diags, &versions, false).await;
    }
    if flags.code_lens_refresh {
        let _ = client.code_lens_refresh().await;
    }
}

pub(super) fn code_lenses(
    live: &Live,
    opts: &Options,
    a: &Analysis,
    file: FileId,
    ix: &LineIndex,
) -> Option<Vec<CodeLens>> {
    if !opts.live_plan || live.env.as_ref().is_none_or(|e| e.env.url.is_none()) {
        return None;
    }
    if !live.src_files.contains(&file) {
        return None;
    }
    let lens = |offset: usize, title: String| {
        let p = ix.position(offset);
        let at = Position::new(p.line, 0);
        CodeLens {
            range: Range::new(at, at),
            command: Some(Command {
                title,
                command: PREVIEW_PLAN.into(),
                arguments: None,
            }),
            data: None,
        }
    };
    match (&live.view, &live.unavailable) {
        (Some(v), _) => Some(
            plan::lenses(a, file, v)
                .into_iter()
                .map(|l| lens(l.offset, l.title))
                .collect(),
        ),
        (None, Some(why)) => Some(vec![lens(0, why.clone())]),
        (None, None) => None,
    }
}
