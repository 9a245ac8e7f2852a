#!/usr/bin/env bash
# Starts the real servers of the interop suite on loopback:
#   - two OpenSSH sshd (target on 127.0.0.1:2201, gateway on 127.0.0.1:2202),
#     each with its own config and host keys,
#   - GNU inetutils telnetd with /bin/login on 127.0.0.1:2323 (through socat),
#   - a test user `oxtest` with a password and authorized keys.
# Writes everything a test needs into $DIR/interop.env. Idempotent.
#   - a sudo rule letting the test user run anything with its password
#     (the shells interop tests push `sudo -s`).
# Needs root (creates a user, runs sshd). Packages: openssh-server,
# openssh-client, inetutils-telnetd, socat, sudo, python3 (the CI script
# installs them).
set -euo pipefail

DIR=${OXSCRIPT_INTEROP_DIR:-/tmp/oxscript-interop}
USER_NAME=oxtest
PASSWORD='Interop-Pass-7'
KEY_PASSPHRASE='key-phrase-9'
SSH_PORT=2201
GW_PORT=2202
TELNET_PORT=2323

mkdir -p "$DIR" /run/sshd
chmod 700 "$DIR"

if ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd --create-home --shell /bin/bash "$USER_NAME"
fi
echo "$USER_NAME:$PASSWORD" | chpasswd
HOME_DIR=$(getent passwd "$USER_NAME" | cut -d: -f6)

# `sudo -s` with the user's password (rewritten every time: idempotent).
if [ -d /etc/sudoers.d ]; then
    SUDOERS=/etc/sudoers.d/oxscript-interop
    echo "$USER_NAME ALL=(ALL:ALL) ALL" > "$SUDOERS.tmp"
    chmod 0440 "$SUDOERS.tmp"
    if command -v visudo >/dev/null && ! visudo -cqf "$SUDOERS.tmp"; then
        echo "sudoers rule for $USER_NAME does not parse" >&2
        rm -f "$SUDOERS.tmp"
        exit 1
    fi
    mv "$SUDOERS.tmp" "$SUDOERS"
fi

