//! Files: Slack's upload flow (files.getUploadURLExternal, a POST of the bytes to
//! the returned URL, files.completeUploadExternal), files.info, files.list and
//! files.delete, the bytes behind `url_private`, and the `files` of the messages
//! that share them.
//!
//! Upload and download URLs point at the clone itself. They are absolute, so the
//! model needs the clone's public URL: [`with_public_url`] scopes it over one call
//! (the dispatcher and the upload/download handlers set it).

use std::future::Future;

use asym_clone_kit::secrets::{ALNUM, random_string};
use asym_store::Pool;
use serde_json::{Value, json};

use crate::errors::{SlackError, SlackResult};
use crate::events;
use crate::ids;
use crate::model::auth::{Principal, TokenKind};
use crate::model::conversations;
use crate::objects::{self, FileShareView};
use crate::store::channels::ChannelRow;
use crate::store::files::{self, FileRow, ListFilter, NewShare, Preview};
use crate::store::messages::{self, MessageRow};
use crate::store::workspace;
use crate::wire::{self, Args};

/// Slack's upload limit: 1 GB per file.
pub const MAX_FILE_BYTES: i64 = 1_000_000_000;
/// Snippets (`snippet_type`) are limited to 1 MB.
pub const MAX_SNIPPET_BYTES: i64 = 1024 * 1024;
/// `alt_txt` is limited to 1000 characters.
const MAX_ALT_TXT: usize = 1000;
/// A completion shares to at most 100 channels.
const MAX_CHANNELS: usize = 100;
/// A text file's preview: its first lines, up to this many characters.
const PREVIEW_LINES: usize = 5;
const PREVIEW_CHARS: usize = 1000;

tokio::task_local! {
    static PUBLIC_URL: String;
}

/// Runs `fut` with the clone's public URL (`http://127.0.0.1:3001/api`) known to
/// the file URLs it renders.
pub async fn with_public_url<F: Future>(public_url: &str, fut: F) -> F::Output {
    PUBLIC_URL.scope(public_url.to_string(), fut).await
}

/// The clone's origin (`http://127.0.0.1:3001`): its public URL without `/api`.
pub fn origin_of(public_url: &str) -> String {
    let u = public_url.trim_end_matches('/');
    u.strip_suffix("/api").unwrap_or(u).to_string()
}

fn origin() -> String {
    PUBLIC_URL.try_with(|u| origin_of(u)).unwrap_or_default()
}

/// The clone's origin inside a call scoped by [`with_public_url`] (empty outside).
pub fn public_origin() -> String {
    origin()
}

// -- files.getUploadURLExternal --

pub async fn get_upload_url(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["files:write"])?;
    let filename = args.required("filename")?;
    let length = args.int("length")?.ok_or_else(|| missing("length"))?;
    if length <= 0 {
        return Err(SlackError::Code("missing_argument"));
    }
    if length > MAX_FILE_BYTES {
        return Err(SlackError::Code("file_upload_size_restricted"));
    }
    let alt_txt = args.str("alt_txt");
    if alt_txt.as_ref().is_some_and(|a| a.chars().count() > MAX_ALT_TXT) {
        return Err(SlackError::Code("alt_txt_too_large"));
    }
    let snippet_type = args.str("snippet_type");
    let kind = match &snippet_type {
        Some(t) => {
            let pretty = snippet_pretty_type(t).ok_or(SlackError::Code("unknown_snippet_type"))?;
            if length > MAX_SNIPPET_BYTES {
                return Err(SlackError::Code("snippet_too_large"));
            }
            let mimetype = if t == "auto" { kind_of(&filename).mimetype } else { "text/plain" };
            let filetype = if t == "auto" { kind_of(&filename).filetype.to_string() } else { t.clone() };
            FileKind { mimetype, filetype, pretty_type: pretty.to_string(), snippet: true }
        }
        None => {
            let k = kind_of(&filename);
            FileKind { mimetype: k.mimetype, filetype: k.filetype.to_string(), pretty_type: k.pretty_type.to_string(), snippet: false }
        }
    };
    let row = FileRow {
        id: ids::random('F'),
        team_id: who.team_id.clone(),
        user_id: who.user_id.clone(),
        upload_key: random_string(56, ALNUM),
        state: files::PENDING.into(),
        title: filename.clone(),
        name: filename,
        alt_txt,
        snippet_type,
        mode: if kind.snippet { "snippet" } else { "hosted" }.into(),
        mimetype: kind.mimetype.into(),
        filetype: kind.filetype,
        pretty_type: kind.pretty_type,
        declared_length: length,
        size: 0,
        preview: None,
        lines: 0,
        preview_truncated: false,
        created: wire::now_secs(),
        public_secret: None,
    };
    files::insert_ticket(db, &row).await?;
    Ok(json!({ "upload_url": format!("{}/upload/v1/{}", origin(), row.upload_key), "file_id": row.id }))
}

