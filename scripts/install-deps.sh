#!/bin/sh
# Install what the build and the tests need: Debian packages (only those
# missing, so a warm machine does not touch the network) and PyPI packages.
set -eu
APT_PACKAGES="build-essential pkg-config python3-dev libuv1-dev libtree-sitter-dev
libcmocka-dev clang-format"
missing=""
for p in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
"${PYTHON:-python3}" -m pip install -q --disable-pip-version-check \
    -r requirements-dev.txt
