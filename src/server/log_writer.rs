//! Where log lines go: a queue to a thread of their own that writes them to stdout in batches, so that a
//! request (every API request logs a line) never waits for stdout, and a busy server does not pay a thread
//! wake-up per line either: once awake, the writer drains the queue, writes, sleeps a moment and drains
//! again, and only waits on the queue (to be woken by the next line) after a pause with nothing to write.
//! Nothing is dropped: when 64,000 lines are queued, loggers wait for the writer.

use std::io::Write;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TryRecvError};
use std::sync::OnceLock;
use std::time::Duration;

const QUEUED: usize = 64_000;

/// How long the writer naps between batches while lines keep coming.
const NAP: Duration = Duration::from_millis(2);

/// The `tracing_subscriber` writer: each log line (one `write` per event) goes to the queue.
#[derive(Clone)]
pub struct LogWriter {
    lines: SyncSender<Message>,
}

enum Message {
    Line(Vec<u8>),
    /// Write what is queued and stop (the subscriber keeps its writer, so the queue never closes by itself).
    Stop,
}

/// Writes out what is queued when dropped (at the end of `main`).
pub struct LogFlusher {
    writer: Option<std::thread::JoinHandle<()>>,
    lines: SyncSender<Message>,
}

impl Drop for LogFlusher {
    fn drop(&mut self) {
        if self.lines.send(Message::Stop).is_ok() {
            if let Some(writer) = self.writer.take() {
                let _ = writer.join();
            }
        }
    }
}

/// A writer to `out` (stdout in the server) and the guard that flushes it.
pub fn to(out: impl Write + Send + 'static) -> (LogWriter, LogFlusher) {
    let (tx, rx) = sync_channel(QUEUED);
    let writer = std::thread::Builder::new()
        .name("portal-log".into())
        .spawn(move || write_batches(rx, out))
        .ok();
    (
        LogWriter { lines: tx.clone() },
        LogFlusher { writer, lines: tx },
    )
}

fn write_batches(rx: Receiver<Message>, out: impl Write) {
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, out);
    // Idle: waiting on the queue, woken by the next line.
    while let Ok(Message::Line(line)) = rx.recv() {
        let _ = out.write_all(&line);
        // Busy: nap (not waiting on the queue, so loggers wake nobody), then write what came meanwhile,
        // until a nap brings nothing.
        loop {
            std::thread::sleep(NAP);
            let mut drained = 0;
            loop {
                match rx.try_recv() {
                    Ok(Message::Line(line)) => {
                        let _ = out.write_all(&line);
                        drained += 1;
                    }
                    Err(TryRecvError::Empty) => break,
                    Ok(Message::Stop) | Err(TryRecvError::Disconnected) => {
                        let _ = out.flush();
                        return;
                    }
                }
            }
            let _ = out.flush();
            if drained == 0 {
                break;
            }
        }
    }
    let _ = out.flush();
}

/// The process's writer, for lines formatted without tracing (the API's access log); set once by `main`.
static INSTALLED: OnceLock<LogWriter> = OnceLock::new();

/// Makes `writer` the one [`installed`] returns (the first call wins).
pub fn install(writer: LogWriter) {
    let _ = INSTALLED.set(writer);
}

pub fn installed() -> Option<&'static LogWriter> {
    INSTALLED.get()
}

impl LogWriter {
    /// Queues one whole line (ending in a newline), taking it as it is.
    pub fn write_line(&self, line: Vec<u8>) {
        let _ = self.lines.send(Message::Line(line));
    }
}

impl Write for LogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.lines
            .send(Message::Line(buf.to_vec()))
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for LogWriter {
    type Writer = LogWriter;

    fn make_writer(&'a self) -> LogWriter {
        self.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn every_line_is_written_in_order_by_the_time_the_flusher_is_dropped() {
        let out = Shared::default();
        let (writer, flusher) = to(out.clone());
        let mut threads = Vec::new();
        for t in 0..4 {
            let mut w = writer.clone();
            threads.push(std::thread::spawn(move || {
                for i in 0..5_000 {
                    w.write_all(format!("{t}:{i}\n").as_bytes()).unwrap();
                }
            }));
        }
        for t in threads {
            t.join().unwrap();
        }
        drop(writer);
        drop(flusher);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 20_000);
        for t in 0..4 {
            let mine: Vec<usize> = text
                .lines()
                .filter_map(|l| l.strip_prefix(&format!("{t}:")))
                .map(|n| n.parse().unwrap())
                .collect();
            assert_eq!(
                mine,
                (0..5_000).collect::<Vec<_>>(),
                "thread {t}'s lines in order"
            );
        }
    }

    #[test]
    fn whole_lines_and_written_ones_share_one_queue_in_order() {
        let out = Shared::default();
        let (mut writer, flusher) = to(out.clone());
        writer.write_line(b"access line\n".to_vec());
        writer.write_all(b"tracing line\n").unwrap();
        writer.write_line(b"another access line\n".to_vec());
        drop(flusher);
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text, "access line\ntracing line\nanother access line\n");
    }
}