fn missing(field: &str) -> SlackError {
    SlackError::InvalidArguments { messages: vec![format!("[ERROR] missing required field: {field}")] }
}

struct FileKind {
    mimetype: &'static str,
    filetype: String,
    pretty_type: String,
    snippet: bool,
}

/// Mimetype, Slack filetype and pretty type of a file, from its extension.
pub struct KnownKind {
    pub mimetype: &'static str,
    pub filetype: &'static str,
    pub pretty_type: &'static str,
}

pub fn kind_of(filename: &str) -> KnownKind {
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    let (mimetype, filetype, pretty_type) = match ext.as_str() {
        "txt" | "text" | "log" => ("text/plain", "text", "Plain Text"),
        "md" | "markdown" => ("text/plain", "markdown", "Markdown (raw)"),
        "csv" => ("text/csv", "csv", "CSV"),
        "tsv" => ("text/tab-separated-values", "tsv", "TSV"),
        "json" => ("application/json", "json", "JSON"),
        "xml" => ("text/xml", "xml", "XML"),
        "yaml" | "yml" => ("text/plain", "yaml", "YAML"),
        "html" | "htm" => ("text/html", "html", "HTML"),
        "css" => ("text/css", "css", "CSS"),
        "js" | "mjs" => ("text/javascript", "javascript", "JavaScript"),
        "ts" => ("text/plain", "typescript", "TypeScript"),
        "py" => ("text/plain", "python", "Python"),
        "rb" => ("text/plain", "ruby", "Ruby"),
        "rs" => ("text/plain", "rust", "Rust"),
        "go" => ("text/plain", "go", "Go"),
        "java" => ("text/plain", "java", "Java"),
        "c" | "h" => ("text/plain", "c", "C"),
        "cpp" | "cc" | "hpp" => ("text/plain", "cpp", "C++"),
        "sh" | "bash" => ("text/plain", "shell", "Shell"),
        "sql" => ("text/plain", "sql", "SQL"),
        "diff" | "patch" => ("text/plain", "diff", "Diff"),
        "png" => ("image/png", "png", "PNG"),
        "jpg" | "jpeg" => ("image/jpeg", "jpg", "JPEG"),
        "gif" => ("image/gif", "gif", "GIF"),
        "webp" => ("image/webp", "webp", "WebP"),
        "svg" => ("image/svg+xml", "svg", "SVG"),
        "bmp" => ("image/bmp", "bmp", "BMP"),
        "pdf" => ("application/pdf", "pdf", "PDF"),
        "zip" => ("application/zip", "zip", "Zip"),
        "gz" | "tgz" => ("application/gzip", "gzip", "GZip"),
        "doc" => ("application/msword", "doc", "Word Document"),
        "docx" => ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word Document"),
        "xls" => ("application/vnd.ms-excel", "xls", "Excel Spreadsheet"),
        "xlsx" => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel Spreadsheet"),
        "ppt" => ("application/vnd.ms-powerpoint", "ppt", "PowerPoint Presentation"),
        "pptx" => ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "PowerPoint Presentation"),
        "mp3" => ("audio/mpeg", "mp3", "MP3"),
        "wav" => ("audio/wav", "wav", "WAV"),
        "mp4" => ("video/mp4", "mp4", "MPEG 4 Video"),
        "mov" => ("video/quicktime", "mov", "QuickTime Movie"),
        _ => ("application/octet-stream", "binary", "Binary"),
    };
    KnownKind { mimetype, filetype, pretty_type }
}

