#!/usr/bin/env bash
# Prepare this machine for rgrid's tests: Debian packages, a running Docker engine and the
# job runtime image. Idempotent and quiet: a step prints one line only when it acts.
#
# Fresh machines and CI start with the docker CLI but no engine, no debootstrap and no
# Postgres server binaries, so everything the tests need is installed and started here.
#
# Environment:
#   RGRID_DOCKERD_LOG      dockerd log file (default /var/log/rgrid/dockerd.log)
#   RGRID_DOCKERD_TIMEOUT  seconds to wait for `docker info` (default 60)
#   RGRID_RUNTIME_IMAGE    runtime image tag (default python:3.11-slim)
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dockerd_log="${RGRID_DOCKERD_LOG:-/var/log/rgrid/dockerd.log}"
dockerd_timeout="${RGRID_DOCKERD_TIMEOUT:-60}"

say() { echo "setup: $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
die() {
    echo "setup: error: $*" >&2
    exit 1
}

# CI and the workplace machines run as root; elsewhere fall back to sudo.
root_cmd=()
if [[ "$(id -u)" != "0" ]]; then
    command -v sudo >/dev/null 2>&1 || die "run as root (or install sudo)"
    root_cmd=(sudo)
fi
as_root() { "${root_cmd[@]}" "$@"; }

package_installed() {
    [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

# Debian's python3 ships `venv` but strips `ensurepip`, so `venv --help` alone can pass while
# creating a venv fails; check both.
python_has_venv() {
    python3 -m venv --help >/dev/null 2>&1 && python3 -c 'import ensurepip' >/dev/null 2>&1
}

install_packages() {
    local wanted=(docker.io debootstrap iptables postgresql-15 util-linux tmux)
    local missing=()
    local pkg
    for pkg in "${wanted[@]}"; do
        package_installed "$pkg" || missing+=("$pkg")
    done
    if ! python_has_venv && ! package_installed python3-venv; then
        missing+=(python3-venv)
    fi
    [[ ${#missing[@]} -eq 0 ]] && return 0

    say "installing ${missing[*]} (apt-get)"
    # Package scripts must not start services: we start dockerd ourselves, and the tests
    # run their own Postgres servers, never the Debian cluster.
    local policy=/usr/sbin/policy-rc.d
    local own_policy=0
    if [[ ! -e "$policy" ]]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
        as_root chmod 755 "$policy"
        own_policy=1
    fi
    local apt_log
    apt_log="$(mktemp /tmp/rgrid-apt.XXXXXX)"
    local rc=0
    {
        as_root apt-get -o DPkg::Lock::Timeout=300 update -q &&
            as_root env DEBIAN_FRONTEND=noninteractive \
                apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends \
                "${missing[@]}"
    } >"$apt_log" 2>&1 || rc=$?
    [[ $own_policy -eq 1 ]] && as_root rm -f "$policy"
    if [[ $rc -ne 0 ]]; then
        tail -n 30 "$apt_log" >&2
        die "apt-get failed (full log: $apt_log)"
    fi
    rm -f "$apt_log"
}

# A killed dockerd may linger as a zombie until it is reaped; that counts as gone.
process_alive() {
    local state
    state="$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)" || return 1
    [[ -n "$state" && "$state" != "Z" ]]
}

docker_answers() {
    timeout 10 docker info >/dev/null 2>&1
}

wait_for_docker() {
    local pid="$1"
    local deadline=$((SECONDS + dockerd_timeout))
    while ((SECONDS < deadline)); do
        docker_answers && return 0
        # A dead daemon will never answer: stop waiting and let the caller try again.
        process_alive "$pid" || return 1
        sleep 0.5
    done
    return 1
}

# Prints the pid of the new dockerd. setsid + nohup: the engine must outlive this script
# (cargo test runs after it, and later sessions reuse it).
launch_dockerd() {
    "${root_cmd[@]}" setsid nohup dockerd "$@" >>"$dockerd_log" 2>&1 </dev/null &
    echo $!
}

stop_process() {
    local pid="$1"
    as_root kill "$pid" 2>/dev/null || return 0
    local deadline=$((SECONDS + 20))
    while process_alive "$pid" && ((SECONDS < deadline)); do
        sleep 0.2
    done
}

# After a killed engine, dockerd trips over what the old one left: it refuses to start while
# docker.pid names a process (a killed, unreaped dockerd still does), and it waits ~15 s and
# gives up when containerd.pid names an unreaped or orphaned containerd.
clear_stale_engine_state() {
    local pid_file=/var/run/docker.pid
    if [[ -s "$pid_file" ]] && ! process_alive "$(cat "$pid_file")"; then
        as_root rm -f "$pid_file"
    fi
    local containerd_pid_file=/var/run/docker/containerd/containerd.pid
    [[ -s "$containerd_pid_file" ]] || return 0
    local containerd_pid
    containerd_pid="$(cat "$containerd_pid_file")"
    if process_alive "$containerd_pid"; then
        # The engine's own containerd, orphaned when its dockerd died: stop it so the new
        # engine starts a fresh one instead of waiting on the old socket.
        say "stopping containerd (pid $containerd_pid) left behind by a dead dockerd"
        stop_process "$containerd_pid"
    fi
    as_root rm -f "$containerd_pid_file"
}

# Appends the workaround flags for what the failed start logged after line $1: vfs when the
# overlay driver failed, no iptables management when iptables failed.
fallback_flags() {
    # Only errors count: a healthy start also logs "graphdriver(s)=overlay2".
    local errors
    errors="$(tail -n "+$(($1 + 1))" "$dockerd_log" |
        grep -iE 'level=(error|fatal)|failed to start|error initializing' || true)"
    if grep -qiE 'overlay|graphdriver|storage.driver' <<<"$errors"; then
        echo "--storage-driver=vfs"
    fi
    if grep -qiE 'iptables' <<<"$errors"; then
        echo "--iptables=false --ip6tables=false"
    fi
}

start_docker() {
    docker_answers && return 0
    local running="" candidate
    for candidate in $(pgrep -x dockerd || true); do
        process_alive "$candidate" && running="$candidate" && break
    done
    if [[ -n "$running" ]]; then
        # An engine is starting, stuck, or dying after a kill: wait for it to answer or exit.
        say "dockerd (pid $running) is not answering yet; waiting up to ${dockerd_timeout}s"
        wait_for_docker "$running" && return 0
        process_alive "$running" &&
            die "dockerd (pid $running) does not answer 'docker info'; see $dockerd_log"
        say "dockerd (pid $running) exited; starting a new one"
    fi

    clear_stale_engine_state
    as_root mkdir -p "$(dirname "$dockerd_log")"
    as_root touch "$dockerd_log"
    local started
    started="$(now_ms)"
    local log_lines
    log_lines="$(wc -l <"$dockerd_log")"
    say "starting dockerd (log: $dockerd_log)"
    local pid
    pid="$(launch_dockerd)"
    if wait_for_docker "$pid"; then
        say "dockerd answers after $(($(now_ms) - started)) ms"
        return 0
    fi
    stop_process "$pid"
    tail -n 15 "$dockerd_log" >&2

    # The default flags work on this workplace's machines (overlay2, iptables NAT). Should a
    # sandbox refuse overlayfs or iptables, retry without them: containers still run, but
    # without iptables the bridge has no NAT (no pip in containers). Any other failure gets
    # one plain retry.
    local flags=()
    read -r -a flags <<<"$(fallback_flags "$log_lines" | tr '\n' ' ')"
    say "dockerd failed to start; retrying${flags[*]:+ with ${flags[*]}}"
    clear_stale_engine_state
    pid="$(launch_dockerd "${flags[@]}")"
    if wait_for_docker "$pid"; then
        say "dockerd answers after $(($(now_ms) - started)) ms${flags[*]:+ (${flags[*]})}"
        return 0
    fi
    tail -n 30 "$dockerd_log" >&2
    die "dockerd did not answer 'docker info' within ${dockerd_timeout}s; see $dockerd_log"
}

# The S3 backend's tests run against moto's S3 server on loopback (a PyPI package: a pip
# install takes seconds where building a Rust S3 server would take minutes).
install_s3_test_server() {
    command -v moto_server >/dev/null 2>&1 && return 0
    say "installing moto[server] (pip)"
    python3 -m pip install --quiet --disable-pip-version-check 'moto[server]>=5,<6' ||
        die "pip install 'moto[server]' failed"
    command -v moto_server >/dev/null 2>&1 || hash -r
    command -v moto_server >/dev/null 2>&1 ||
        die "moto_server is not on PATH after pip install; add pip's script directory to PATH"
}

main() {
    install_packages
    install_s3_test_server
    python_has_venv || die "python3 cannot create venvs even after installing python3-venv"
    command -v unshare >/dev/null 2>&1 || die "unshare (util-linux) is missing"
    [[ -x /usr/lib/postgresql/15/bin/postgres ]] ||
        die "/usr/lib/postgresql/15/bin/postgres is missing"
    start_docker
    bash "$script_dir/build-runtime-image.sh"
}

main "$@"
