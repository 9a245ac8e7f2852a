#!/usr/bin/env python3
"""Commands/s of netmiko, scrapli and Exscript against oxscript's emulated
Cisco IOS router, over Telnet and SSH, for docs/performance.md.

    cargo run --release --example serve_emulated -- 1 900 > /tmp/urls &
    python3 -m venv /tmp/peers && /tmp/peers/bin/pip install netmiko scrapli exscript
    /tmp/peers/bin/python benches/peers/compare.py "$(cat /tmp/urls)"
    /tmp/peers/bin/python benches/peers/compare.py --fanout FILE [ENABLE [K]]

With --fanout, FILE holds one "telnet://HOST:PORT ssh://HOST:PORT" line per
router, and each client does what `oxscript -c 100` does in the targets
benchmark: every router at once, log in, enable, 10 x `show clock`, close.
scrapli uses its asyncio API, Exscript its Queue (threads), netmiko a
thread pool (its documented way); the figure is the process's CPU for the
whole fan-out (imports and interpreter start excluded), children included
(none of these spawn any). With K, only the K-th client (from 0) runs, so
that the caller can also take the whole process's CPU, start and imports
included.

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


def cpu(children=False):
    """This process's CPU seconds, and its reaped children's with children."""
    who = [resource.RUSAGE_SELF] + ([resource.RUSAGE_CHILDREN] if children else [])
    return sum(r.ru_utime + r.ru_stime for r in map(resource.getrusage, who))


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


FANOUT_COMMANDS = 10


def measure_fanout(name, make, hosts):
    try:
        run = make()  # imports the client: not measured
        t0, c0 = time.perf_counter(), cpu(children=True)
        done = run()
        wall, used = time.perf_counter() - t0, cpu(children=True) - c0
        if done != hosts:
            raise RuntimeError(f"{done} of {hosts} hosts completed")
        print(f"| {name} | {wall:.2f} s wall | {used * 1e3:.0f} ms CPU |", flush=True)
    except Exception as e:  # a client failing is a result too
        print(f"| {name} | failed: {type(e).__name__}: {e} | |", flush=True)


def scrapli_fanout(transport, targets):
    import asyncio
    from scrapli import AuthOptions, Cli, LookupKeyValue, TransportSsh2Options, TransportTelnetOptions

    async def one(host, port):
        options = (TransportTelnetOptions() if transport == "telnet"
                   else TransportSsh2Options())
        conn = Cli(host, port=port, definition_file_or_name="cisco_iosxe",
                   auth_options=AuthOptions(username="admin", password="cisco",
                                            lookups=[LookupKeyValue(key="enable", value=ENABLE)]),
                   transport_options=options)
        await conn.open_async()
        for _ in range(FANOUT_COMMANDS):
            result = await conn.send_input_async("show clock")
            if "UTC" not in result.result:
                raise RuntimeError(f"unexpected output: {result.result!r}")
        await conn.close_async()
        return 1

    async def everyone():
        return sum(await asyncio.gather(*(one(h, p) for h, p in targets)))

    return lambda: asyncio.run(everyone())


def netmiko_fanout(kind, targets):
    from concurrent.futures import ThreadPoolExecutor
    from netmiko import ConnectHandler

    def one(target):
        host, port = target
        conn = ConnectHandler(device_type=kind, host=host, port=port, username="admin",
                              password="cisco", secret=ENABLE, fast_cli=True)
        conn.enable()
        for _ in range(FANOUT_COMMANDS):
            if "UTC" not in conn.send_command("show clock"):
                raise RuntimeError("unexpected output")
        conn.disconnect()
        return 1

    def run():
        with ThreadPoolExecutor(max_workers=len(targets)) as pool:
            return sum(pool.map(one, targets))
    return run


def exscript_fanout(urls):
    from Exscript import Account, Host
    from Exscript.util.start import start

    done = []

    def job(job, host, conn):
        conn.set_driver("ios")
        conn.autoinit()
        for _ in range(FANOUT_COMMANDS):
            conn.execute("show clock")
            if "UTC" not in conn.response:
                raise RuntimeError("unexpected output")
        done.append(1)

    def run():
        hosts = []
        for url in urls:
            host = Host(url)
            host.set_option("driver", "ios")
            hosts.append(host)
        account = Account("admin", "cisco", password2=ENABLE)
        start([account], hosts, job, max_threads=len(hosts), verbose=0)
        return len(done)
    return run


def fanout(path, only=None):
    lines = [line.split() for line in open(path) if line.strip()]
    telnet = [urlparse(t) for t, _ in lines]
    ssh = [urlparse(s) for _, s in lines]
    n = len(lines)
    # (name, a function making the runner): made only for the clients run,
    # so that a run of one imports only that client.
    clients = [
        ("scrapli 2 (telnet transport, asyncio)",
         lambda: scrapli_fanout("telnet", [(u.hostname, u.port) for u in telnet])),
        ("scrapli 2 (ssh2 transport: libssh2, asyncio, SSH)",
         lambda: scrapli_fanout("ssh2", [(u.hostname, u.port) for u in ssh])),
        ("Exscript 2.6 (telnet, Queue)",
         lambda: exscript_fanout([u.geturl() for u in telnet])),
        ("netmiko 4.8 (cisco_ios_telnet, threads)",
         lambda: netmiko_fanout("cisco_ios_telnet", [(u.hostname, u.port) for u in telnet])),
        ("netmiko 4.8 (cisco_ios, threads, SSH)",
         lambda: netmiko_fanout("cisco_ios", [(u.hostname, u.port) for u in ssh])),
    ]
    print(f"| client | {n} hosts x {FANOUT_COMMANDS} x `show clock` | client CPU |\n|---|---|---|")
    for k, (name, make) in enumerate(clients):
        if only is None or k == only:
            measure_fanout(name, make, n)


def main():
    if sys.argv[1] == "--fanout":
        global ENABLE
        ENABLE = sys.argv[3] if len(sys.argv) > 3 else "enable"
        return fanout(sys.argv[2], int(sys.argv[4]) if len(sys.argv) > 4 else None)
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