/// The pretty type of a snippet syntax Slack knows; None for an unknown one.
pub fn snippet_pretty_type(t: &str) -> Option<&'static str> {
    Some(match t {
        "auto" => "Auto",
        "text" => "Plain Text",
        "applescript" => "AppleScript",
        "boxnote" => "BoxNote",
        "c" => "C",
        "csharp" => "C#",
        "cpp" => "C++",
        "css" => "CSS",
        "csv" => "CSV",
        "clojure" => "Clojure",
        "coffeescript" => "CoffeeScript",
        "cfm" => "ColdFusion",
        "d" => "D",
        "dart" => "Dart",
        "diff" => "Diff",
        "dockerfile" => "Docker",
        "elixir" => "Elixir",
        "erlang" => "Erlang",
        "fsharp" => "F#",
        "fortran" => "Fortran",
        "go" => "Go",
        "groovy" => "Groovy",
        "html" => "HTML",
        "handlebars" => "Handlebars",
        "haskell" => "Haskell",
        "haxe" => "Haxe",
        "java" => "Java",
        "javascript" => "JavaScript",
        "json" => "JSON",
        "julia" => "Julia",
        "kotlin" => "Kotlin",
        "latex" => "LaTeX/TeX",
        "lisp" => "Lisp",
        "lua" => "Lua",
        "markdown" => "Markdown (raw)",
        "matlab" => "MATLAB",
        "mumps" => "MUMPS",
        "objc" => "Objective-C",
        "ocaml" => "OCaml",
        "pascal" => "Pascal",
        "perl" => "Perl",
        "php" => "PHP",
        "pig" => "Pig",
        "powershell" => "PowerShell",
        "puppet" => "Puppet",
        "python" => "Python",
        "r" => "R",
        "ruby" => "Ruby",
        "rust" => "Rust",
        "sql" => "SQL",
        "sass" => "Sass",
        "scala" => "Scala",
        "scheme" => "Scheme",
        "shell" => "Shell",
        "smalltalk" => "Smalltalk",
        "swift" => "Swift",
        "tsv" => "TSV",
        "typescript" => "TypeScript",
        "vb" => "VB.NET",
        "vbscript" => "VBScript",
        "velocity" => "Velocity",
        "verilog" => "Verilog",
        "xml" => "XML",
        "yaml" => "YAML",
        _ => return None,
    })
}

// -- the upload URL --

/// Why an upload to an upload URL was refused (the handler picks the HTTP status).
#[derive(Debug, PartialEq, Eq)]
pub enum UploadRefusal {
    /// No open ticket has this key (never issued, or completed already).
    UnknownTicket,
    /// More bytes than the `length` declared to files.getUploadURLExternal.
    TooLarge { declared: i64 },
    /// No bytes at all (a declared length is at least 1).
    Empty,
}

/// The ticket behind an upload URL, if it still takes bytes.
pub async fn open_ticket(db: &Pool, key: &str) -> SlackResult<Option<FileRow>> {
    Ok(files::by_upload_key(db, key).await?.filter(|f| f.state != files::COMPLETE))
}

/// Stores the bytes posted to an upload URL. Returns the stored size.
pub async fn receive_upload(db: &Pool, ticket: &FileRow, content: Vec<u8>) -> SlackResult<Result<i64, UploadRefusal>> {
    if content.is_empty() {
        return Ok(Err(UploadRefusal::Empty));
    }
    if content.len() as i64 > ticket.declared_length {
        return Ok(Err(UploadRefusal::TooLarge { declared: ticket.declared_length }));
    }
    let preview = if is_text(ticket) { preview_of(&content) } else { Preview::default() };
    let size = content.len() as i64;
    if !files::store_content(db, &ticket.id, content, &preview).await? {
        return Ok(Err(UploadRefusal::UnknownTicket));
    }
    Ok(Ok(size))
}

fn is_text(f: &FileRow) -> bool {
    f.mode == "snippet"
        || f.mimetype.starts_with("text/")
        || matches!(f.mimetype.as_str(), "application/json" | "application/xml")
        || matches!(f.filetype.as_str(), "markdown" | "yaml" | "json" | "xml" | "csv" | "tsv")
}

/// The first lines of a UTF-8 text (nothing for other bytes).
pub fn preview_of(content: &[u8]) -> Preview {
    let Ok(text) = std::str::from_utf8(content) else {
        return Preview::default();
    };
    let lines = text.lines().count() as i64;
    let mut shown: String = text.lines().take(PREVIEW_LINES).collect::<Vec<_>>().join("\n");
    let mut truncated = lines > PREVIEW_LINES as i64;
    if shown.chars().count() > PREVIEW_CHARS {
        shown = shown.chars().take(PREVIEW_CHARS).collect();
        truncated = true;
    }
    Preview { text: Some(shown), lines, truncated }
}

// -- url_private --

/// The bytes behind `url_private` for `token`, with the file's name and
/// mimetype; None when the token may not read the file (Slack then sends the
/// browser to its sign-in page).
pub async fn download(db: &Pool, token: Option<&str>, team_id: &str, file_id: &str) -> SlackResult<Option<(FileRow, Vec<u8>)>> {
    let Ok(who) = crate::model::auth::authenticate(db, token).await else {
        return Ok(None);
    };
    if who.team_id != team_id || who.require_any(&["files:read"]).is_err() {
        return Ok(None);
    }
    let Some(f) = files::visible(db, &who.team_id, &who.user_id, file_id).await? else {
        return Ok(None);
    };
    Ok(files::content(db, &f.id).await?.map(|bytes| (f, bytes)))
}

