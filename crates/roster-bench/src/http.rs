//! A deliberately small HTTP/1.1 client: one keep-alive connection, one
//! request at a time, responses parsed with `httparse`. The load generator
//! shares the machine with the server, so every cycle it spends is a cycle
//! the server does not get; this does no more than a benchmark needs.

use std::io;
use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How a response body is delimited.
enum Framing {
    Length(usize),
    Chunked,
    /// Until the server closes the connection.
    Close,
}

pub struct HttpConn {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
    /// The last body: either a range of `buf` or, when chunked, `decoded`.
    body: (usize, usize),
    decoded: Vec<u8>,
    chunked: bool,
}

fn invalid(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

impl HttpConn {
    pub fn new(addr: SocketAddr) -> Self {
        Self {
            addr,
            stream: None,
            buf: Vec::with_capacity(64 * 1024),
            body: (0, 0),
            decoded: Vec::new(),
            chunked: false,
        }
    }

    /// The body of the last response.
    pub fn body(&self) -> &[u8] {
        if self.chunked {
            &self.decoded
        } else {
            self.buf.get(self.body.0..self.body.1).unwrap_or(&[])
        }
    }

    /// Sends one complete request (head and body, already serialized) and
    /// reads the whole response; returns its status. On any error the
    /// connection is dropped and the next call reconnects.
    pub async fn roundtrip(&mut self, request: &[u8]) -> io::Result<u16> {
        match self.exchange(request).await {
            Ok(status) => Ok(status),
            Err(e) => {
                self.stream = None;
                Err(e)
            }
        }
    }

    async fn exchange(&mut self, request: &[u8]) -> io::Result<u16> {
        if self.stream.is_none() {
            let stream = TcpStream::connect(self.addr).await?;
            stream.set_nodelay(true)?;
            self.stream = Some(stream);
        }
        let Some(stream) = self.stream.as_mut() else {
            return Err(io::Error::other("no connection"));
        };
        self.buf.clear();
        self.chunked = false;
        stream.write_all(request).await?;

        // The head.
        let (status, head_len, framing, close) = loop {
            if !self.buf.is_empty() {
                let mut headers = [httparse::EMPTY_HEADER; 48];
                let mut response = httparse::Response::new(&mut headers);
                match response.parse(&self.buf) {
                    Ok(httparse::Status::Complete(len)) => {
                        let status = response.code.unwrap_or(0);
                        let mut framing = Framing::Close;
                        let mut close = false;
                        for h in response.headers.iter() {
                            if h.name.eq_ignore_ascii_case("content-length") {
                                let n = std::str::from_utf8(h.value)
                                    .ok()
                                    .and_then(|v| v.trim().parse::<usize>().ok())
                                    .ok_or_else(|| invalid("bad content-length"))?;
                                framing = Framing::Length(n);
                            } else if h.name.eq_ignore_ascii_case("transfer-encoding")
                                && h.value.eq_ignore_ascii_case(b"chunked")
                            {
                                framing = Framing::Chunked;
                            } else if h.name.eq_ignore_ascii_case("connection")
                                && h.value.eq_ignore_ascii_case(b"close")
                            {
                                close = true;
                            }
                        }
                        if status == 204 || status == 304 {
                            framing = Framing::Length(0);
                        }
                        break (status, len, framing, close);
                    }
                    Ok(httparse::Status::Partial) => {}
                    Err(e) => return Err(invalid(format!("bad response head: {e}"))),
                }
            }
            read_more(stream, &mut self.buf).await?;
        };

        // The body.
        match framing {
            Framing::Length(n) => {
                while self.buf.len() < head_len + n {
                    read_more(stream, &mut self.buf).await?;
                }
                self.body = (head_len, head_len + n);
            }
            Framing::Chunked => loop {
                self.decoded.clear();
                if decode_chunked(&self.buf[head_len..], &mut self.decoded)? {
                    self.chunked = true;
                    break;
                }
                read_more(stream, &mut self.buf).await?;
            },
            Framing::Close => {
                loop {
                    self.buf.reserve(16 * 1024);
                    if stream.read_buf(&mut self.buf).await? == 0 {
                        break;
                    }
                }
                self.body = (head_len, self.buf.len());
                self.stream = None;
                return Ok(status);
            }
        }
        if close {
            self.stream = None;
        }
        Ok(status)
    }
}

async fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.reserve(16 * 1024);
    if stream.read_buf(buf).await? == 0 {
        return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "server closed the connection"));
    }
    Ok(())
}

/// Decodes a chunked body into `out`; `Ok(false)` while it is incomplete.
fn decode_chunked(mut data: &[u8], out: &mut Vec<u8>) -> io::Result<bool> {
    loop {
        let (start, size) = match httparse::parse_chunk_size(data) {
            Ok(httparse::Status::Complete(v)) => v,
            Ok(httparse::Status::Partial) => return Ok(false),
            Err(_) => return Err(invalid("bad chunk size")),
        };
        let size = usize::try_from(size).map_err(|_| invalid("chunk too large"))?;
        if size == 0 {
            // Trailers are not used; the body ends with an empty line.
            return Ok(data.len() >= start + 2);
        }
        if data.len() < start + size + 2 {
            return Ok(false);
        }
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
}

/// Serialized requests with the headers every request carries.
#[derive(Clone)]
pub struct RequestBuilder {
    host: String,
    api_key: String,
}

impl RequestBuilder {
    pub fn new(addr: SocketAddr, api_key: &str) -> Self {
        Self { host: addr.to_string(), api_key: api_key.to_owned() }
    }

    pub fn get_into(&self, out: &mut Vec<u8>, path: &str) {
        out.clear();
        out.extend_from_slice(b"GET ");
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\nAuthorization: Bearer ");
        out.extend_from_slice(self.api_key.as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
    }

    pub fn get(&self, path: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        self.get_into(&mut out, path);
        out
    }

    /// An unauthenticated GET (for /readyz).
    pub fn get_public(&self, path: &str) -> Vec<u8> {
        format!("GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.host).into_bytes()
    }

    pub fn post_json_into(&self, out: &mut Vec<u8>, path: &str, body: &[u8]) {
        self.with_body_into(out, "POST", "application/json", path, body);
    }

    /// A JSON merge patch (RFC 7396).
    pub fn merge_patch_into(&self, out: &mut Vec<u8>, path: &str, body: &[u8]) {
        self.with_body_into(out, "PATCH", "application/merge-patch+json", path, body);
    }

    fn with_body_into(&self, out: &mut Vec<u8>, method: &str, kind: &str, path: &str, body: &[u8]) {
        out.clear();
        out.extend_from_slice(method.as_bytes());
        out.push(b' ');
        out.extend_from_slice(path.as_bytes());
        out.extend_from_slice(b" HTTP/1.1\r\nHost: ");
        out.extend_from_slice(self.host.as_bytes());
        out.extend_from_slice(b"\r\nAuthorization: Bearer ");
        out.extend_from_slice(self.api_key.as_bytes());
        out.extend_from_slice(b"\r\nContent-Type: ");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\r\nContent-Length: ");
        out.extend_from_slice(body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n\r\n");
        out.extend_from_slice(body);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_bodies_decode_once_complete() -> io::Result<()> {
        let mut out = Vec::new();
        assert!(!decode_chunked(b"5\r\nhel", &mut out)?);
        out.clear();
        assert!(!decode_chunked(b"5\r\nhello\r\n", &mut out)?);
        out.clear();
        assert!(decode_chunked(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", &mut out)?);
        assert_eq!(out, b"hello world");
        Ok(())
    }
}
