//! `ipv4.*`: IPv4 address arithmetic.
//!
//! Addresses are read as the C library's `inet_aton` (and so Python's
//! `socket.inet_aton`, which Exscript uses) reads them: one to four
//! parts, each decimal, octal (`0…`) or hexadecimal (`0x…`), the last part
//! filling the remaining bytes.

use super::{arg, first_int, first_str, strings};
use crate::functions::FunctionError;
use crate::value::{Item, Value};

/// Parses an address as `inet_aton` does.
fn ip2int(text: &str) -> Result<u32, FunctionError> {
    let bad = || FunctionError::Message(format!("{text:?} is not an IPv4 address"));
    let parts: Vec<&str> = text.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return Err(bad());
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        let (digits, radix) =
            if let Some(hex) = part.strip_prefix("0x").or_else(|| part.strip_prefix("0X")) {
                (hex, 16)
            } else if part.len() > 1 && part.starts_with('0') {
                (&part[1..], 8)
            } else {
                (*part, 10)
            };
        if digits.is_empty() && radix != 8 {
            return Err(bad());
        }
        let value = if digits.is_empty() {
            0
        } else {
            u64::from_str_radix(digits, radix).map_err(|_| bad())?
        };
        values.push(value);
    }
    let (last, leading) = values.split_last().ok_or_else(bad)?;
    let mut number: u64 = 0;
    for (i, v) in leading.iter().enumerate() {
        if *v > 255 {
            return Err(bad());
        }
        number |= v << (24 - 8 * i);
    }
    let room = 32 - 8 * leading.len() as u32;
    if *last >= 1u64 << room {
        return Err(bad());
    }
    Ok((number | last) as u32)
}

fn int2ip(n: u32) -> String {
    std::net::Ipv4Addr::from(n).to_string()
}

/// The mask of a prefix length (0 to 32).
fn pfxlen2mask_int(pfxlen: i64) -> Result<u32, FunctionError> {
    match pfxlen {
        0 => Ok(0),
        1..=32 => Ok(u32::MAX << (32 - pfxlen)),
        _ => Err(format!("prefix length {pfxlen} is not between 0 and 32").into()),
    }
}

/// `10.0.0.1/8` → (address, 8); without a length, `default`.
fn parse_prefix(prefix: &str, default: i64) -> Result<(u32, i64), FunctionError> {
    match prefix.split_once('/') {
        Some((network, length)) => {
            let length = crate::value::parse_int(length)
                .ok_or_else(|| format!("{prefix:?}: the prefix length is not a number"))?;
            Ok((ip2int(network)?, length))
        }
        None => Ok((ip2int(prefix)?, default)),
    }
}

fn each(
    args: &[Value],
    f: impl Fn(&str) -> Result<Item, FunctionError>,
) -> Result<Value, FunctionError> {
    Ok(Value::from(
        strings(args, 0)
            .iter()
            .map(|s| f(s))
            .collect::<Result<Vec<_>, _>>()?,
    ))
}

/// `ipv4.in_network(prefixes, destination[, default_pfxlen])`: whether the
/// destination is in any of the prefixes (default length 24).
pub(super) fn in_network(args: &[Value]) -> Result<Value, FunctionError> {
    let needle = ip2int(&first_str(args, 1, "the destination")?)?;
    let default = if args.len() > 2 {
        first_int(args, 2, "the default prefix length")?
    } else {
        24
    };
    for prefix in strings(args, 0) {
        let (network, length) = parse_prefix(&prefix, default)?;
        let mask = pfxlen2mask_int(length)?;
        if needle & mask == network & mask {
            return Ok(Value::single(true));
        }
    }
    Ok(Value::single(false))
}

/// `ipv4.mask(ips, mask)`: each address with the mask applied.
pub(super) fn mask(args: &[Value]) -> Result<Value, FunctionError> {
    let mask = ip2int(&first_str(args, 1, "the mask")?)?;
    each(args, |ip| Ok(Item::from(int2ip(ip2int(ip)? & mask))))
}

/// `ipv4.mask2pfxlen(masks)`: each mask's prefix length.
pub(super) fn mask2pfxlen(args: &[Value]) -> Result<Value, FunctionError> {
    each(args, |mask| {
        let n = ip2int(mask)?;
        Ok(Item::Int(32 - i64::from(n.trailing_zeros().min(32))))
    })
}

/// `ipv4.pfxlen2mask(pfxlens)`: each prefix length's mask.
pub(super) fn pfxlen2mask(args: &[Value]) -> Result<Value, FunctionError> {
    let mut out = Vec::new();
    for item in arg(args, 0) {
        let length = item
            .to_int()
            .ok_or_else(|| format!("prefix length `{item}` is not a number"))?;
        out.push(Item::from(int2ip(pfxlen2mask_int(length)?)));
    }
    Ok(Value::from(out))
}

