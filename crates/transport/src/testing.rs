//! Test helpers (feature `test-util`): scripted devices that replay a
//! recorded conversation byte for byte.
//!
//! A [`Script`] is the device side of a conversation: bytes the device
//! sends, and bytes it must receive from the client before it goes on.
//! Served over an in-memory pipe, it checks that a client (a Session, a
//! driver) says exactly what the recording says, and it reproduces device
//! quirks exactly — a prompt split across packets, a pager erased with
//! backspaces, a connection closed mid-answer.
//!
//! ```
//! use oxscript_transport::testing::Script;
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let script = Script::new()
//!     .send("router#")
//!     .expect("show clock\r")
//!     .send("show clock\r\n*10:00:00 UTC\r\nrouter#")
//!     .close();
//! let (mut client, device) = script.spawn();
//! client.write_all(b"show clock\r").await.unwrap();
//! let mut received = Vec::new();
//! client.read_to_end(&mut received).await.unwrap();
//! assert!(received.ends_with(b"UTC\r\nrouter#"));
//! // What the client sent was exactly what the recording expects.
//! assert_eq!(device.await.unwrap().unwrap(), b"show clock\r");
//! # }
//! ```

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};
use tokio::task::JoinHandle;

/// One step of a [`Script`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptStep {
    /// The device sends these bytes.
    Send(Vec<u8>),
    /// The device sends these bytes one at a time (prompts split at every position).
    Trickle(Vec<u8>),
    /// The device waits until the client sent exactly these bytes.
    Expect(Vec<u8>),
    /// The device pauses this long before its next step (a device whose
    /// output arrives in two pieces, with a read boundary between them).
    Pause(Duration),
    /// The device closes the connection.
    Close,
}

/// Why a scripted conversation went wrong.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScriptError {
    /// The client sent something else than the script expects.
    #[error("step {step}: expected the client to send {expected:?}, got {got:?}")]
    Mismatch {
        /// Index of the step.
        step: usize,
        /// What the script expects (escaped).
        expected: String,
        /// What arrived (escaped).
        got: String,
    },
    /// The client closed the connection (or went quiet past the deadline)
    /// before sending what the script expects.
    #[error("step {step}: expected the client to send {expected:?}, but {why} after {got:?}")]
    Missing {
        /// Index of the step.
        step: usize,
        /// What the script expects (escaped).
        expected: String,
        /// What arrived of it (escaped).
        got: String,
        /// "it closed the connection" or "nothing more came within N s".
        why: String,
    },
    /// The pipe failed.
    #[error("I/O error at step {step}: {message}")]
    Io {
        /// Index of the step.
        step: usize,
        /// The error.
        message: String,
    },
}

/// The device side of a recorded conversation (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Script {
    steps: Vec<ScriptStep>,
    deadline: Option<Duration>,
}

fn escape(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}

impl Script {
    /// An empty script.
    pub fn new() -> Script {
        Script::default()
    }

    /// Adds a step.
    pub fn step(mut self, step: ScriptStep) -> Script {
        self.steps.push(step);
        self
    }

    /// The device sends `bytes`.
    pub fn send(self, bytes: impl AsRef<[u8]>) -> Script {
        self.step(ScriptStep::Send(bytes.as_ref().to_vec()))
    }

    /// The device sends `bytes` one byte per write.
    pub fn trickle(self, bytes: impl AsRef<[u8]>) -> Script {
        self.step(ScriptStep::Trickle(bytes.as_ref().to_vec()))
    }

    /// The device waits for exactly `bytes` from the client.
    pub fn expect(self, bytes: impl AsRef<[u8]>) -> Script {
        self.step(ScriptStep::Expect(bytes.as_ref().to_vec()))
    }

    /// The device pauses for `duration` before its next step.
    pub fn pause(self, duration: Duration) -> Script {
        self.step(ScriptStep::Pause(duration))
    }

    /// The device closes the connection.
    pub fn close(self) -> Script {
        self.step(ScriptStep::Close)
    }

    /// How long the device waits for each expected input (default 30 s).
    pub fn with_deadline(mut self, deadline: Duration) -> Script {
        self.deadline = Some(deadline);
        self
    }

    /// The steps.
    pub fn steps(&self) -> &[ScriptStep] {
        &self.steps
    }

    /// Serves the script on an in-memory pipe: returns the client's end and
    /// the device task, which yields everything the client sent (or the
    /// first deviation from the script). After the last step the device
    /// keeps reading until the client closes.
    pub fn spawn(self) -> (DuplexStream, JoinHandle<Result<Vec<u8>, ScriptError>>) {
        let (client, device) = tokio::io::duplex(256 * 1024);
        (client, tokio::spawn(self.run(device)))
    }

