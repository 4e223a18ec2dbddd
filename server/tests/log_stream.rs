//! Live log streams on a real listener: many followers share one pump per job, a follower
//! that reconnects with its cursor gets the rest with nothing lost or repeated, a stream ends
//! with the job, and SSE carries the same events.

mod api_support;

use std::time::Duration;

use api_support::{spec, test_app, wait_until, TestApp};
use base64::Engine as _;
use futures::StreamExt;
use rgrid_spec::api::{JobStatus, LogEvent};
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use uuid::Uuid;

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let router = app.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("127.0.0.1:{}", addr.port())
}

async fn open(addr: &str, key: &str, job: Uuid, after: i64) -> Socket {
    let url = format!("ws://{addr}/v1/jobs/{job}/logs/ws?after={after}");
    let mut request = url.into_client_request().expect("request");
    let auth = format!("Bearer {key}").parse().expect("header");
    request.headers_mut().insert("authorization", auth);
    tokio_tungstenite::connect_async(request)
        .await
        .expect("connect")
        .0
}

async fn next_event(socket: &mut Socket) -> LogEvent {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("an event within 10 s")
            .expect("open stream")
            .expect("frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("a LogEvent");
        }
    }
}

/// Reads until `count` lines have arrived; returns them and the last cursor.
async fn read_lines(socket: &mut Socket, count: usize) -> (Vec<String>, i64) {
    let mut lines = Vec::new();
    let mut cursor = 0;
    while lines.len() < count {
        match next_event(socket).await {
            LogEvent::Chunks { chunks, next } => {
                lines.extend(
                    chunks
                        .iter()
                        .map(|c| String::from_utf8_lossy(&c.data.0).into()),
                );
                cursor = next;
            }
            LogEvent::End { .. } => panic!("ended early after {lines:?}"),
        }
    }
    (lines, cursor)
}

/// The lines left on the stream, which must end with the job's success.
async fn rest_until_end(socket: &mut Socket) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        match next_event(socket).await {
            LogEvent::Chunks { chunks, .. } => {
                lines.extend(
                    chunks
                        .iter()
                        .map(|c| String::from_utf8_lossy(&c.data.0).into()),
                );
            }
            LogEvent::End { status, .. } => {
                assert_eq!(status, JobStatus::Succeeded);
                return lines;
            }
        }
    }
}

struct Writer<'a> {
    app: &'a TestApp,
    token: String,
    eid: Uuid,
    seq: u64,
}

impl Writer<'_> {
    async fn lines(&mut self, range: std::ops::Range<u32>) {
        let chunks: Vec<_> = range
            .map(|n| {
                self.seq += 1;
                let data = base64::engine::general_purpose::STANDARD.encode(format!("{n}\n"));
                json!({"seq": self.seq - 1, "stream": "stdout", "data": data})
            })
            .collect();
        let uri = format!("/v1/runner/executions/{}/logs", self.eid);
        let answer = self
            .app
            .runner(&self.token, &uri, json!({ "chunks": chunks }))
            .await;
        assert_eq!(answer.status.as_u16(), 204);
    }
}

fn numbered(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|n| format!("{n}\n")).collect()
}

#[tokio::test]
async fn followers_share_one_pump_and_resume_without_loss_or_repeats() {
    let app = test_app().await;
    let addr = serve(&app).await;
    let job = app.submit(spec(json!({}))).await;
    let token = app.register().await;
    let eid = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("a job")
        .execution_id;
    let mut writer = Writer {
        app: &app,
        token: token.clone(),
        eid,
        seq: 0,
    };
    writer.lines(0..3).await;

    // Twenty followers from the start: each gets the backlog, and they share one pump.
    let mut followers = Vec::new();
    for _ in 0..20 {
        let mut socket = open(&addr, &app.api_key, job, 0).await;
        assert_eq!(read_lines(&mut socket, 3).await.0, numbered(0..3));
        followers.push(socket);
    }
    wait_until(|| app.state.log_feeds.followers(job) == 20).await;
    assert_eq!(app.state.log_feeds.pumps(), 1, "one pump for one job");

    writer.lines(3..6).await;
    for socket in &mut followers {
        assert_eq!(read_lines(socket, 3).await.0, numbered(3..6));
    }

    // One follower drops out mid-stream and comes back with its cursor.
    let mut first = followers.remove(0);
    writer.lines(6..8).await;
    let (seen, cursor) = read_lines(&mut first, 2).await;
    assert_eq!(seen, numbered(6..8));
    drop(first);
    writer.lines(8..10).await;
    let mut back = open(&addr, &app.api_key, job, cursor).await;
    assert_eq!(read_lines(&mut back, 2).await.0, numbered(8..10));

    // The job ends: every stream sends what is left, then the end.
    let finish = json!({"reason": "completed", "exit_code": 0, "message": null,
                        "artifacts": [], "executor": "process"});
    let uri = format!("/v1/runner/executions/{eid}/finish");
    assert_eq!(app.runner(&token, &uri, finish).await.status.as_u16(), 204);
    for socket in &mut followers {
        assert_eq!(rest_until_end(socket).await, numbered(6..10));
    }
    assert_eq!(rest_until_end(&mut back).await, Vec::<String>::new());
    drop(followers);
    drop(back);
    wait_until(|| app.state.log_feeds.pumps() == 0).await;
}

