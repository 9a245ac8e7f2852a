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

/// The body of an `AsyncWrite` impl for a wrapper that only changes how
/// it reads: every call goes on to the field named `$field`.
macro_rules! forward_async_write {
    ($field:ident) => {
        fn poll_write(
            mut self: ::std::pin::Pin<&mut Self>,
            cx: &mut ::std::task::Context<'_>,
            buf: &[u8],
        ) -> ::std::task::Poll<::std::io::Result<usize>> {
            ::tokio::io::AsyncWrite::poll_write(::std::pin::Pin::new(&mut self.$field), cx, buf)
        }

        fn poll_flush(
            mut self: ::std::pin::Pin<&mut Self>,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            ::tokio::io::AsyncWrite::poll_flush(::std::pin::Pin::new(&mut self.$field), cx)
        }

        fn poll_shutdown(
            mut self: ::std::pin::Pin<&mut Self>,
            cx: &mut ::std::task::Context<'_>,
        ) -> ::std::task::Poll<::std::io::Result<()>> {
            ::tokio::io::AsyncWrite::poll_shutdown(::std::pin::Pin::new(&mut self.$field), cx)
        }

        fn poll_write_vectored(
            mut self: ::std::pin::Pin<&mut Self>,
            cx: &mut ::std::task::Context<'_>,
            bufs: &[::std::io::IoSlice<'_>],
        ) -> ::std::task::Poll<::std::io::Result<usize>> {
            ::tokio::io::AsyncWrite::poll_write_vectored(
                ::std::pin::Pin::new(&mut self.$field),
                cx,
                bufs,
            )
        }

        fn is_write_vectored(&self) -> bool {
            ::tokio::io::AsyncWrite::is_write_vectored(&self.$field)
        }
    };
}
pub(crate) use forward_async_write;
