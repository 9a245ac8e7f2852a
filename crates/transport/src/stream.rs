//! The byte streams a Session runs over.

use tokio::io::{AsyncRead, AsyncWrite};

/// A bidirectional byte stream usable by a Session: a socket, a pipe, an
/// SSH channel, an in-memory device. Implemented for every type that is
/// [`AsyncRead`] + [`AsyncWrite`] + [`Send`] + [`Unpin`] + `'static`.
pub trait AsyncStream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> AsyncStream for T {}

/// A boxed [`AsyncStream`], as [`Session::over_stream`](crate::Session::over_stream)
/// and [`dummy::Connector`](crate::dummy::Connector) take it.
///
/// ```
/// use oxscript_transport::BoxedStream;
///
/// let (client, _device) = tokio::io::duplex(1024);
/// let stream: BoxedStream = Box::new(client);
/// # drop(stream);
/// ```
pub type BoxedStream = Box<dyn AsyncStream>;