# Client keys: an unencrypted ed25519 key, an encrypted RSA key, an ecdsa key
# (the last one only reachable through ssh-agent in the tests).
[ -f "$DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C oxtest-ed25519 -f "$DIR/id_ed25519"
[ -f "$DIR/id_rsa_enc" ] || ssh-keygen -q -t rsa -b 3072 -N "$KEY_PASSPHRASE" -C oxtest-rsa -f "$DIR/id_rsa_enc"
[ -f "$DIR/id_ecdsa_agent" ] || ssh-keygen -q -t ecdsa -b 256 -N '' -C oxtest-ecdsa -f "$DIR/id_ecdsa_agent"
# A key that is NOT authorized, to test refusals.
[ -f "$DIR/id_ed25519_other" ] || ssh-keygen -q -t ed25519 -N '' -C other -f "$DIR/id_ed25519_other"
chmod 600 "$DIR"/id_*
mkdir -p "$HOME_DIR/.ssh"
cat "$DIR/id_ed25519.pub" "$DIR/id_rsa_enc.pub" "$DIR/id_ecdsa_agent.pub" > "$HOME_DIR/.ssh/authorized_keys"
chmod 700 "$HOME_DIR/.ssh"
chmod 600 "$HOME_DIR/.ssh/authorized_keys"
chown -R "$USER_NAME:$USER_NAME" "$HOME_DIR/.ssh"

# Stops the process whose pid is in file $1, if it runs, and waits (up to
# 5 s) until it is gone, so its port is free before anything rebinds it.
stop_pidfile() {
    local pidfile=$1 pid
    [ -f "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "process $pid ($pidfile) did not exit" >&2
            exit 1
        fi
    fi
    rm -f "$pidfile"
}

start_sshd() {
    local name=$1 port=$2
    local d="$DIR/$name"
    mkdir -p "$d"
    [ -f "$d/ssh_host_ed25519_key" ] || ssh-keygen -q -t ed25519 -N '' -f "$d/ssh_host_ed25519_key"
    [ -f "$d/ssh_host_rsa_key" ] || ssh-keygen -q -t rsa -b 3072 -N '' -f "$d/ssh_host_rsa_key"
    cat > "$d/sshd_config" <<CFG
ListenAddress 127.0.0.1
Port $port
HostKey $d/ssh_host_ed25519_key
HostKey $d/ssh_host_rsa_key
PidFile $d/sshd.pid
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication yes
KbdInteractiveAuthentication yes
PubkeyAuthentication yes
PermitRootLogin no
UsePAM yes
AllowTcpForwarding yes
PermitTunnel no
X11Forwarding no
PrintMotd no
MaxStartups 200:30:400
MaxSessions 64
LogLevel ERROR
Subsystem sftp internal-sftp
CFG
    stop_pidfile "$d/sshd.pid"
    /usr/sbin/sshd -t -f "$d/sshd_config"
    /usr/sbin/sshd -f "$d/sshd_config" -E "$d/sshd.log"
}

start_sshd sshd-target "$SSH_PORT"
start_sshd sshd-gateway "$GW_PORT"

# GNU telnetd is an inetd service: socat accepts and execs it with the TCP
# socket as its stdin/stdout (nofork), one process per connection.
stop_pidfile "$DIR/telnetd.pid"
nohup socat TCP-LISTEN:$TELNET_PORT,bind=127.0.0.1,reuseaddr,fork EXEC:"/usr/sbin/telnetd",nofork \
    >"$DIR/telnetd.log" 2>&1 &
SOCAT_PID=$!
echo "$SOCAT_PID" > "$DIR/telnetd.pid"

# Host keys as known_hosts lines, for the strict host-key tests.
{
    for entry in "sshd-target:$SSH_PORT" "sshd-gateway:$GW_PORT"; do
        name=${entry%%:*}; port=${entry##*:}
        echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$DIR/$name/ssh_host_ed25519_key.pub")"
        echo "[127.0.0.1]:$port $(cut -d' ' -f1,2 "$DIR/$name/ssh_host_rsa_key.pub")"
    done
} > "$DIR/known_hosts"

# socat exits at once when it cannot listen (port taken, bad address):
# check it is alive before waiting for its port, and while waiting.
socat_alive() {
    kill -0 "$SOCAT_PID" 2>/dev/null && return 0
    echo "socat for telnetd exited:" >&2
    cat "$DIR/telnetd.log" >&2
    exit 1
}
socat_alive

# Wait until every server accepts connections (bounded).
for port in $SSH_PORT $GW_PORT $TELNET_PORT; do
    for _ in $(seq 1 100); do
        [ "$port" != "$TELNET_PORT" ] || socat_alive
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
        sleep 0.1
    done
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "server on port $port did not start" >&2; exit 1; }
done

cat > "$DIR/interop.env" <<ENV
OXSCRIPT_INTEROP_SSH_HOST=127.0.0.1
OXSCRIPT_INTEROP_SSH_PORT=$SSH_PORT
OXSCRIPT_INTEROP_GATEWAY_PORT=$GW_PORT
OXSCRIPT_INTEROP_TELNET_PORT=$TELNET_PORT
OXSCRIPT_INTEROP_USER=$USER_NAME
OXSCRIPT_INTEROP_PASSWORD=$PASSWORD
OXSCRIPT_INTEROP_KEY=$DIR/id_ed25519
OXSCRIPT_INTEROP_ENCRYPTED_KEY=$DIR/id_rsa_enc
OXSCRIPT_INTEROP_KEY_PASSPHRASE=$KEY_PASSPHRASE
OXSCRIPT_INTEROP_AGENT_KEY=$DIR/id_ecdsa_agent
OXSCRIPT_INTEROP_OTHER_KEY=$DIR/id_ed25519_other
OXSCRIPT_INTEROP_KNOWN_HOSTS=$DIR/known_hosts
ENV
chmod 644 "$DIR/interop.env"
echo "interop servers ready: $DIR/interop.env"
