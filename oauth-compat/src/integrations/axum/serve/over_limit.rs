//! What a connection accepted at the connection limit gets: `503`, then closed.

use tokio::net::TcpStream;

/// Sent without reading the request: RFC 9112 lets a server answer early and close.
const SERVICE_UNAVAILABLE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
content-type: text/plain; charset=utf-8\r\n\
content-length: 50\r\n\
retry-after: 1\r\n\
connection: close\r\n\
\r\n\
the server is at its connection limit: retry later";

/// Answers `stream` with [`SERVICE_UNAVAILABLE`] and closes it, never waiting on the client
/// (the write fits an empty socket buffer; a client that cannot take it is just closed).
pub(super) fn refuse(stream: TcpStream) {
    let _ = stream.try_write(SERVICE_UNAVAILABLE);
    // What already arrived is read first: closing with unread data sends a reset, which can
    // destroy the 503 before the client reads it.
    let mut discard = [0u8; 4096];
    for _ in 0..4 {
        match stream.try_read(&mut discard) {
            Ok(n) if n > 0 => {}
            _ => break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_content_length_is_the_body_length() {
        let text = std::str::from_utf8(SERVICE_UNAVAILABLE).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("content-length: {}\r\n", body.len())));
    }
}
