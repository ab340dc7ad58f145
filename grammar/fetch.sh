#!/bin/sh
# Download, verify and unpack the pinned tree-sitter-python grammar.
#
# usage: fetch.sh OUTDIR PY_VERSION PY_SHA256 CORE_VERSION CORE_SHA256 ABI
#
# Leaves OUTDIR/src/{parser.c,scanner.c,tree_sitter/*.h}.  Archives already
# in OUTDIR/dl with the right hash are reused, so an offline rebuild works.
# Set TRIOAIO_GRAMMAR_DL to a directory holding both sdists to skip pip.
#
# pip is the download client, run as "$PYTHON -m pip", so that the user's
# pip configuration (index, extra indexes, find-links, proxy, certificates)
# applies.  This script runs inside whatever build environment called it:
# pip's or build's isolated environment (pip, setuptools and wheel come
# from pyproject.toml's build requirements there), a developer's venv, or
# a bare interpreter.  Two things differ between them and are probed, not
# assumed: whether pip can be imported at all, and whether setuptools and
# wheel are, which pip needs to read the grammar sdists' metadata.
set -eu
out=$1 pyver=$2 pysum=$3 corever=$4 coresum=$5 abi=$6
PYTHON=${PYTHON:-python3}
dl=$out/dl
mkdir -p "$dl"
pyarch=tree_sitter_python-$pyver.tar.gz
corearch=tree-sitter-$corever.tar.gz
log=$dl/pip.log

die() {
    echo "trioaio-gen grammar: $*" >&2
    exit 1
}

verify() {  # file sha256 -> 0 if the file exists and matches
    [ -f "$1" ] || return 1
    got=$(sha256sum "$1" | cut -d' ' -f1)
    [ "$got" = "$2" ]
}

# How to run pip, decided once: "$PYTHON -m pip" plus the isolation flag.
pip_chosen="" pip_mode=""
choose_pip() {
    [ -n "$pip_chosen" ] && return 0
    pip_chosen=1
    if ! err=$("$PYTHON" -c 'import pip' 2>&1); then
        die "cannot run pip with $PYTHON ($(echo "$err" | tail -n 1));" \
            "pip downloads the grammar sources: install pip into that" \
            "environment, or set TRIOAIO_GRAMMAR_DL to a directory that" \
            "holds $pyarch and $corearch"
    fi
    # The sdists' metadata is built with setuptools and wheel.  Where they
    # are importable (every isolated build of this project, since they are
    # its build requirements), use them: nothing more is fetched.  Where
    # not, pip builds that metadata in an isolated environment of its own,
    # which it fills from the same configured index.
    if "$PYTHON" -c 'import setuptools, wheel' >/dev/null 2>&1; then
        pip_mode=--no-build-isolation
    fi
}

fetch() {  # requirement archive sha256
    if verify "$dl/$2" "$3"; then
        return 0
    fi
    rm -f "$dl/$2"
    if [ -n "${TRIOAIO_GRAMMAR_DL:-}" ]; then
        [ -f "$TRIOAIO_GRAMMAR_DL/$2" ] ||
            die "TRIOAIO_GRAMMAR_DL=$TRIOAIO_GRAMMAR_DL has no $2;" \
                "put the sdist there or unset TRIOAIO_GRAMMAR_DL to" \
                "download it with pip"
        cp "$TRIOAIO_GRAMMAR_DL/$2" "$dl/$2"
    else
        choose_pip
        # --no-deps: the grammar's own dependencies are not needed;
        # --no-binary: the wheels hold compiled code, not parser.c.
        # PIP_REQUIRE_VIRTUALENV would refuse to run in a bare build
        # environment, and a download installs nothing.
        if ! PIP_REQUIRE_VIRTUALENV=0 "$PYTHON" -m pip download \
            --disable-pip-version-check --no-deps --no-binary :all: \
            $pip_mode -d "$dl" "$1" >"$log" 2>&1; then
            cat "$log" >&2
            die "pip could not download $1 (log above, also in $log);" \
                "check the network and pip's index settings" \
                "('$PYTHON -m pip config list'), or set TRIOAIO_GRAMMAR_DL" \
                "to a directory that holds $2"
        fi
    fi
    [ -f "$dl/$2" ] || die "pip did not produce $dl/$2 (see $log)"
    if ! verify "$dl/$2" "$3"; then
        got=$(sha256sum "$dl/$2" | cut -d' ' -f1)
        rm -f "$dl/$2"
        die "sha256 mismatch for $2: expected $3, got $got (archive removed)"
    fi
}

fetch "tree-sitter-python==$pyver" "$pyarch" "$pysum"
fetch "tree-sitter==$corever" "$corearch" "$coresum"

tmp=$out/tmp.$$
rm -rf "$tmp"
mkdir -p "$tmp"
trap 'rm -rf "$tmp"' EXIT
tar -xzf "$dl/$pyarch" -C "$tmp"
tar -xzf "$dl/$corearch" -C "$tmp"
pysrc=$tmp/tree_sitter_python-$pyver/src
hdr=$tmp/tree-sitter-$corever/tree_sitter/core/lib/src
[ -f "$pysrc/parser.c" ] || die "$pyarch has no src/parser.c"
for h in parser.h array.h alloc.h ts_assert.h; do
    [ -f "$hdr/$h" ] || die "$corearch has no $h"
done
got_abi=$(sed -n 's/^#define LANGUAGE_VERSION \([0-9]*\).*/\1/p' \
    "$pysrc/parser.c")
[ "$got_abi" = "$abi" ] ||
    die "grammar LANGUAGE_VERSION is '$got_abi', expected $abi"

rm -rf "$out/src"
mkdir -p "$out/src/tree_sitter"
cp "$pysrc/parser.c" "$pysrc/scanner.c" "$out/src/"
for h in parser.h array.h alloc.h ts_assert.h; do
    cp "$hdr/$h" "$out/src/tree_sitter/"
done
echo "grammar: tree-sitter-python $pyver (ABI $abi) verified" >&2
