//! Job output on its way to the server: ordered, numbered chunks of raw bytes.
//!
//! Writers ([`LogSink`]) append to a shared buffer that coalesces consecutive bytes of one
//! stream into chunks of at most [`CHUNK_BYTES`]. A shipper ([`ship`]) takes what is buffered
//! every [`FLUSH_EVERY`] (sooner when a chunk fills), numbers the chunks `seq` 0, 1, 2… in
//! the order they were written and sends them in that order; a failed batch is sent again
//! before anything newer. While the server is unreachable the buffer is bounded by
//! [`BUFFER_LIMIT`]: past it the oldest chunks are dropped and a system note says how much.
//! Bytes are never altered: invalid UTF-8 and NUL travel as they are.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rgrid_spec::api::{Bytes64, LogBatch, LogChunkIn, Stream};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::client::ClientError;

pub const CHUNK_BYTES: usize = 64 * 1024;
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);
pub const BUFFER_LIMIT: usize = 64 * 1024 * 1024;
/// At most this much goes in one POST, so a backlog drains in bounded requests.
const BATCH_BYTES: usize = 1024 * 1024;

/// A cheap handle that appends a job's output to its log buffer.
#[derive(Clone)]
pub struct LogSink {
    shared: Arc<Shared>,
}

struct Shared {
    buffer: Mutex<Buffer>,
    /// Wakes the shipper when a chunk fills up.
    full: Notify,
    limit: usize,
}

#[derive(Default)]
struct Buffer {
    chunks: VecDeque<(Stream, Vec<u8>)>,
    bytes: usize,
    dropped: u64,
}

impl Default for LogSink {
    fn default() -> Self {
        LogSink::with_limit(BUFFER_LIMIT)
    }
}

impl LogSink {
    pub fn new() -> LogSink {
        LogSink::default()
    }

    /// A sink whose unsent backlog is bounded by `limit` bytes.
    pub fn with_limit(limit: usize) -> LogSink {
        let shared = Shared {
            buffer: Mutex::new(Buffer::default()),
            full: Notify::new(),
            limit,
        };
        LogSink {
            shared: Arc::new(shared),
        }
    }

    pub fn write(&self, stream: Stream, mut data: &[u8]) {
        let mut filled = false;
        {
            let mut buffer = self.lock();
            while !data.is_empty() {
                let room = match buffer.chunks.back() {
                    Some((last, bytes)) if *last == stream && bytes.len() < CHUNK_BYTES => {
                        CHUNK_BYTES - bytes.len()
                    }
                    _ => {
                        buffer.chunks.push_back((stream, Vec::new()));
                        CHUNK_BYTES
                    }
                };
                let (now, rest) = data.split_at(room.min(data.len()));
                let (_, bytes) = buffer.chunks.back_mut().expect("a chunk was just ensured");
                bytes.extend_from_slice(now);
                filled |= bytes.len() == CHUNK_BYTES;
                buffer.bytes += now.len();
                data = rest;
            }
            buffer.enforce_limit(self.shared.limit);
        }
        if filled {
            self.shared.full.notify_one();
        }
    }

    /// A line from rgrid itself (install steps, executor choice); a newline is added.
    pub fn system(&self, line: &str) {
        self.write(Stream::System, format!("{line}\n").as_bytes());
    }