// -- files.completeUploadExternal --

struct Completion {
    id: String,
    title: Option<String>,
}

fn parse_completions(args: &Args) -> SlackResult<Vec<Completion>> {
    let bad = |m: &str| SlackError::InvalidArguments { messages: vec![format!("[ERROR] {m} [json-pointer:/files]")] };
    let raw = args.json("files").map_err(|_| bad("invalid json"))?.ok_or_else(|| missing("files"))?;
    let items = raw.as_array().ok_or_else(|| bad("must be an array"))?;
    if items.is_empty() {
        return Err(bad("must provide at least 1 items"));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let id = item.get("id").and_then(Value::as_str).filter(|s| !s.is_empty()).ok_or_else(|| bad("missing required field: id"))?;
        let title = item.get("title").and_then(Value::as_str).filter(|s| !s.is_empty()).map(String::from);
        if !out.iter().any(|c: &Completion| c.id == id) {
            out.push(Completion { id: id.to_string(), title });
        }
    }
    Ok(out)
}

/// `channel_id` takes only conversation ids, as Slack validates it.
fn valid_channel_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some('C' | 'G' | 'D' | 'Z')) && id.len() >= 9 && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Where a completion shares its files: the channel, and whether `who` may post
/// there.
async fn destination(db: &Pool, who: &Principal, id: &str, not_found: SlackError) -> SlackResult<ChannelRow> {
    let (c, member) = match conversations::visible(db, who, id).await {
        Ok(found) => found,
        Err(SlackError::ChannelNotFound) => return Err(not_found),
        Err(e) => return Err(e),
    };
    if c.is_archived {
        return Err(SlackError::IsArchived);
    }
    // Bots share only where they are members; people may share to any public channel.
    let open = !c.is_private && !c.is_im && !c.is_mpim;
    let may_post = member || (who.kind == TokenKind::User && open);
    if !may_post {
        return Err(SlackError::NotInChannel);
    }
    Ok(c)
}

/// The DM between `who` and `user`, opened as conversations.open would.
async fn open_dm(db: &Pool, who: &Principal, user: &str) -> SlackResult<String> {
    let mut args = Args::default();
    args.0.insert("users".into(), Value::from(user));
    match crate::model::dms::open(db, who, &args).await {
        Ok(v) => v["channel"]["id"].as_str().map(String::from).ok_or(SlackError::Code("invalid_channel")),
        Err(SlackError::UserNotFound | SlackError::ChannelNotFound) => Err(SlackError::Code("invalid_channel")),
        Err(e) => Err(e),
    }
}

