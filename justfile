# Shortcuts only: every recipe is a plain cargo (or script) command.

# Run the main job against 5 embedded emulated routers.
demo:
    cargo run -p oxscript-cli -- --emulate 5 -c 5 -e "show version; show ip interface brief"

# The full test suite (the interop part needs `just interop-servers` first, as root).
test:
    cargo test --workspace

# Start real sshd/telnetd on loopback for the interop suite (root).
interop-servers:
    .ci/interop-setup.sh

# Formatting and lints, as CI runs them.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --all-targets -- -D warnings

# Benchmarks (see docs/performance.md).
bench:
    cargo bench --bench throughput

# Everything CI does.
ci:
    .ci/run
