//! WebSocket streams from the server: a job's live log events, and grid snapshots for `top`.

use futures::{SinkExt, StreamExt};
use serde::de::DeserializeOwned;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::client::{Client, ClientError};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Why a stream could not be opened or ended early.
#[derive(Debug, thiserror::Error)]
pub enum StreamError {
    /// The server (or a proxy in between) does not offer the stream: use the long poll.
    #[error("the server offers no WebSocket stream here (HTTP {0})")]
    Unsupported(u16),
    /// The connection failed or broke: reconnect and resume.
    #[error("{0}")]
    Lost(ClientError),
    /// The server refused us; reconnecting will not help.
    #[error(transparent)]
    Refused(ClientError),
}

/// An open stream of JSON messages of type `T`.
pub struct JsonStream<T> {
    socket: Socket,
    url: String,
    _kind: std::marker::PhantomData<T>,
}

pub async fn open<T: DeserializeOwned>(
    client: &Client,
    path: &str,
) -> Result<JsonStream<T>, StreamError> {
    let request = client
        .websocket_request(path)
        .map_err(StreamError::Refused)?;
    let url = client.base().to_string();
    match tokio_tungstenite::connect_async(request).await {
        Ok((socket, _)) => Ok(JsonStream {
            socket,
            url,
            _kind: std::marker::PhantomData,
        }),
        Err(tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            if status == 401 {
                return Err(StreamError::Refused(client.refused()));
            }
            if status == 403 {
                let message = "this key may not watch this (HTTP 403)".to_string();
                return Err(StreamError::Refused(ClientError::Forbidden { message }));
            }
            // A restarting server (or database) answers 5xx for a while: try again.
            if matches!(status, 500 | 502 | 503 | 504) {
                let message = format!("the server answered {status}");
                return Err(StreamError::Lost(ClientError::Api { status, message }));
            }
            Err(StreamError::Unsupported(status))
        }
        Err(err) => Err(lost(&url, &err)),
    }
}

impl<T: DeserializeOwned> JsonStream<T> {
    /// The next message; `None` when the server closed the stream.
    pub async fn next(&mut self) -> Result<Option<T>, StreamError> {
        loop {
            let message = match self.socket.next().await {
                None => return Ok(None),
                Some(Err(err)) => return Err(lost(&self.url, &err)),
                Some(Ok(message)) => message,
            };
            match message {
                Message::Text(text) => {
                    return serde_json::from_str(text.as_str()).map(Some).map_err(|e| {
                        StreamError::Refused(ClientError::Api {
                            status: 200,
                            message: format!("unreadable stream message: {e}"),
                        })
                    });
                }
                Message::Close(_) => return Ok(None),
                Message::Ping(data) => {
                    let _ = self.socket.send(Message::Pong(data)).await;
                }
                _ => {}
            }
        }
    }
}

fn lost(url: &str, err: &tungstenite::Error) -> StreamError {
    StreamError::Lost(ClientError::Unreachable {
        url: url.to_string(),
        detail: err.to_string(),
    })
}