pub async fn complete_upload(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["files:write"])?;
    let completions = parse_completions(args)?;
    let mut targets: Vec<ChannelRow> = Vec::new();
    if let Some(id) = args.str("channel_id") {
        if !valid_channel_id(&id) {
            return Err(SlackError::InvalidArguments {
                messages: vec!["[ERROR] input must match regex pattern: ^[CGDZ][A-Z0-9]{8,}$ [json-pointer:/channel_id]".into()],
            });
        }
        targets.push(destination(db, who, &id, SlackError::ChannelNotFound).await?);
    }
    let listed = args.list("channels");
    if targets.len() + listed.len() > MAX_CHANNELS {
        return Err(SlackError::Code("channels_limit_exceeded"));
    }
    for id in &listed {
        // `channels` also takes user ids: the file goes to the DM with that user.
        let id = if id.starts_with('U') || id.starts_with('W') { open_dm(db, who, id).await? } else { id.clone() };
        if !targets.iter().any(|c| c.id == id) {
            targets.push(destination(db, who, &id, SlackError::Code("invalid_channel")).await?);
        }
    }
    let initial_comment = args.str("initial_comment");
    let blocks = match initial_comment {
        Some(_) => None,
        None => {
            let b = args.json("blocks").map_err(|_| SlackError::InvalidBlocks)?;
            if let Some(b) = &b {
                let arr = b.as_array().ok_or(SlackError::InvalidBlocks)?;
                if arr.iter().any(|x| x.get("type").and_then(Value::as_str).is_none()) {
                    return Err(SlackError::InvalidBlocks);
                }
            }
            b
        }
    };
    let thread_arg = match args.str("thread_ts") {
        Some(t) => Some(wire::normalize_ts(&t).ok_or(SlackError::ThreadNotFound)?),
        None => None,
    };
    let customize = who.kind == TokenKind::Bot && who.has("chat:write.customize");

    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    let origin = origin();
    let now = wire::now_secs();
    let now_us = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0);
    let mut tx = asym_store::begin_write(db).await?;
    for (n, c) in completions.iter().enumerate() {
        let f = files::get(&mut *tx, &c.id).await?.filter(|f| f.team_id == who.team_id && f.user_id == who.user_id);
        let Some(f) = f else {
            return Err(SlackError::Code("file_not_found"));
        };
        let title = c.title.clone().unwrap_or_else(|| f.name.clone());
        if !files::complete(&mut *tx, &f.id, &title, now, now_us + n as i64).await? {
            return Err(SlackError::Code("file_not_found"));
        }
        let event_ts = wire::now_ts();
        events::emit(
            &mut *tx,
            &who.team_id,
            json!({ "type": "file_created", "file_id": f.id, "user_id": who.user_id, "file": { "id": f.id }, "event_ts": event_ts }),
        )
        .await?;
    }
    for channel in &targets {
        let (thread_ts, parent_user_id) = match &thread_arg {
            Some(t) => {
                let parent = messages::get(&mut *tx, &channel.id, t).await?.ok_or(SlackError::ThreadNotFound)?;
                match parent.thread_ts {
                    Some(root) if root != parent.ts => (Some(root), parent.parent_user_id),
                    _ => (Some(parent.ts), parent.user_id),
                }
            }
            None => (None, None),
        };
        let mut row = MessageRow {
            channel_id: channel.id.clone(),
            user_id: Some(who.user_id.clone()),
            bot_id: who.bot_id.clone().filter(|_| who.kind == TokenKind::Bot),
            app_id: who.app_id.clone().filter(|_| who.kind == TokenKind::Bot),
            subtype: Some("file_share".into()),
            text: initial_comment.clone().unwrap_or_default(),
            blocks: blocks.as_ref().map(Value::to_string),
            thread_ts: thread_ts.clone(),
            username: args.str("username").filter(|_| customize),
            icon_url: args.str("icon_url").filter(|_| customize),
            icon_emoji: args.str("icon_emoji").filter(|_| customize),
            parent_user_id,
            ..Default::default()
        };
        insert_message(&mut tx, &mut row).await?;
        if let Some(parent) = &thread_ts {
            messages::note_reply(&mut *tx, &channel.id, parent, &row.ts).await?;
        }
        for (seq, c) in completions.iter().enumerate() {
            files::insert_share(
                &mut *tx,
                NewShare {
                    file_id: &c.id,
                    channel_id: &channel.id,
                    ts: &row.ts,
                    thread_ts: thread_ts.as_deref(),
                    user_id: &who.user_id,
                    seq: seq as i64,
                },
            )
            .await?;
        }
        let mut rendered = Vec::with_capacity(completions.len());
        for c in &completions {
            rendered.push(render_in(&mut tx, &who.user_id, &c.id, &origin, &team.domain).await?);
        }
        for c in &completions {
            events::emit(
                &mut *tx,
                &who.team_id,
                json!({
                    "type": "file_shared",
                    "channel_id": channel.id,
                    "file_id": c.id,
                    "user_id": who.user_id,
                    "file": { "id": c.id },
                    "event_ts": wire::now_ts(),
                }),
            )
            .await?;
        }
        let mut event = objects::message(&row, &who.team_id, &[]);
        event["files"] = json!(rendered);
        event["upload"] = json!(true);
        event["display_as_bot"] = json!(false);
        event["channel"] = json!(channel.id);
        event["event_ts"] = json!(row.ts);
        event["channel_type"] = json!(objects::channel_type(channel));
        events::emit(&mut *tx, &who.team_id, event).await?;
    }
    let mut out = Vec::with_capacity(completions.len());
    for c in &completions {
        out.push(render_in(&mut tx, &who.user_id, &c.id, &origin, &team.domain).await?);
    }
    tx.commit().await?;
    Ok(json!({ "files": out }))
}

/// Inserts a share message at the channel's next free `ts`.
pub(crate) async fn insert_message(tx: &mut asym_store::WriteTx, row: &mut MessageRow) -> SlackResult<()> {
    let mut ts = wire::now_ts();
    if let Some(last) = messages::latest_ts(&mut **tx, &row.channel_id).await?
        && last >= ts
    {
        ts = wire::bump_ts(&last);
    }
    loop {
        row.ts = ts.clone();
        if messages::insert(&mut **tx, row).await? {
            return Ok(());
        }
        ts = wire::bump_ts(&ts);
    }
}

