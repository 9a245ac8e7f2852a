//! [`IntoHosts`]: what the `run` methods of a queue accept as hosts.

use oxscript_core::Host;

use crate::error::Result;

/// One host: a [`Host`] or a URL string (`telnet://r1`, `ssh://admin@r2:2222`,
/// `r3`: the protocol defaults to Telnet, see [`Host::new`]).
pub trait IntoHost {
    /// Converts (parses) into a host.
    fn into_host(self) -> Result<Host>;
}

impl IntoHost for Host {
    fn into_host(self) -> Result<Host> {
        Ok(self)
    }
}

impl IntoHost for &Host {
    fn into_host(self) -> Result<Host> {
        Ok(self.clone())
    }
}

impl IntoHost for &str {
    fn into_host(self) -> Result<Host> {
        Ok(Host::new(self)?)
    }
}

impl IntoHost for &&str {
    fn into_host(self) -> Result<Host> {
        Ok(Host::new(self)?)
    }
}

impl IntoHost for String {
    fn into_host(self) -> Result<Host> {
        Ok(Host::new(&self)?)
    }
}

impl IntoHost for &String {
    fn into_host(self) -> Result<Host> {
        Ok(Host::new(self)?)
    }
}

/// One or more hosts: anything [`IntoHost`], or a `Vec`, array or slice of
/// them. A URL that does not parse fails the whole call, naming the URL.
///
/// ```
/// use oxscript_core::Host;
/// use oxscript_jobs::queue::IntoHosts;
///
/// assert_eq!("r1".into_hosts()?.len(), 1);
/// assert_eq!(vec!["r1", "ssh://r2"].into_hosts()?.len(), 2);
/// assert_eq!([Host::new("r1")?].into_hosts()?[0].name(), "r1");
/// assert!(vec!["ftp://r1"].into_hosts().is_err());
/// # Ok::<(), oxscript_jobs::Error>(())
/// ```
pub trait IntoHosts {
    /// Converts (parses) into hosts, keeping the order.
    fn into_hosts(self) -> Result<Vec<Host>>;
}

impl<T: IntoHost> IntoHosts for T {
    fn into_hosts(self) -> Result<Vec<Host>> {
        Ok(vec![self.into_host()?])
    }
}

impl<T: IntoHost> IntoHosts for Vec<T> {
    fn into_hosts(self) -> Result<Vec<Host>> {
        self.into_iter().map(IntoHost::into_host).collect()
    }
}

impl<T: IntoHost, const N: usize> IntoHosts for [T; N] {
    fn into_hosts(self) -> Result<Vec<Host>> {
        self.into_iter().map(IntoHost::into_host).collect()
    }
}

impl<'a, T> IntoHosts for &'a [T]
where
    &'a T: IntoHost,
{
    fn into_hosts(self) -> Result<Vec<Host>> {
        self.iter().map(IntoHost::into_host).collect()
    }
}

impl<'a, T> IntoHosts for &'a Vec<T>
where
    &'a T: IntoHost,
{
    fn into_hosts(self) -> Result<Vec<Host>> {
        self.iter().map(IntoHost::into_host).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        let hosts = vec![Host::new("a").unwrap(), Host::new("b").unwrap()];
        assert_eq!(hosts.as_slice().into_hosts().unwrap().len(), 2);
        assert_eq!((&hosts).into_hosts().unwrap()[1].name(), "b");
        let urls = vec!["x".to_owned(), "ssh://y".to_owned()];
        assert_eq!((&urls).into_hosts().unwrap()[1].port(), 22);
        assert_eq!(urls.into_hosts().unwrap()[0].name(), "x");
        assert_eq!(String::from("z").into_hosts().unwrap()[0].name(), "z");
        assert_eq!((&hosts[0]).into_hosts().unwrap()[0].name(), "a");
        let strs: &[&str] = &["p", "q"];
        assert_eq!(strs.into_hosts().unwrap().len(), 2);
        match vec!["ok", "ftp://bad"].into_hosts() {
            Err(e) => assert!(e.to_string().contains("ftp"), "{e}"),
            Ok(h) => panic!("{h:?}"),
        }
    }
}
