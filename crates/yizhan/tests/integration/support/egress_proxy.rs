//! Proxies on loopback for the egress tests: an HTTP forward proxy (absolute-form requests,
//! as clients send for `http://` targets) and a SOCKS5 proxy (no authentication, CONNECT).
//! Both connect onward from 127.0.0.2, so a server on 127.0.0.1 sees proxied calls come from
//! another address than direct ones (Linux routes all of 127.0.0.0/8 to loopback), and both
//! record what passed through them.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// The address proxied calls leave from.
pub(crate) const EGRESS_IP: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A running proxy: its URL and what it forwarded.
pub(crate) struct EgressProxy {
    /// `http://127.0.0.1:PORT` or `socks5://127.0.0.1:PORT`.
    pub(crate) url: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl EgressProxy {
    /// What went through: request paths (HTTP) or `host:port` targets (SOCKS5), in order.
    pub(crate) fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// An HTTP forward proxy.
    pub(crate) async fn http() -> EgressProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let client = reqwest::Client::builder().no_proxy().local_address(EGRESS_IP).build().expect("client");
        let app = axum::Router::new().fallback(forward).with_state((client, seen.clone()));
        tokio::spawn(async move { axum::serve(listener, app).await });
        EgressProxy { url, seen }
    }

    /// A SOCKS5 proxy (RFC 1928: no authentication, CONNECT to IPv4 or domain targets).
    pub(crate) async fn socks5() -> EgressProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("socks5://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let log = log.clone();
                tokio::spawn(async move {
                    let _ = socks5_session(stream, log).await;
                });
            }
        });
        EgressProxy { url, seen }
    }
}

type ProxyState = (reqwest::Client, Arc<Mutex<Vec<String>>>);

/// Forwards one absolute-form request (`POST http://host:port/path?query`).
async fn forward(State((client, seen)): State<ProxyState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(parts.uri.path().to_owned());
    let body = axum::body::to_bytes(body, 64 << 20).await.unwrap_or_default();
    let mut onward = client.request(parts.method, parts.uri.to_string()).body(body);
    for (name, value) in parts.headers.iter().filter(|(n, _)| *n != "host" && *n != "proxy-connection") {
        onward = onward.header(name, value);
    }
    match onward.send().await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                response = response.header(name, value);
            }
            let bytes = answer.bytes().await.unwrap_or_default();
            response.body(Body::from(bytes)).expect("response")
        }
        Err(_) => Response::builder().status(502).body(Body::empty()).expect("response"),
    }
}

/// One SOCKS5 connection: greeting, CONNECT, then bytes both ways.
async fn socks5_session(mut client: TcpStream, seen: Arc<Mutex<Vec<String>>>) -> std::io::Result<()> {
    let mut head = [0u8; 2];
    client.read_exact(&mut head).await?;
    let mut methods = vec![0u8; usize::from(head[1])];
    client.read_exact(&mut methods).await?;
    client.write_all(&[5, 0]).await?; // version 5, no authentication
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let len = client.read_u8().await?;
            let mut name = vec![0u8; usize::from(len)];
            client.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).into_owned()
        }
        _ => return Err(std::io::Error::other("address type not supported")),
    };
    let port = client.read_u16().await?;
    seen.lock().unwrap_or_else(|e| e.into_inner()).push(format!("{host}:{port}"));
    let target: SocketAddr = tokio::net::lookup_host((host.as_str(), port))
        .await?
        .find(SocketAddr::is_ipv4)
        .ok_or_else(|| std::io::Error::other("no IPv4 address"))?;
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(EGRESS_IP, 0))?;
    let mut upstream = socket.connect(target).await?;
    client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]).await?; // succeeded
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}
