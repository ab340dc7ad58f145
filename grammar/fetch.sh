#!/bin/sh
# Download, verify and unpack the pinned tree-sitter-python grammar.
#
# usage: fetch.sh OUTDIR PY_VERSION PY_SHA256 CORE_VERSION CORE_SHA256 ABI
#
# Leaves OUTDIR/src/{parser.c,scanner.c,tree_sitter/*.h}.  Archives already
# in OUTDIR/dl with the right hash are reused, so an offline rebuild works.
# Set TRIOAIO_GRAMMAR_DL to a directory holding both sdists to skip pip.
set -eu
out=$1 pyver=$2 pysum=$3 corever=$4 coresum=$5 abi=$6
PYTHON=${PYTHON:-python3}
dl=$out/dl
mkdir -p "$dl"
pyarch=tree_sitter_python-$pyver.tar.gz
corearch=tree-sitter-$corever.tar.gz

die() {
    echo "trioaio-gen grammar: $*" >&2
    exit 1
}

verify() {  # file sha256 -> 0 if the file exists and matches
    [ -f "$1" ] || return 1
    got=$(sha256sum "$1" | cut -d' ' -f1)
    [ "$got" = "$2" ]
}

fetch() {  # requirement archive sha256
    if verify "$dl/$2" "$3"; then
        return 0
    fi
    if [ -n "${TRIOAIO_GRAMMAR_DL:-}" ] && [ -f "$TRIOAIO_GRAMMAR_DL/$2" ]; then
        cp "$TRIOAIO_GRAMMAR_DL/$2" "$dl/$2"
    else
        rm -f "$dl/$2"
        "$PYTHON" -m pip download --quiet --no-deps --no-binary :all: \
            --no-build-isolation -d "$dl" "$1" >&2 ||
            die "could not download $1 from the package index"
    fi
    [ -f "$dl/$2" ] || die "pip did not produce $dl/$2"
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