#[tokio::test]
async fn sse_sends_the_same_events_and_ends_with_the_job() {
    let app = test_app().await;
    let addr = serve(&app).await;
    let job = app.submit(spec(json!({"retries": 0}))).await;
    let token = app.register().await;
    let eid = app
        .claim(&token, 0)
        .await
        .assignment
        .expect("a job")
        .execution_id;
    let mut writer = Writer {
        app: &app,
        token: token.clone(),
        eid,
        seq: 0,
    };
    writer.lines(0..4).await;
    let finish = json!({"reason": "exit_code", "exit_code": 3, "message": null,
                        "artifacts": [], "executor": "process"});
    let uri = format!("/v1/runner/executions/{eid}/finish");
    assert_eq!(app.runner(&token, &uri, finish).await.status.as_u16(), 204);

    let body = reqwest::Client::new()
        .get(format!("http://{addr}/v1/jobs/{job}/logs/sse?after=0"))
        .bearer_auth(&app.api_key)
        .send()
        .await
        .expect("sse")
        .text()
        .await
        .expect("body");
    let events: Vec<LogEvent> = body
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).expect("a LogEvent"))
        .collect();
    let mut lines = Vec::new();
    for event in &events[..events.len() - 1] {
        let LogEvent::Chunks { chunks, .. } = event else {
            panic!("end before the last event: {events:?}")
        };
        lines.extend(
            chunks
                .iter()
                .map(|c| String::from_utf8_lossy(&c.data.0).to_string()),
        );
    }
    assert_eq!(lines, numbered(0..4));
    assert!(matches!(
        events.last(),
        Some(LogEvent::End {
            status: JobStatus::Failed,
            ..
        })
    ));
}

async fn first_snapshot(addr: &str, key: &str) -> rgrid_spec::api::GridSnapshot {
    let mut request = format!("ws://{addr}/v1/grid/ws")
        .into_client_request()
        .expect("request");
    let auth = format!("Bearer {key}").parse().expect("header");
    request.headers_mut().insert("authorization", auth);
    let (mut socket, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a snapshot within 10 s")
            .expect("open stream")
            .expect("frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(text.as_str()).expect("a GridSnapshot");
        }
    }
}

/// Nodes are shared by every tenant: `rgrid top` with a project key shows only the nodes
/// running that project's jobs (busy with its own); an operator key shows them all.
#[tokio::test]
async fn grid_snapshots_show_a_project_key_only_the_nodes_running_its_jobs() {
    let app = test_app().await;
    let addr = serve(&app).await;
    let busy_node = app.register().await;
    let answer = app
        .runner(
            "",
            "/v1/runner/register",
            json!({"bootstrap_token": api_support::BOOTSTRAP, "name": "idle-node", "slots": 3,
                   "executor": "process", "version": "test"}),
        )
        .await;
    assert!(answer.status.is_success());
    app.submit(spec(json!({}))).await;
    let claimed = app.claim(&busy_node, 0).await;
    assert!(claimed.assignment.is_some());

    let own = first_snapshot(&addr, &app.api_key).await;
    let names: Vec<_> = own
        .nodes
        .iter()
        .map(|n| (n.name.as_str(), n.busy))
        .collect();
    assert_eq!(names, [("node-1", 1)], "{:?}", own.nodes);

    let store = app.state.store.as_ref();
    let (_, operator) = rgrid_server::access::create_operator_key(store, "ops")
        .await
        .expect("operator key");
    // An operator key is no project key: the snapshot (a project's view) refuses it…
    let mut request = format!("ws://{addr}/v1/grid/ws")
        .into_client_request()
        .expect("request");
    let auth = format!("Bearer {operator}").parse().expect("header");
    request.headers_mut().insert("authorization", auth);
    assert!(tokio_tungstenite::connect_async(request).await.is_err());
    // … and a project key that is also an operator key (the local grid's) sees every node.
    let hash = rgrid_server::api::auth::hash_secret(&app.api_key);
    store
        .add_operator_key(rgrid_server::store::NewToken {
            name: "start-up key",
            prefix: "rg_test",
            hash: &hash,
        })
        .await
        .expect("operator key");
    let all = first_snapshot(&addr, &app.api_key).await;
    let mut names: Vec<_> = all.nodes.iter().map(|n| n.name.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["idle-node", "node-1"], "{:?}", all.nodes);
}
