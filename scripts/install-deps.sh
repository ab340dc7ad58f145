#!/bin/sh
# The one installer of what the build and the tests need, from the one
# manifest, requirements-dev.txt: its `# debian-build:` and `# debian-test:`
# lines name the Debian packages, its requirement lines the Python packages.
#
#   sh scripts/install-deps.sh          install what is missing: the Debian
#                                       packages with apt-get (sudo unless
#                                       root; a warm machine does not touch
#                                       the network), then pip install -r
#   sh scripts/install-deps.sh --check  install nothing: exit 1 naming what
#                                       the build lacks (`make` runs this:
#                                       the debian-build packages and the
#                                       Python build requirements)
#   sh scripts/install-deps.sh --bench  install the missing `# debian-bench:`
#                                       packages (what `make bench` adds:
#                                       PostgreSQL, wrk, valgrind) with
#                                       apt-get; nothing else
#
# PYTHON selects the interpreter whose packages are installed or checked.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
manifest=$root/requirements-dev.txt
PYTHON=${PYTHON:-python3}

debian() {  # kind -> the packages on the manifest's `# debian-KIND:` lines
    sed -n "s/^# debian-$1:[[:space:]]*//p" "$manifest"
}
missing_of() {  # packages -> those not installed
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
            grep -q "ok installed" || printf ' %s' "$p"
    done
}
[ -n "$(debian build)" ] || {
    echo "install-deps: no '# debian-build:' lines in $manifest" >&2
    exit 2
}
have_dpkg=1
command -v dpkg-query >/dev/null 2>&1 || have_dpkg=""

if [ "${1:-}" = --check ]; then
    # Off Debian, the package names mean nothing: the compiler says what
    # is missing instead.
    missing=""
    [ -z "$have_dpkg" ] || missing=$(missing_of $(debian build))
    status=0
    if [ -n "$missing" ]; then
        echo "missing Debian packages:$missing" >&2
        status=1
    fi
    # What `pip install --no-build-isolation -e .` needs from the
    # interpreter (pyproject.toml's build requirements).
    if ! err=$("$PYTHON" - 2>&1 <<'EOF'
import importlib.metadata as md
import sys
bad = []
for name, major in (("setuptools", 77), ("wheel", 0), ("pip", 0)):
    try:
        v = md.version(name)
    except md.PackageNotFoundError:
        bad.append(name)
        continue
    if int(v.split(".")[0]) < major:
        bad.append(f"{name}>={major} (have {v})")
if bad:
    sys.exit(" ".join(bad))
EOF
    ); then
        echo "missing Python packages in $PYTHON: $err" >&2
        status=1
    fi
    if [ $status != 0 ]; then
        echo "run 'make deps' (installs them: apt-get, pip) or install" \
            "them yourself; the list is $manifest" >&2
    fi
    exit $status
fi

[ -n "$have_dpkg" ] || {
    echo "install-deps: this is not a Debian system; install the" \
        "equivalents of the '# debian-*' packages in $manifest yourself" >&2
    exit 1
}
if [ "${1:-}" = --bench ]; then
    missing=$(missing_of $(debian bench))
else
    missing=$(missing_of $(debian build) $(debian test))
fi
if [ -n "$missing" ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    echo "install-deps: apt-get install$missing" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing
fi
[ "${1:-}" = --bench ] ||
    "$PYTHON" -m pip install -q --disable-pip-version-check -r "$manifest"