/// `ipv4.pfxmask(ips, pfxlen)`: each address with the prefix length's
/// mask applied.
pub(super) fn pfxmask(args: &[Value]) -> Result<Value, FunctionError> {
    let mask = pfxlen2mask_int(first_int(args, 1, "the prefix length")?)?;
    each(args, |ip| Ok(Item::from(int2ip(ip2int(ip)? & mask))))
}

/// `ipv4.network(prefixes)`: each prefix's network address.
pub(super) fn network(args: &[Value]) -> Result<Value, FunctionError> {
    each(args, |prefix| {
        let (ip, length) = parse_prefix(prefix, 24)?;
        Ok(Item::from(int2ip(ip & pfxlen2mask_int(length)?)))
    })
}

/// `ipv4.broadcast(prefixes)`: each prefix's broadcast address.
pub(super) fn broadcast(args: &[Value]) -> Result<Value, FunctionError> {
    each(args, |prefix| {
        let (ip, length) = parse_prefix(prefix, 24)?;
        Ok(Item::from(int2ip(ip | !pfxlen2mask_int(length)?)))
    })
}

/// `ipv4.remote_ip(local_ips)`: the other address of each /30 link.
pub(super) fn remote_ip(args: &[Value]) -> Result<Value, FunctionError> {
    each(args, |ip| {
        let local = ip2int(ip)?;
        let network = local & pfxlen2mask_int(30)?;
        Ok(Item::from(int2ip(
            network.wrapping_add(3).wrapping_sub(local - network),
        )))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(f: fn(&[Value]) -> Result<Value, FunctionError>, args: &[Value]) -> Vec<String> {
        f(args).unwrap().strings()
    }

    #[test]
    fn addresses_as_inet_aton_reads_them() {
        assert_eq!(ip2int("10.0.0.1").unwrap(), 0x0a00_0001);
        assert_eq!(ip2int("255.255.255.255").unwrap(), u32::MAX);
        assert_eq!(ip2int("10.1").unwrap(), 0x0a00_0001);
        assert_eq!(ip2int("1").unwrap(), 1);
        assert_eq!(ip2int("0x0a.010.0.1").unwrap(), 0x0a08_0001);
        for bad in [
            "",
            "1.2.3.4.5",
            "256.0.0.1",
            "a.b.c.d",
            "1..2",
            "10.0.0.256",
        ] {
            assert!(ip2int(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn functions() {
        let v = |s: &str| Value::from(s);
        assert_eq!(call(network, &[v("10.1.2.3/8")]), ["10.0.0.0"]);
        assert_eq!(call(network, &[v("10.1.2.3")]), ["10.1.2.0"]);
        assert_eq!(call(broadcast, &[v("10.1.2.3/30")]), ["10.1.2.3"]);
        assert_eq!(call(broadcast, &[v("10.1.2.3/0")]), ["255.255.255.255"]);
        assert_eq!(
            call(
                mask,
                &[Value::list(["10.1.2.3", "192.168.7.9"]), v("255.255.0.0")]
            ),
            ["10.1.0.0", "192.168.0.0"]
        );
        assert_eq!(
            f(mask2pfxlen(&[Value::list([
                "255.255.255.0",
                "0.0.0.0",
                "255.255.255.255"
            ])])),
            ["24", "0", "32"]
        );
        assert_eq!(
            call(
                pfxlen2mask,
                &[Value::list([Item::Int(30), Item::from("0")])]
            ),
            ["255.255.255.252", "0.0.0.0"]
        );
        assert_eq!(
            call(pfxmask, &[v("10.1.2.3"), Value::from(16)]),
            ["10.1.0.0"]
        );
        assert_eq!(
            call(remote_ip, &[Value::list(["10.0.0.1", "10.0.0.2"])]),
            ["10.0.0.2", "10.0.0.1"]
        );
        assert_eq!(
            call(
                in_network,
                &[
                    Value::list(["192.168.0.0/16", "10.0.0.0/22"]),
                    v("10.0.3.1")
                ]
            ),
            ["True"]
        );
        assert_eq!(call(in_network, &[v("10.0.0.0"), v("10.0.1.1")]), ["False"]);
        assert_eq!(
            call(in_network, &[v("10.0.0.0"), v("10.0.1.1"), Value::from(16)]),
            ["True"]
        );
        assert!(network(&[v("10.0.0.0/33")]).is_err());
    }

    fn f(r: Result<Value, FunctionError>) -> Vec<String> {
        r.unwrap().strings()
    }
}
