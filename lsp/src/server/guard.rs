//! A guard between the client's byte stream and tower-lsp-server, so that one
//! malformed message cannot end the session.
//!
//! tower-lsp-server reads with a `FramedRead`, and a framed stream ends after
//! its decoder's first error: a truncated body or a lone surrogate escape
//! (`"x\ud83d"`, which `JSON.stringify` writes for a string holding half a
//! surrogate pair, and which serde_json refuses) made the server answer
//! "Parse error" and then exit. Here every message is framed first: lone
//! surrogate escapes become U+FFFD, invalid UTF-8 is replaced likewise, and a
//! body that is still not JSON is answered with a JSON-RPC parse error (id
//! null) by this guard and never reaches the server. Responses from the server
//! and from the guard are written whole, one frame at a time, so they never
//! interleave.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

/// Pipes' capacity between the guard and the server.
const PIPE: usize = 1 << 16;
/// A body larger than this is refused (and skipped) rather than buffered.
const MAX_BODY: usize = 256 << 20;

/// Runs `serve_on(server_input, server_output)` behind the guard on `input`
/// and `output`; returns when the server is done.
pub async fn guarded<I, O, S, F>(input: I, output: O, serve_on: S)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
    S: FnOnce(tokio::io::DuplexStream, tokio::io::DuplexStream) -> F,
    F: std::future::Future<Output = ()>,
{
    let (mut feed, server_in) = tokio::io::duplex(PIPE);
    let (server_out, drain) = tokio::io::duplex(PIPE);
    // Whole frames to write; `None` once the server's output has ended.
    let (out_tx, out_rx) = mpsc::unbounded_channel::<Option<Vec<u8>>>();
    let errors = out_tx.clone();
    let reader = async move {
        read_loop(input, &mut feed, errors).await;
        // End of input: the server sees it and finishes; the writer then drains.
        drop(feed);
        std::future::pending::<()>().await
    };
    let server_frames = async move {
        let mut drain = BufReader::new(drain);
        let mut pushback = Vec::new();
        while let Some(frame) = next_frame(&mut drain, &mut pushback).await {
            let _ = out_tx.send(Some(frame));
        }
        let _ = out_tx.send(None);
    };
    let server_and_writer = async {
        tokio::join!(
            serve_on(server_in, server_out),
            server_frames,
            write_loop(out_rx, output)
        );
    };
    tokio::select! {
        _ = server_and_writer => {}
        _ = reader => {}
    }
}

/// Frames the client's messages, cleans each one and passes it on; answers
/// the ones that are still not JSON.
async fn read_loop<I: AsyncRead + Unpin, W: AsyncWrite + Unpin>(
    input: I,
    feed: &mut W,
    errors: mpsc::UnboundedSender<Option<Vec<u8>>>,
) {
    let mut input = BufReader::new(input);
    // Bytes of a body that turned out to hold the start of the next message.
    let mut pushback: Vec<u8> = Vec::new();
    loop {
        let Some(body) = next_frame(&mut input, &mut pushback).await else {
            return;
        };
        match clean(&body) {
            Ok(json) => {
                let frame = format!("Content-Length: {}\r\n\r\n", json.len());
                if feed.write_all(frame.as_bytes()).await.is_err()
                    || feed.write_all(json.as_bytes()).await.is_err()
                    || feed.flush().await.is_err()
                {
                    return;
                }
            }
            Err(reply) => {
                // A body cut short often swallowed the next message's header:
                // read on from there instead of losing that message too.
                if let Some(at) = find(&body, b"Content-Length:") {
                    let mut rest = body[at..].to_vec();
                    rest.extend_from_slice(&pushback);
                    pushback = rest;
                }
                let _ = errors.send(Some(reply.to_string().into_bytes()));
            }
        }
    }
}

/// The next message body: headers up to the empty line, then exactly
/// `Content-Length` bytes. `None` at the end of input. Header lines that are
/// not `Content-Length` are ignored; a header block without one is skipped.
async fn next_frame<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
    pushback: &mut Vec<u8>,
) -> Option<Vec<u8>> {
    loop {
        let mut len: Option<usize> = None;
        let mut saw_header = false;
        loop {
            let line = read_line(input, pushback).await?;
            let text = String::from_utf8_lossy(&line);
            let text = text.trim();
            if text.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((name, value)) = text.split_once(':') {
                // The tail of a body longer than its Content-Length may sit
                // in front of the next header on the same line.
                if name.trim().to_ascii_lowercase().ends_with("content-length") {
                    len = value.trim().parse().ok();
                }
            }
        }
        let Some(len) = len.filter(|&l| l <= MAX_BODY) else {
            continue;
        };
        let mut body = vec![0u8; len];
        let from_pushback = len.min(pushback.len());
        body[..from_pushback].copy_from_slice(&pushback[..from_pushback]);
        pushback.drain(..from_pushback);
        if from_pushback < len {
            input.read_exact(&mut body[from_pushback..]).await.ok()?;
        }
        return Some(body);
    }
}