/// Renders file `id` for `viewer` inside a transaction.
pub(crate) async fn render_in(tx: &mut asym_store::WriteTx, viewer: &str, id: &str, origin: &str, domain: &str) -> SlackResult<Value> {
    let Some(f) = files::get(&mut **tx, id).await? else {
        return Ok(objects::file_tombstone(id));
    };
    let shares = files::shares(&mut **tx, id, viewer).await?;
    let mut views = Vec::with_capacity(shares.len());
    for s in &shares {
        let root = s.thread_ts.as_deref().unwrap_or(&s.ts);
        let reply_users = if s.reply_count > 0 { messages::reply_users(&mut **tx, &s.channel_id, root).await? } else { Vec::new() };
        views.push(FileShareView { share: s, reply_users });
    }
    let mut v = objects::file(&f, origin, domain, &views);
    if f.mode == "external"
        && let Some(r) = crate::store::remote_files::fields(&mut **tx, &f.id).await?
    {
        crate::model::remote_files::decorate(&mut v, &r);
    }
    Ok(v)
}

/// Renders a file for `who`.
pub async fn render(db: &Pool, who: &Principal, f: &FileRow, domain: &str) -> SlackResult<Value> {
    render_file(db, &who.user_id, f, &origin(), domain).await
}

async fn render_file(db: &Pool, viewer: &str, f: &FileRow, origin: &str, domain: &str) -> SlackResult<Value> {
    let shares = files::shares(db, &f.id, viewer).await?;
    let mut views = Vec::with_capacity(shares.len());
    for s in &shares {
        let root = s.thread_ts.as_deref().unwrap_or(&s.ts);
        let reply_users = if s.reply_count > 0 { messages::reply_users(db, &s.channel_id, root).await? } else { Vec::new() };
        views.push(FileShareView { share: s, reply_users });
    }
    let mut v = objects::file(f, origin, domain, &views);
    if f.mode == "external"
        && let Some(r) = crate::store::remote_files::fields(db, &f.id).await?
    {
        crate::model::remote_files::decorate(&mut v, &r);
    }
    Ok(v)
}

// -- files.info --

pub async fn info(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["files:read"])?;
    let id = args.required("file")?;
    let f = files::visible(db, &who.team_id, &who.user_id, &id).await?.ok_or(SlackError::Code("file_not_found"))?;
    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    Ok(json!({
        "file": render(db, who, &f, &team.domain).await?,
        "comments": [],
        "response_metadata": { "next_cursor": "" },
    }))
}

// -- files.list --

pub async fn list(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["files:read"])?;
    let mut filter = ListFilter { ts_to: i64::MAX, ..Default::default() };
    if let Some(u) = args.str("user") {
        workspace::user(db, &u).await?.filter(|x| x.team_id == who.team_id).ok_or(SlackError::UserNotFound)?;
        filter.user = u;
    }
    filter.channel = args.str("channel").unwrap_or_default();
    if let Some(from) = seconds(args, "ts_from")? {
        filter.ts_from = from.ceil() as i64;
    }
    if let Some(to) = seconds(args, "ts_to")? {
        filter.ts_to = to.floor() as i64;
    }
    let types = args.list("types");
    if types.is_empty() {
        filter.all_types = true;
    }
    for t in &types {
        match t.as_str() {
            "all" => filter.all_types = true,
            "images" => filter.images = true,
            "snippets" => filter.snippets = true,
            "pdfs" => filter.pdfs = true,
            "zips" => filter.zips = true,
            "gdocs" => filter.gdocs = true,
            "spaces" => filter.spaces = true,
            _ => return Err(SlackError::Code("unknown_type")),
        }
    }
    let count = match args.int("count")? {
        None => 100,
        Some(n) if n < 1 => 100,
        Some(n) => n.min(1000),
    };
    let page = match args.int("page")? {
        None => 1,
        Some(n) => n.max(1),
    };
    let total = files::count(db, &who.team_id, &who.user_id, &filter).await?;
    let rows = files::list(db, &who.team_id, &who.user_id, &filter, count, (page - 1).saturating_mul(count)).await?;
    let team = workspace::team(db, &who.team_id).await?.ok_or(SlackError::InvalidAuth)?;
    let mut out = Vec::with_capacity(rows.len());
    for f in &rows {
        out.push(render(db, who, f, &team.domain).await?);
    }
    let pages = (total + count - 1) / count;
    Ok(json!({
        "files": out,
        "paging": { "count": count, "total": total, "page": page, "pages": pages },
    }))
}