    /// Takes every buffered chunk, oldest first, with a note for dropped bytes in front.
    pub fn take(&self) -> Vec<(Stream, Vec<u8>)> {
        let mut buffer = self.lock();
        let mut taken = Vec::with_capacity(buffer.chunks.len() + 1);
        if buffer.dropped > 0 {
            let note = format!(
                "rgrid: {} bytes of log output were dropped while the server was unreachable\n",
                buffer.dropped
            );
            taken.push((Stream::System, note.into_bytes()));
            buffer.dropped = 0;
        }
        taken.extend(buffer.chunks.drain(..));
        buffer.bytes = 0;
        taken
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Buffer> {
        // A panic while holding this lock cannot leave the buffer half-written in a way that
        // matters more than losing the log, so carry on with what is there.
        self.shared
            .buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Buffer {
    fn enforce_limit(&mut self, limit: usize) {
        while self.bytes > limit {
            let Some((_, oldest)) = self.chunks.pop_front() else {
                break;
            };
            self.bytes -= oldest.len();
            self.dropped += oldest.len() as u64;
        }
    }
}

/// Where numbered chunks go: the server in production, a vector in tests.
#[async_trait::async_trait]
pub trait LogTransport: Send + Sync {
    async fn send(&self, batch: &LogBatch) -> Result<(), ClientError>;
}

/// Why shipping stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    #[error("the execution is stale; logs were refused")]
    Stale,
}

/// Ships `sink` through `transport` until `done` is cancelled, then sends what is left and
/// returns. A stale execution stops shipping at once. Other failures are retried: the failed
/// batch goes first on the next round, so order and numbering hold.
pub async fn ship(
    sink: LogSink,
    transport: &dyn LogTransport,
    done: CancellationToken,
) -> Result<(), ShipError> {
    let mut next_seq = 0u64;
    let mut pending: Vec<LogChunkIn> = Vec::new();
    let mut failures = 0u32;
    loop {
        let finishing = done.is_cancelled();
        if !finishing {
            tokio::select! {
                _ = tokio::time::sleep(FLUSH_EVERY) => {}
                _ = sink.shared.full.notified() => {}
                _ = done.cancelled() => {}
            }
        }
        for (stream, data) in sink.take() {
            pending.push(LogChunkIn {
                seq: next_seq,
                stream,
                data: Bytes64(data),
            });
            next_seq += 1;
        }
        while !pending.is_empty() {
            let count = batch_len(&pending);
            let batch = LogBatch {
                chunks: pending[..count].to_vec(),
            };
            match transport.send(&batch).await {
                Ok(()) => {
                    pending.drain(..count);
                    failures = 0;
                }
                Err(ClientError::Stale) => return Err(ShipError::Stale),
                Err(err) => {
                    failures += 1;
                    tracing::warn!(error = %err, failures, "log batch not delivered");
                    break;
                }
            }
        }
        bound_pending(&mut pending);
        // The client already retried for about a minute; after the job is done a few more
        // rounds are all that is worth waiting for.
        if finishing && (pending.is_empty() || failures >= 3) {
            return Ok(());
        }
    }
}

fn batch_len(pending: &[LogChunkIn]) -> usize {
    let mut bytes = 0;
    let mut count = 0;
    for chunk in pending {
        if count > 0 && bytes + chunk.data.0.len() > BATCH_BYTES {
            break;
        }
        bytes += chunk.data.0.len();
        count += 1;
    }
    count
}

/// Keeps numbered-but-unsent chunks under the buffer limit by dropping the oldest.
fn bound_pending(pending: &mut Vec<LogChunkIn>) {
    let total: usize = pending.iter().map(|c| c.data.0.len()).sum();
    if total <= BUFFER_LIMIT {
        return;
    }
    let mut excess = total - BUFFER_LIMIT;
    let mut cut = 0;
    while cut < pending.len() && excess > 0 {
        excess = excess.saturating_sub(pending[cut].data.0.len());
        cut += 1;
    }
    // Their sequence numbers are gone for good; the server sees a gap it can show.
    tracing::warn!(
        chunks = cut,
        "dropping undelivered log chunks over the buffer limit"
    );
    pending.drain(..cut);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    struct Recorder {
        sent: Mutex<Vec<LogChunkIn>>,
        fail_first: AtomicU32,
    }

    #[async_trait::async_trait]
    impl LogTransport for Recorder {
        async fn send(&self, batch: &LogBatch) -> Result<(), ClientError> {
            if self.fail_first.load(Ordering::SeqCst) > 0 {
                self.fail_first.fetch_sub(1, Ordering::SeqCst);
                return Err(ClientError::Server {
                    what: "logs".into(),
                    status: 503,
                });
            }
            self.sent
                .lock()
                .unwrap()
                .extend(batch.chunks.iter().cloned());
            Ok(())
        }
    }

    #[test]
    fn coalesces_one_stream_and_splits_at_chunk_size() {
        let sink = LogSink::new();
        sink.write(Stream::Stdout, b"a");
        sink.write(Stream::Stdout, b"b");
        sink.write(Stream::Stderr, b"c");
        sink.write(Stream::Stdout, &vec![b'x'; CHUNK_BYTES + 5]);
        let chunks = sink.take();
        let shape: Vec<(Stream, usize)> = chunks.iter().map(|(s, d)| (*s, d.len())).collect();
        assert_eq!(
            shape,
            vec![
                (Stream::Stdout, 2),
                (Stream::Stderr, 1),
                (Stream::Stdout, CHUNK_BYTES),
                (Stream::Stdout, 5)
            ]
        );
        assert_eq!(chunks[0].1, b"ab");
    }

    #[test]
    fn over_the_limit_drops_oldest_and_says_so() {
        let sink = LogSink::with_limit(10);
        sink.write(Stream::Stdout, b"0123456789");
        sink.write(Stream::Stderr, b"abc");
        let chunks = sink.take();
        assert_eq!(chunks[0].0, Stream::System);
        assert!(String::from_utf8_lossy(&chunks[0].1).contains("10 bytes"));
        assert_eq!(chunks[1], (Stream::Stderr, b"abc".to_vec()));
    }

    #[tokio::test]
    async fn ships_in_order_with_seq_and_retries_failed_batches() {
        let sink = LogSink::new();
        let recorder = Recorder {
            sent: Mutex::new(Vec::new()),
            fail_first: AtomicU32::new(2),
        };
        let done = CancellationToken::new();
        sink.write(Stream::Stdout, b"one\n");
        sink.write(Stream::Stderr, b"\xff\x00two\n");
        sink.system("three");
        done.cancel();
        ship(sink.clone(), &recorder, done).await.unwrap();
        let sent = recorder.sent.lock().unwrap().clone();
        let seqs: Vec<u64> = sent.iter().map(|c| c.seq).collect();
        assert_eq!(seqs, vec![0, 1, 2]);
        assert_eq!(sent[1].stream, Stream::Stderr);
        assert_eq!(sent[1].data.0, b"\xff\x00two\n", "bytes travel unaltered");
        assert_eq!(sent[2].data.0, b"three\n");
    }
}
