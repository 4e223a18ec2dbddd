//! A TCP proxy on loopback that a test controls, to cut a runner off from its server while
//! both keep running (a network partition without network namespaces), to cut a client off
//! part way through an upload, or to lose the server's answers on the way back (a request
//! that was granted but never heard of). It counts the bytes it forwards towards the target.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;

/// Forwards `127.0.0.1:<port>` to `target` until dropped. While cut, open connections are
/// closed and new ones are closed as soon as they are accepted.
pub struct TcpProxy {
    pub url: String,
    shared: Arc<Shared>,
}

struct Shared {
    target: String,
    cut: AtomicBool,
    /// Bytes from the server are read and dropped instead of forwarded.
    swallow: AtomicBool,
    stopped: AtomicBool,
    open: Mutex<Vec<TcpStream>>,
    /// Bytes forwarded from clients to the target.
    sent: AtomicU64,
    /// Cut everything once `sent` passes this.
    cut_after: AtomicU64,
}

impl TcpProxy {
    /// `target` is `host:port`; the proxy's own URL is `http://127.0.0.1:<port>`.
    pub fn start(target: &str) -> anyhow::Result<TcpProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").context("bind the proxy")?;
        let url = format!("http://{}", listener.local_addr()?);
        let shared = Arc::new(Shared {
            target: target.to_string(),
            cut: AtomicBool::new(false),
            swallow: AtomicBool::new(false),
            stopped: AtomicBool::new(false),
            open: Mutex::new(Vec::new()),
            sent: AtomicU64::new(0),
            cut_after: AtomicU64::new(u64::MAX),
        });
        let accepting = shared.clone();
        std::thread::spawn(move || accept_loop(listener, accepting));
        Ok(TcpProxy { url, shared })
    }

    /// Closes every open connection and refuses new ones until [`TcpProxy::restore`].
    pub fn cut(&self) {
        self.shared.cut.store(true, Ordering::SeqCst);
        self.shared.close_all();
    }

    pub fn restore(&self) {
        self.shared.cut_after.store(u64::MAX, Ordering::SeqCst);
        self.shared.cut.store(false, Ordering::SeqCst);
        self.shared.swallow.store(false, Ordering::SeqCst);
    }

    /// Requests still reach the server, but what it answers is dropped on the way back, on
    /// open connections too, until [`TcpProxy::restore`].
    pub fn swallow_answers(&self) {
        self.shared.swallow.store(true, Ordering::SeqCst);
    }

    /// Cuts (as [`TcpProxy::cut`]) as soon as more than `bytes` have been forwarded towards
    /// the target since the last [`TcpProxy::reset_count`].
    pub fn cut_after_sending(&self, bytes: u64) {
        self.shared.cut_after.store(bytes, Ordering::SeqCst);
    }

    /// Bytes forwarded from clients towards the target.
    pub fn sent(&self) -> u64 {
        self.shared.sent.load(Ordering::SeqCst)
    }

    pub fn reset_count(&self) {
        self.shared.sent.store(0, Ordering::SeqCst);
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.shared.stopped.store(true, Ordering::SeqCst);
        self.shared.close_all();
        // Wake the accept loop so it sees `stopped`.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

impl Shared {
    fn close_all(&self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        for stream in open.drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for client in listener.incoming() {
        if shared.stopped.load(Ordering::SeqCst) {
            return;
        }
        let Ok(client) = client else { continue };
        if shared.cut.load(Ordering::SeqCst) {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        }
        let Ok(server) = TcpStream::connect(&shared.target) else {
            let _ = client.shutdown(Shutdown::Both);
            continue;
        };
        let pairs = [
            (client.try_clone(), server.try_clone(), true),
            (server.try_clone(), client.try_clone(), false),
        ];
        {
            let mut open = shared.open.lock().unwrap_or_else(|p| p.into_inner());
            open.extend([client, server]);
        }
        for (from, to, towards_target) in pairs {
            if let (Ok(from), Ok(to)) = (from, to) {
                let shared = shared.clone();
                std::thread::spawn(move || pump(from, to, &shared, towards_target));
            }
        }
    }
}

/// Copies `from` to `to`. Towards the target it counts the bytes and cuts the proxy once they
/// pass its limit; the other way (the server's answers) it drops them while it swallows.
fn pump(mut from: TcpStream, mut to: TcpStream, shared: &Shared, towards_target: bool) {
    let _ = from.set_read_timeout(Some(Duration::from_secs(600)));
    let mut buffer = [0u8; 16 * 1024];
    loop {
        match from.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(_) if !towards_target && shared.swallow.load(Ordering::SeqCst) => {}
            Ok(n) => {
                if towards_target {
                    let sent = shared.sent.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
                    if sent > shared.cut_after.load(Ordering::SeqCst) {
                        shared.cut.store(true, Ordering::SeqCst);
                        shared.close_all();
                        break;
                    }
                }
                if to.write_all(&buffer[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Both);
    let _ = from.shutdown(Shutdown::Both);
}
