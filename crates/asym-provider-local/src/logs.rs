//! `asym logs`: the tail of each service's log file, then (with `--follow`) what is
//! appended, polled from the file so it works across restarts of the service.

use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;

use asym_contract::{AsymError, Result};
use futures_util::stream::{self, BoxStream, StreamExt};

pub struct LogFile {
    pub service: String,
    pub path: PathBuf,
}

pub fn stream(files: Vec<LogFile>, tail: Option<usize>, follow: bool) -> Result<BoxStream<'static, Result<String>>> {
    let prefix = files.len() > 1;
    let mut initial = Vec::new();
    let mut offsets = Vec::new();
    for f in &files {
        let text = match std::fs::read(&f.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(AsymError::io(format!("reading {}", f.path.display()), e)),
        };
        offsets.push(text.len() as u64);
        let text = String::from_utf8_lossy(&text);
        let mut lines: VecDeque<&str> = text.lines().collect();
        if let Some(n) = tail {
            while lines.len() > n {
                lines.pop_front();
            }
        }
        initial.extend(lines.into_iter().map(|l| Ok(label(prefix, &f.service, l))));
    }
    let head = stream::iter(initial);
    if !follow {
        return Ok(head.boxed());
    }
    let state = Follow { files, offsets, prefix, pending: VecDeque::new() };
    let rest = stream::unfold(state, |mut st| async move {
        loop {
            if let Some(line) = st.pending.pop_front() {
                return Some((line, st));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            st.poll();
        }
    });
    Ok(head.chain(rest).boxed())
}

struct Follow {
    files: Vec<LogFile>,
    offsets: Vec<u64>,
    prefix: bool,
    pending: VecDeque<Result<String>>,
}

impl Follow {
    fn poll(&mut self) {
        for (i, f) in self.files.iter().enumerate() {
            let Ok(mut file) = std::fs::File::open(&f.path) else { continue };
            let len = file.metadata().map(|m| m.len()).unwrap_or(0);
            if len < self.offsets[i] {
                self.offsets[i] = 0; // truncated or replaced
            }
            if len == self.offsets[i] || file.seek(SeekFrom::Start(self.offsets[i])).is_err() {
                continue;
            }
            let mut buf = Vec::new();
            if file.read_to_end(&mut buf).is_err() {
                continue;
            }
            // Emit whole lines only; a partial last line waits for its newline.
            let upto = buf.iter().rposition(|b| *b == b'\n').map(|p| p + 1).unwrap_or(0);
            self.offsets[i] += upto as u64;
            for line in String::from_utf8_lossy(&buf[..upto]).lines() {
                self.pending.push_back(Ok(label(self.prefix, &f.service, line)));
            }
        }
    }
}

fn label(prefix: bool, service: &str, line: &str) -> String {
    if prefix { format!("[{service}] {line}") } else { line.to_string() }
}
