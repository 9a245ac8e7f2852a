//! Asking for login details once.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{Context, Result, bail};
use oxscript::{Account, Secret};

/// Asks for a username (on stdin) and a password (without echo, on the terminal).
pub(crate) fn prompt_account() -> Result<Account> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() && !std::io::stderr().is_terminal() {
        bail!(
            "login details are needed but there is no terminal to ask on: put them in the URLs \
             (telnet://user:password@host), use --account-pool FILE, or pass -i"
        );
    }
    eprint!("Username: ");
    std::io::stderr().flush().ok();
    let mut name = String::new();
    stdin
        .lock()
        .read_line(&mut name)
        .context("reading the username")?;
    let name = name.trim().to_owned();
    if name.is_empty() {
        bail!("no username given");
    }
    let password = rpassword::prompt_password("Password: ").context("reading the password")?;
    Ok(Account::new(name, password))
}

/// Asks for a secret on the terminal, without echo.
pub(crate) fn prompt_secret(prompt: &str) -> Result<Secret> {
    if !std::io::stdin().is_terminal() && !std::io::stderr().is_terminal() {
        bail!("{prompt}: there is no terminal to ask on (use --enable-password)");
    }
    let secret = rpassword::prompt_password(prompt).context("reading the password")?;
    Ok(Secret::from(secret))
}
