//! Errors that happened on a worker, rebuilt on the coordinator with the
//! same message and cause chain, so reports and `.log.error` files read
//! as they would after a local run.

use std::fmt;

/// An error from another process: its message and its cause.
#[derive(Debug)]
pub(crate) struct RemoteError {
    message: String,
    source: Option<Box<RemoteError>>,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RemoteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

/// A jobs error whose [`chain`](oxscript_jobs::Error::chain) is `chain`
/// (`job cancelled` alone becomes [`oxscript_jobs::Error::Cancelled`]).
pub(crate) fn error_from_chain(chain: &[String]) -> oxscript_jobs::Error {
    if chain == [oxscript_jobs::Error::Cancelled.to_string()] {
        return oxscript_jobs::Error::Cancelled;
    }
    let mut error: Option<RemoteError> = None;
    for message in chain.iter().rev() {
        error = Some(RemoteError {
            message: message.clone(),
            source: error.map(Box::new),
        });
    }
    match error {
        Some(e) => oxscript_jobs::Error::other(e),
        None => oxscript_jobs::Error::msg("failed (no error message)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_survive_the_trip() {
        let local = oxscript_jobs::Error::CriticalJobFailed {
            job: "x".into(),
            source: Box::new(oxscript_jobs::Error::msg("prompt not seen")),
        };
        let chain = local.chain();
        let remote = error_from_chain(&chain);
        assert_eq!(remote.chain(), chain);
        assert_eq!(remote.to_string(), local.to_string());
        assert!(error_from_chain(&["job cancelled".into()]).is_cancelled());
        assert_eq!(
            error_from_chain(&[]).to_string(),
            "failed (no error message)"
        );
    }
}
