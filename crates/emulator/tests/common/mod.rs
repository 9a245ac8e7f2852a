//! What the emulator's integration tests share: a raw Telnet test client
//! (TCP + `TelnetCodec` + a client `Negotiator`), readers for byte
//! streams, and waiting with a deadline.

#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use oxscript_telnet::{ClientOptions, Negotiator, TelnetCodec, TelnetEvent, TelnetFrame};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// The deadline for every expected piece of text.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Client {
    framed: Framed<TcpStream, TelnetCodec>,
    negotiator: Negotiator,
    /// Data received and not consumed yet.
    pub buf: String,
    /// Every negotiation event received.
    pub negotiations: Vec<TelnetEvent>,
    eof: bool,
    addrs: String,
}

impl Client {
    pub async fn connect(addr: std::net::SocketAddr) -> Client {
        Client::connect_with(addr, ClientOptions::default()).await
    }

    pub async fn connect_with(addr: std::net::SocketAddr, options: ClientOptions) -> Client {
        let stream = tokio::time::timeout(DEADLINE, TcpStream::connect(addr))
            .await
            .expect("connect timed out")
            .expect("connect failed");
        let addrs = format!("{:?} -> {:?}", stream.local_addr(), stream.peer_addr());
        Client {
            addrs,
            framed: Framed::new(stream, TelnetCodec::new()),
            negotiator: Negotiator::client(options),
            buf: String::new(),
            negotiations: Vec::new(),
            eof: false,
        }
    }

    /// Reads one event; returns false at EOF.
    async fn read_event(&mut self) -> bool {
        let Some(event) = self.framed.next().await else {
            self.eof = true;
            return false;
        };
        let event = match event {
            Ok(event) => event,
            // A server that closes with our replies unread resets the
            // connection: that is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                self.eof = true;
                return false;
            }
            Err(e) => panic!("telnet decode error: {e}"),
        };
        match &event {
            TelnetEvent::Data(bytes) => self.buf.push_str(&String::from_utf8_lossy(bytes)),
            TelnetEvent::Command(_) => {}
            _ => {
                self.negotiations.push(event.clone());
                for reply in self.negotiator.handle_with(&event, self.framed.codec_mut()) {
                    self.framed.send(reply).await.expect("send reply");
                }
            }
        }
        true
    }

    /// Waits for `needle` and returns everything up to and including it.
    pub async fn read_until(&mut self, needle: &str) -> String {
        let wait = async {
            loop {
                if let Some(pos) = self.buf.find(needle) {
                    let rest = self.buf.split_off(pos + needle.len());
                    return Some(std::mem::replace(&mut self.buf, rest));
                }
                if !self.read_event().await {
                    return None;
                }
            }
        };
        match tokio::time::timeout(DEADLINE, wait).await {
            Ok(Some(text)) => text,
            Ok(None) => panic!("EOF while waiting for {needle:?}; received {:?}", self.buf),
            Err(_) => panic!(
                "timeout waiting for {needle:?}; received {:?} {}",
                self.buf, self.addrs
            ),
        }
    }

    /// Reads until the server closes; returns the remaining text.
    pub async fn read_to_eof(&mut self) -> String {
        let wait = async { while self.read_event().await {} };
        tokio::time::timeout(DEADLINE, wait)
            .await
            .unwrap_or_else(|_| panic!("no EOF; received {:?}", self.buf));
        std::mem::take(&mut self.buf)
    }

    pub async fn send(&mut self, text: &str) {
        self.framed
            .send(TelnetFrame::Data(Bytes::copy_from_slice(text.as_bytes())))
            .await
            .expect("send");
    }

    pub async fn send_frame(&mut self, frame: TelnetFrame) {
        self.framed.send(frame).await.expect("send frame");
    }

    /// Sends `line` and Enter, returns the response up to `prompt`.
    pub async fn cmd(&mut self, line: &str, prompt: &str) -> String {
        self.send(&format!("{line}\r\n")).await;
        self.read_until(prompt).await
    }

    pub fn negotiator(&self) -> &Negotiator {
        &self.negotiator
    }
}

/// Waits until `cond` holds, yielding to the runtime in between.
pub async fn wait_for(what: &str, mut cond: impl FnMut() -> bool) {
    let wait = async {
        while !cond() {
            tokio::task::yield_now().await;
        }
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("timeout waiting for {what}"));
}

/// Reads `r` until `needle`; returns everything read up to and including
/// it (`buf` keeps what came after).
pub async fn read_until<R: AsyncRead + Unpin>(r: &mut R, buf: &mut String, needle: &str) -> String {
    let wait = async {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(pos) = buf.find(needle) {
                let rest = buf.split_off(pos + needle.len());
                return std::mem::replace(buf, rest);
            }
            let n = r.read(&mut chunk).await.expect("read");
            assert!(n > 0, "EOF while waiting for {needle:?}; got {buf:?}");
            buf.push_str(&String::from_utf8_lossy(&chunk[..n]));
        }
    };
    tokio::time::timeout(DEADLINE, wait)
        .await
        .unwrap_or_else(|_| panic!("timeout waiting for {needle:?}; got {buf:?}"))
}

/// Reads `r` until EOF.
pub async fn read_to_end<R: AsyncRead + Unpin>(r: &mut R) -> String {
    let mut rest = Vec::new();
    tokio::time::timeout(DEADLINE, r.read_to_end(&mut rest))
        .await
        .expect("no EOF")
        .expect("read");
    String::from_utf8_lossy(&rest).into_owned()
}
