#!/usr/bin/env bash
# Build the job runtime image (default tag python:3.11-slim) from Debian packages.
#
# No container registry is reachable from this workplace, so the image jobs run in is made
# locally: debootstrap a minimal bookworm rootfs with python3 + pip + venv, pack it into a
# tarball, and `docker import` it under the tag the JobSpec defaults to. The runner pulls
# with an if-not-present policy, so a local image with that tag is all it needs.
#
# The rootfs tarball is cached in $RGRID_IMAGE_CACHE (default /var/cache/rgrid) so that a
# fresh or restarted engine re-imports in seconds instead of re-running debootstrap.
#
# Does nothing when `docker image inspect` already finds the image.
#
# Environment:
#   RGRID_RUNTIME_IMAGE   tag to build (default python:3.11-slim)
#   RGRID_IMAGE_CACHE     cache directory for the rootfs tarball (default /var/cache/rgrid)
#   RGRID_DEBIAN_MIRROR   Debian mirror for debootstrap (default http://deb.debian.org/debian)
#   RGRID_REBUILD_ROOTFS  set to 1 to ignore the cached tarball and debootstrap again
#
# pip inside a container (found on this machine, see scripts/README.md):
#   HTTPS leaves this machine through an intercepting proxy. No HTTP(S)_PROXY variable is
#   needed: the default bridge network reaches PyPI (the interception is transparent), but
#   the proxy re-signs TLS with its own CA, which the image's Debian CA bundle does not
#   trust. Mount the host bundle and point pip at it:
#     docker run --rm \
#       -v /etc/ssl/certs/ca-certificates.crt:/etc/rgrid/ca.crt:ro \
#       -e PIP_CERT=/etc/rgrid/ca.crt \
#       python:3.11-slim sh -c 'python -m venv /tmp/v && /tmp/v/bin/pip install six'
#   Without PIP_CERT, pip fails with CERTIFICATE_VERIFY_FAILED. `--network none` (the job
#   step) of course cannot reach PyPI at all.
set -euo pipefail

image="${RGRID_RUNTIME_IMAGE:-python:3.11-slim}"
cache_dir="${RGRID_IMAGE_CACHE:-/var/cache/rgrid}"
mirror="${RGRID_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite="bookworm"
tarball="${cache_dir}/rootfs-${suite}-python3.tar.gz"

say() { echo "build-runtime-image: $*"; }

if docker image inspect "$image" >/dev/null 2>&1; then
    exit 0
fi

build_rootfs_tarball() {
    local rootfs
    rootfs="$(mktemp -d /var/tmp/rgrid-rootfs.XXXXXX)"
    # Remove a half-built rootfs on any exit; debootstrap leaves mounts only while it runs.
    trap 'rm -rf "$rootfs"' EXIT

    say "debootstrap ${suite} (minbase + python3) into ${rootfs} (takes a few minutes)"
    local log="${cache_dir}/debootstrap.log"
    if ! debootstrap --variant=minbase \
        --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates \
        "$suite" "$rootfs" "$mirror" >"$log" 2>&1; then
        say "debootstrap failed; last lines of ${log}:"
        tail -n 30 "$log" >&2
        return 1
    fi

    say "trimming apt caches, docs and locales"
    # The image only runs Python: package caches, lists, docs and man pages are dead weight.
    chroot "$rootfs" apt-get clean
    rm -rf "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/cache/apt/*.bin \
        "$rootfs"/var/cache/debconf/*-old \
        "$rootfs"/var/log/* \
        "$rootfs"/usr/share/doc/* \
        "$rootfs"/usr/share/man/* \
        "$rootfs"/usr/share/info/* \
        "$rootfs"/usr/share/locale/* \
        "$rootfs"/usr/share/lintian/*
    find "$rootfs"/usr/lib/python3* -name '__pycache__' -type d -prune -exec rm -rf {} +
    # Debian marks its python "externally managed"; jobs install requirements with pip
    # straight into the image's python (in their own container), like the official image.
    rm -f "$rootfs"/usr/lib/python3*/EXTERNALLY-MANAGED

    say "packing rootfs into ${tarball}"
    tar -C "$rootfs" --numeric-owner -czf "${tarball}.tmp" .
    mv "${tarball}.tmp" "$tarball"
    rm -rf "$rootfs"
    trap - EXIT
}

mkdir -p "$cache_dir"
if [[ "${RGRID_REBUILD_ROOTFS:-0}" == "1" || ! -s "$tarball" ]]; then
    if ! command -v debootstrap >/dev/null 2>&1; then
        say "debootstrap is not installed (run scripts/setup.sh)" >&2
        exit 1
    fi
    build_rootfs_tarball
else
    say "reusing cached rootfs ${tarball}"
fi

say "importing ${tarball} as ${image}"
docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    --message "rgrid runtime: debootstrap ${suite} minbase + python3" \
    "$tarball" "$image" >/dev/null

version="$(docker run --rm --network none "$image" python -c 'import sys; print(sys.version)')"
say "built ${image}: python ${version%% *}"