/// A Unix time argument (`1700000000` or `1700000000.123`).
fn seconds(args: &Args, key: &str) -> SlackResult<Option<f64>> {
    match args.str(key) {
        None => Ok(None),
        Some(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()).map(Some).ok_or_else(|| SlackError::InvalidArguments {
            messages: vec![format!("[ERROR] failed to match all allowed schemas [json-pointer:/{key}]")],
        }),
    }
}

// -- files.delete --

pub async fn delete(db: &Pool, who: &Principal, args: &Args) -> SlackResult<Value> {
    who.require_any(&["files:write"])?;
    let id = args.required("file")?;
    let mut tx = asym_store::begin_write(db).await?;
    let f = files::visible(&mut *tx, &who.team_id, &who.user_id, &id).await?.ok_or(SlackError::Code("file_not_found"))?;
    if f.user_id != who.user_id {
        // Workspace admins and owners may delete anyone's files, as themselves.
        let admin = who.kind == TokenKind::User
            && workspace::user(&mut *tx, &who.user_id).await?.is_some_and(|u| u.is_admin || u.is_owner || u.is_primary_owner);
        if !admin {
            return Err(SlackError::Code("cant_delete_file"));
        }
    }
    let channel_ids = files::share_channels(&mut *tx, &f.id).await?;
    files::delete(&mut *tx, &f.id).await?;
    events::emit(
        &mut *tx,
        &who.team_id,
        json!({ "type": "file_deleted", "file_id": f.id, "channel_ids": channel_ids, "event_ts": wire::now_ts() }),
    )
    .await?;
    tx.commit().await?;
    Ok(json!({}))
}

// -- messages that carry files --