    async fn run(self, mut device: DuplexStream) -> Result<Vec<u8>, ScriptError> {
        let deadline = self.deadline.unwrap_or(Duration::from_secs(30));
        let mut received: Vec<u8> = Vec::new();
        let mut consumed = 0;
        let io = |step: usize| {
            move |e: std::io::Error| ScriptError::Io {
                step,
                message: e.to_string(),
            }
        };
        for (step, item) in self.steps.into_iter().enumerate() {
            match item {
                ScriptStep::Send(bytes) => {
                    device.write_all(&bytes).await.map_err(io(step))?;
                    device.flush().await.map_err(io(step))?;
                }
                ScriptStep::Trickle(bytes) => {
                    for b in bytes {
                        device.write_all(&[b]).await.map_err(io(step))?;
                        device.flush().await.map_err(io(step))?;
                        tokio::task::yield_now().await;
                    }
                }
                ScriptStep::Expect(expected) => {
                    while received.len() - consumed < expected.len() {
                        let mut buf = [0u8; 4096];
                        let read = tokio::time::timeout(deadline, device.read(&mut buf)).await;
                        let why = match read {
                            Ok(Ok(0)) => Some("it closed the connection".to_owned()),
                            Ok(Ok(n)) => {
                                received.extend_from_slice(&buf[..n]);
                                None
                            }
                            Ok(Err(e)) => return Err(io(step)(e)),
                            Err(_) => Some(format!("nothing more came within {deadline:?}")),
                        };
                        if let Some(why) = why {
                            return Err(ScriptError::Missing {
                                step,
                                expected: escape(&expected),
                                got: escape(&received[consumed..]),
                                why,
                            });
                        }
                        let have = received.len() - consumed;
                        let n = have.min(expected.len());
                        if received[consumed..consumed + n] != expected[..n] {
                            return Err(ScriptError::Mismatch {
                                step,
                                expected: escape(&expected),
                                got: escape(&received[consumed..]),
                            });
                        }
                    }
                    // The loop above only compared what each read added;
                    // when several steps arrive in one read, compare here.
                    if received.get(consumed..consumed + expected.len()) != Some(&expected[..]) {
                        return Err(ScriptError::Mismatch {
                            step,
                            expected: escape(&expected),
                            got: escape(&received[consumed..]),
                        });
                    }
                    consumed += expected.len();
                }
                ScriptStep::Pause(duration) => tokio::time::sleep(duration).await,
                ScriptStep::Close => return Ok(received),
            }
        }
        let mut buf = [0u8; 4096];
        while let Ok(Ok(n)) = tokio::time::timeout(deadline, device.read(&mut buf)).await {
            if n == 0 {
                break;
            }
            received.extend_from_slice(&buf[..n]);
        }
        Ok(received)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wrong_client_line_is_reported_with_both_sides() {
        let (mut client, device) = Script::new().expect("enable\r").spawn();
        client.write_all(b"enabel\r").await.unwrap();
        let err = device.await.unwrap().unwrap_err();
        assert_eq!(
            err,
            ScriptError::Mismatch {
                step: 0,
                expected: "enable\\r".into(),
                got: "enabel\\r".into()
            }
        );
    }

    #[tokio::test]
    async fn steps_that_arrive_in_one_read_are_each_compared() {
        let (mut client, device) = Script::new()
            .expect("enable\r")
            .expect("show ver\r")
            .spawn();
        client.write_all(b"enable\rshow run\r").await.unwrap();
        let err = device.await.unwrap().unwrap_err();
        assert!(
            matches!(err, ScriptError::Mismatch { step: 1, .. }),
            "{err}"
        );
    }

    #[tokio::test]
    async fn a_missing_line_is_reported_when_the_client_closes() {
        let (mut client, device) = Script::new().expect("exit\r").spawn();
        client.write_all(b"ex").await.unwrap();
        drop(client);
        let err = device.await.unwrap().unwrap_err();
        assert!(
            matches!(err, ScriptError::Missing { ref got, .. } if got == "ex"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn trickle_and_close() {
        let (mut client, device) = Script::new().trickle("abc").close().spawn();
        let mut all = Vec::new();
        client.read_to_end(&mut all).await.unwrap();
        assert_eq!(all, b"abc");
        assert_eq!(device.await.unwrap().unwrap(), b"");
    }
}