/// One header line, from the pushed-back bytes first.
async fn read_line<R: AsyncRead + Unpin>(
    input: &mut BufReader<R>,
    pushback: &mut Vec<u8>,
) -> Option<Vec<u8>> {
    if let Some(nl) = pushback.iter().position(|&b| b == b'\n') {
        return Some(pushback.drain(..=nl).collect());
    }
    let mut line = std::mem::take(pushback);
    let n = input.read_until(b'\n', &mut line).await.ok()?;
    (n > 0 || !line.is_empty())
        .then_some(line)
        .filter(|l| !l.is_empty())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// What tower-lsp-server's decoder accepts; anything else would end its
/// input stream.
#[derive(serde::Deserialize)]
#[serde(untagged)]
#[allow(dead_code)]
enum Message {
    Response(tower_lsp_server::jsonrpc::Response),
    Request(tower_lsp_server::jsonrpc::Request),
}

/// The body as a JSON-RPC message the server accepts: invalid UTF-8 and lone
/// surrogate escapes replaced by U+FFFD. Otherwise the error reply to send:
/// -32700 when it is not JSON, -32600 (with its id, when it has a usable one)
/// when it is JSON but no JSON-RPC message.
fn clean(body: &[u8]) -> Result<String, serde_json::Value> {
    let text = String::from_utf8_lossy(body);
    let text = replace_lone_surrogates(&text);
    if serde_json::from_str::<Message>(&text).is_ok() {
        return Ok(text);
    }
    let reply = |id: serde_json::Value, code: i32, what: String| {
        serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": {"code": code, "message": format!("{what}; the message was skipped")},
        })
    };
    Err(match serde_json::from_str::<serde_json::Value>(&text) {
        Err(e) => reply(serde_json::Value::Null, -32700, format!("Parse error: {e}")),
        Ok(v) => {
            let id = v
                .get("id")
                .filter(|id| id.is_i64() || id.is_string())
                .cloned()
                .unwrap_or_default();
            reply(
                id,
                -32600,
                "Invalid Request: not a JSON-RPC 2.0 message".into(),
            )
        }
    })
}

/// `\uD83D` not followed by a low surrogate escape (or a low one not preceded
/// by a high one) becomes `\uFFFD`; pairs and every other escape are kept.
pub fn replace_lone_surrogates(text: &str) -> String {
    let b = text.as_bytes();
    let hex = |at: usize| -> Option<u16> {
        let s = text.get(at..at + 4)?;
        u16::from_str_radix(s, 16).ok()
    };
    // `\uXXXX` at `at`, as a code unit.
    let escape = |at: usize| -> Option<u16> {
        (b.get(at) == Some(&b'\\') && b.get(at + 1) == Some(&b'u'))
            .then(|| hex(at + 2))
            .flatten()
    };
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        match escape(i) {
            Some(0xD800..=0xDBFF) => {
                if matches!(escape(i + 6), Some(0xDC00..=0xDFFF)) {
                    i += 12;
                } else {
                    out.push_str(&text[last..i]);
                    out.push_str("\\uFFFD");
                    i += 6;
                    last = i;
                }
            }
            Some(0xDC00..=0xDFFF) => {
                out.push_str(&text[last..i]);
                out.push_str("\\uFFFD");
                i += 6;
                last = i;
            }
            Some(_) => i += 6,
            // Any other escape is two characters (`\\`, `\"`, `\n` …).
            None => i += 2,
        }
    }
    if last == 0 {
        return text.to_string();
    }
    out.push_str(&text[last..]);
    out
}

/// Writes the server's frames and the guard's error replies to `output`,
/// each frame whole, until the server's output has ended.
async fn write_loop<O: AsyncWrite>(
    mut frames: mpsc::UnboundedReceiver<Option<Vec<u8>>>,
    output: O,
) {
    tokio::pin!(output);
    while let Some(Some(frame)) = frames.recv().await {
        let head = format!("Content-Length: {}\r\n\r\n", frame.len());
        if output.write_all(head.as_bytes()).await.is_err()
            || output.write_all(&frame).await.is_err()
            || output.flush().await.is_err()
        {
            break;
        }
    }
    let _ = output.flush().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_become_replacement_characters_and_pairs_stay() {
        assert_eq!(replace_lone_surrogates(r#""x\ud83d""#), r#""x\uFFFD""#);
        assert_eq!(replace_lone_surrogates(r#""\udc00y""#), r#""\uFFFDy""#);
        assert_eq!(
            replace_lone_surrogates(r#""\ud83d\ude00""#),
            r#""\ud83d\ude00""#
        );
        assert_eq!(replace_lone_surrogates(r#""\\ud83d""#), r#""\\ud83d""#);
        assert_eq!(replace_lone_surrogates(r#""\ud83d\n""#), r#""\uFFFD\n""#);
        let s: String = serde_json::from_str(&replace_lone_surrogates(r#""x\ud83d""#)).unwrap();
        assert_eq!(s, "x\u{FFFD}");
    }

    #[test]
    fn bodies_that_are_not_json_rpc_are_refused_with_the_right_code() {
        let code = |b: &[u8]| clean(b).unwrap_err()["error"]["code"].as_i64();
        assert_eq!(code(br#"{"jsonrpc":"2.0","id":1,"meth"#), Some(-32700));
        assert_eq!(code(br#"{"a":1}"#), Some(-32600));
        assert_eq!(clean(br#"{"id":7,"x":1}"#).unwrap_err()["id"], 7);
        let ok = |b: &[u8]| clean(b).is_ok();
        assert!(ok(
            br#"{"jsonrpc":"2.0","method":"m","params":{"t":"x\ud83d"}}"#
        ));
        assert!(ok(
            b"{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{\"t\":\"\xff\"}}"
        ));
        assert!(ok(br#"{"jsonrpc":"2.0","id":3,"result":null}"#));
    }
}
