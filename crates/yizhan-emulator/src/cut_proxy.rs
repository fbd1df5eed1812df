//! [`CutProxy`]: a network fault between yizhan and a dependency it does not own (Redis,
//! PostgreSQL): a loopback TCP proxy that a test can cut — listener closed, every proxied
//! connection dropped, as if the server had stopped — and restore on the same port, without
//! touching the real server other tests share.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// A loopback TCP proxy to one target that can be cut and restored.
#[derive(Debug)]
pub struct CutProxy {
    addr: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<JoinSet<()>>>,
}

impl CutProxy {
    /// Listens on a free loopback port and forwards every connection to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<CutProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let proxy = CutProxy { addr, target, tasks: Arc::new(Mutex::new(JoinSet::new())) };
        proxy.serve(listener);
        Ok(proxy)
    }

    /// Where clients connect (`127.0.0.1:port`).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn serve(&self, listener: TcpListener) {
        let target = self.target;
        let tasks = Arc::clone(&self.tasks);
        let accept = async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let _ = inbound.set_nodelay(true);
                // Connections live in the same set as the listener, so a cut reaches them all.
                tasks.lock().unwrap_or_else(|e| e.into_inner()).spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = outbound.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        };
        self.tasks.lock().unwrap_or_else(|e| e.into_inner()).spawn(accept);
    }

    /// Closes the listener and drops every proxied connection; returns once all of them are
    /// closed, so what the caller does next already meets the cut.
    pub async fn cut(&self) {
        // The first round ends the listener; a connection it accepted meanwhile landed in the
        // emptied set and is ended by the next round; the set stays empty once the listener is gone.
        loop {
            let mut tasks = std::mem::take(&mut *self.tasks.lock().unwrap_or_else(|e| e.into_inner()));
            if tasks.is_empty() {
                break;
            }
            tasks.abort_all();
            while tasks.join_next().await.is_some() {}
        }
    }

    /// Listens again on the same port.
    pub async fn restore(&self) -> std::io::Result<()> {
        let listener = TcpListener::bind(self.addr).await?;
        self.serve(listener);
        Ok(())
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner()).abort_all();
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn forwards_then_refuses_when_cut_then_forwards_again() {
        let echo = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let target = echo.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = echo.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4];
                    while let Ok(n @ 1..) = s.read(&mut buf).await {
                        let _ = s.write_all(&buf[..n]).await;
                    }
                });
            }
        });
        let proxy = CutProxy::start(target).await.expect("proxy");
        let mut c = TcpStream::connect(proxy.addr()).await.expect("connect");
        c.write_all(b"ping").await.expect("write");
        let mut buf = [0u8; 4];
        c.read_exact(&mut buf).await.expect("echo");
        assert_eq!(&buf, b"ping");
        proxy.cut().await;
        assert!(TcpStream::connect(proxy.addr()).await.is_err(), "refused while cut");
        proxy.restore().await.expect("restore");
        let mut c = TcpStream::connect(proxy.addr()).await.expect("connect again");
        c.write_all(b"pong").await.expect("write");
        c.read_exact(&mut buf).await.expect("echo");
        assert_eq!(&buf, b"pong");
    }
}