/// Adds `files` (and `upload`, `display_as_bot`) to the file-share messages among
/// `messages` of `channel_id`, as conversations.history renders them: each file
/// as `who` sees it, or a tombstone once deleted.
pub async fn attach(db: &Pool, who: &Principal, channel_id: &str, messages: &mut [Value]) -> SlackResult<()> {
    let mut domain: Option<String> = None;
    for m in messages.iter_mut() {
        if m.get("subtype").and_then(Value::as_str) != Some("file_share") {
            continue;
        }
        let Some(ts) = m.get("ts").and_then(Value::as_str).map(String::from) else {
            continue;
        };
        let ids = files::message_files(db, channel_id, &ts).await?;
        if ids.is_empty() {
            continue;
        }
        if domain.is_none() {
            domain = Some(workspace::team(db, &who.team_id).await?.map(|t| t.domain).unwrap_or_default());
        }
        let domain = domain.as_deref().unwrap_or_default();
        let mut rendered = Vec::with_capacity(ids.len());
        for id in &ids {
            rendered.push(match files::get(db, id).await?.filter(|f| f.state == files::COMPLETE) {
                Some(f) => render(db, who, &f, domain).await?,
                None => objects::file_tombstone(id),
            });
        }
        m["files"] = json!(rendered);
        m["upload"] = json!(true);
        m["display_as_bot"] = json!(false);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_previews() {
        assert_eq!(kind_of("notes.TXT").filetype, "text");
        assert_eq!(kind_of("photo.jpeg").mimetype, "image/jpeg");
        assert_eq!(kind_of("archive").filetype, "binary");
        assert_eq!(snippet_pretty_type("python"), Some("Python"));
        assert_eq!(snippet_pretty_type("brainfuck"), None);
        let p = preview_of(b"a\nb\nc\nd\ne\nf\ng\n");
        assert_eq!(p.text.as_deref(), Some("a\nb\nc\nd\ne"));
        assert_eq!(p.lines, 7);
        assert!(p.truncated);
        let short = preview_of(b"hello\n");
        assert_eq!(short.text.as_deref(), Some("hello"));
        assert!(!short.truncated);
        assert!(preview_of(&[0xff, 0xfe]).text.is_none());
    }

    #[test]
    fn channel_ids_are_validated_like_slack() {
        assert!(valid_channel_id("C0ACMERAND"));
        assert!(valid_channel_id("D012345678"));
        assert!(!valid_channel_id("U0ACMEDANA"));
        assert!(!valid_channel_id("C123"));
        assert!(!valid_channel_id("c0acmerand"));
        assert_eq!(origin_of("http://127.0.0.1:4301/api"), "http://127.0.0.1:4301");
        assert_eq!(origin_of("http://127.0.0.1:4301/api/"), "http://127.0.0.1:4301");
    }
}

#[cfg(test)]
mod flow_tests {
    use super::*;
    use crate::model::test_support::{args, workspace};

    async fn events_of(db: &Pool, kind: &str) -> Vec<Value> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT payload FROM events WHERE type = $1 ORDER BY created_ms, id").bind(kind).fetch_all(db).await.unwrap();
        rows.into_iter().map(|(p,)| serde_json::from_str(&p).unwrap()).collect()
    }

    #[tokio::test]
    async fn upload_share_and_delete_emit_slack_events() {
        let (_dir, db, bot, _) = workspace("slack-files-test").await;
        let url = "http://127.0.0.1:9/api";
        let ticket =
            with_public_url(url, get_upload_url(&db, &bot, &args(&[("filename", json!("a.txt")), ("length", json!(5))]))).await.unwrap();
        let upload_url = ticket["upload_url"].as_str().unwrap();
        let key = upload_url.strip_prefix("http://127.0.0.1:9/upload/v1/").expect("the upload URL points at the clone");
        let open = open_ticket(&db, key).await.unwrap().expect("an open ticket");
        assert_eq!(receive_upload(&db, &open, b"hello".to_vec()).await.unwrap(), Ok(5));
        let file_id = ticket["file_id"].as_str().unwrap();
        let done = with_public_url(
            url,
            complete_upload(
                &db,
                &bot,
                &args(&[
                    ("files", json!(format!("[{{\"id\":\"{file_id}\",\"title\":\"A\"}}]"))),
                    ("channel_id", json!("C0ACMERAND")),
                    ("initial_comment", json!("see attached")),
                ]),
            ),
        )
        .await
        .unwrap();
        assert_eq!(done["files"][0]["url_private"], json!(format!("http://127.0.0.1:9/files-pri/T0ACME0001-{file_id}/a.txt")));

        let created = events_of(&db, "file_created").await;
        assert_eq!(created.len(), 1);
        assert_eq!(created[0]["file_id"], json!(file_id));
        assert_eq!(created[0]["file"], json!({ "id": file_id }));
        assert_eq!(created[0]["user_id"], json!(bot.user_id));
        let shared = events_of(&db, "file_shared").await;
        assert_eq!(shared.len(), 1);
        assert_eq!(shared[0]["channel_id"], json!("C0ACMERAND"));
        assert_eq!(shared[0]["file_id"], json!(file_id));
        assert!(shared[0]["event_ts"].as_str().is_some_and(wire::valid_ts));
        let message = events_of(&db, "message").await.into_iter().find(|m| m["subtype"] == json!("file_share")).expect("a message event");
        assert_eq!(message["text"], json!("see attached"));
        assert_eq!(message["channel"], json!("C0ACMERAND"));
        assert_eq!(message["channel_type"], json!("channel"));
        assert_eq!(message["upload"], json!(true));
        assert_eq!(message["files"][0]["id"], json!(file_id));
        assert_eq!(message["files"][0]["url_private"], done["files"][0]["url_private"]);

        delete(&db, &bot, &args(&[("file", json!(file_id))])).await.unwrap();
        let deleted = events_of(&db, "file_deleted").await;
        assert_eq!(deleted.len(), 1);
        assert_eq!(deleted[0]["file_id"], json!(file_id));
        assert_eq!(deleted[0]["channel_ids"], json!(["C0ACMERAND"]));
        assert!(matches!(info(&db, &bot, &args(&[("file", json!(file_id))])).await, Err(SlackError::Code("file_not_found"))));
    }

    #[tokio::test]
    async fn files_scopes_are_required() {
        let (_dir, db, bot, _) = workspace("slack-files-test").await;
        let mut limited = bot.clone();
        limited.scopes.retain(|s| !s.starts_with("files:"));
        let a = args(&[("filename", json!("a.txt")), ("length", json!(5))]);
        assert!(matches!(get_upload_url(&db, &limited, &a).await, Err(SlackError::MissingScope { .. })));
        assert!(matches!(list(&db, &limited, &Args::default()).await, Err(SlackError::MissingScope { .. })));
        let mut read_only = bot.clone();
        read_only.scopes.retain(|s| s != "files:write");
        assert!(matches!(get_upload_url(&db, &read_only, &a).await, Err(SlackError::MissingScope { .. })));
        assert!(matches!(delete(&db, &read_only, &args(&[("file", json!("F1"))])).await, Err(SlackError::MissingScope { .. })));
        assert_eq!(list(&db, &read_only, &Args::default()).await.unwrap()["paging"]["total"], json!(0));
    }
}
