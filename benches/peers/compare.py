#!/usr/bin/env python3
"""Commands/s of netmiko, scrapli and Exscript against oxscript's emulated
Cisco IOS router, over Telnet and SSH, for docs/performance.md.

    cargo run --release --example serve_emulated -- 1 900 > /tmp/urls &
    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install netmiko scrapli exscript
    /tmp/peers/bin/python benches/peers/compare.py "$(cat /tmp/urls)"

The argument is the line printed by serve_emulated: "telnet://HOST:PORT ssh://HOST:PORT";
an optional second argument is the enable secret (default "enable"; the
targets benchmark's routers use "cisco").
Each client logs in (admin/cisco, enable), disables paging, then runs
`show clock` N times; the figure is commands per second of wall time, and
the client's own CPU time per command (the emulator is another process).
"""
import resource
import sys
import time
from urllib.parse import urlparse

N = 500
ENABLE = sys.argv[2] if len(sys.argv) > 2 else "enable"


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(name, run):
    try:
        t0, c0 = time.perf_counter(), cpu()
        n = run()
        wall, used = time.perf_counter() - t0, cpu() - c0
        print(f"| {name} | {n / wall:.0f} commands/s | {used * 1e6 / n:.0f} µs CPU/command |", flush=True)
    except Exception as e:  # a client failing is a result too
        print(f"| {name} | failed: {type(e).__name__}: {e} | |", flush=True)


def netmiko(kind, host, port):
    from netmiko import ConnectHandler

    def run():
        conn = ConnectHandler(device_type=kind, host=host, port=port, username="admin",
                              password="cisco", secret=ENABLE, fast_cli=True)
        conn.enable()
        for _ in range(N):
            conn.send_command("show clock")
        conn.disconnect()
        return N
    return run


def scrapli(transport, host, port):
    # scrapli 2.x (libscrapli, Zig core): definitions are YAML, the enable
    # secret is a "lookup".
    from scrapli import AuthOptions, Cli, LookupKeyValue, TransportBinOptions, TransportTelnetOptions

    def run():
        options = (TransportTelnetOptions() if transport == "telnet"
                   else TransportBinOptions(enable_strict_key=False))
        conn = Cli(host, port=port, definition_file_or_name="cisco_iosxe",
                   auth_options=AuthOptions(username="admin", password="cisco",
                                            lookups=[LookupKeyValue(key="enable", value=ENABLE)]),
                   transport_options=options)
        conn.open()
        for _ in range(N):
            conn.send_input("show clock")
        conn.close()
        return N
    return run


def exscript(url):
    from Exscript import Account
    from Exscript.protocols import prepare

    def run():
        conn = prepare(url)
        conn.set_driver("ios")
        conn.connect(urlparse(url).hostname, urlparse(url).port)
        conn.login(Account("admin", "cisco", password2=ENABLE))
        conn.autoinit()
        for _ in range(N):
            conn.execute("show clock")
        conn.close(force=True)
        return N
    return run


def main():
    telnet, ssh = sys.argv[1].split()
    t, s = urlparse(telnet), urlparse(ssh)
    print(f"| client | {N} x `show clock`, one session | client CPU |\n|---|---|---|")
    measure("netmiko 4.8 (cisco_ios_telnet)", netmiko("cisco_ios_telnet", t.hostname, t.port))
    measure("netmiko 4.8 (cisco_ios, SSH)", netmiko("cisco_ios", s.hostname, s.port))
    measure("scrapli 2 (telnet transport)", scrapli("telnet", t.hostname, t.port))
    measure("scrapli 2 (bin transport: OpenSSH, SSH)", scrapli("bin", s.hostname, s.port))
    measure("Exscript 2.6 (telnet)", exscript(telnet))


if __name__ == "__main__":
    main()
