#!/bin/sh
# The plain-install path, as a user takes it: a clean clone of HEAD,
# `python -m build` (the sdist, then the wheel built from the unpacked
# sdist, both in build's isolated environment), the wheel installed into a
# new venv, and the examples and the trioaio-gen command run against that
# install from outside the source tree.
#
#   PYTHON=python3 sh scripts/test-wheel.sh     (`make test-wheel`)
#
# Uncommitted changes are not in the clone: commit first.
set -eu
PYTHON=${PYTHON:-python3}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$root/build/test-wheel
rm -rf "$work"
mkdir -p "$work"

step() { echo "test-wheel: $*"; }
fail() {
    echo "test-wheel: FAIL: $*" >&2
    exit 1
}

step "clone $(git -C "$root" rev-parse --short HEAD) into $work/src"
git clone -q "$root" "$work/src"

step "python -m build (sdist, then the wheel from the sdist)"
"$PYTHON" -m build --outdir "$work/dist" "$work/src" >"$work/build.log" 2>&1 ||
    { tail -n 40 "$work/build.log" >&2; fail "python -m build (log: $work/build.log)"; }
sdist=$(ls "$work"/dist/trioaio-*.tar.gz)
wheel=$(ls "$work"/dist/trioaio-*.whl)
step "built $(basename "$sdist") and $(basename "$wheel")"
# The wheel's command is the binary itself, not a Python entry point.
unzip -l "$wheel" | grep -q ' trioaio-[^/]*\.data/scripts/trioaio-gen$' ||
    fail "the wheel has no trioaio-gen script"

step "install the wheel into a new venv"
"$PYTHON" -m venv "$work/venv"
venv=$work/venv
"$venv/bin/python" -m pip install -q "$wheel" pytest >"$work/install.log" 2>&1 ||
    { cat "$work/install.log" >&2; fail "pip install of the wheel"; }

# From outside the tree, so nothing can import runtime/trioaio.
cd "$work"
where=$("$venv/bin/python" -c 'import trioaio; print(trioaio.__file__)')
case $where in
"$venv"/*) step "trioaio imported from $where" ;;
*) fail "trioaio was imported from $where, not from the venv" ;;
esac

gen=$venv/bin/trioaio-gen
[ "$(head -c 4 "$gen" | od -An -c | tr -d ' ')" = "177ELF" ] ||
    fail "$gen is not an ELF binary: $(head -c 40 "$gen")"
version=$(PATH=$venv/bin:$PATH trioaio-gen --version) ||
    fail "trioaio-gen --version"
step "trioaio-gen on PATH is the binary: $version"

step "the examples against the installed package"
"$venv/bin/python" -m pytest -q -p no:cacheprovider \
    -W ignore::pytest.PytestConfigWarning --rootdir="$work/src" \
    "$work/src/examples" ||
    fail "the examples failed against the installed wheel"

step "trioaio-gen check and gen on examples/mixed_project"
project=$work/src/examples/mixed_project
set +e
"$gen" check "$project" >"$work/check.out" 2>&1
rc=$?
set -e
cat "$work/check.out"
# The example keeps one deliberate mistake: exit 1 with a finding.
[ $rc = 1 ] && grep -q 'TA00' "$work/check.out" ||
    fail "trioaio-gen check exited $rc, expected 1 with a finding"
"$gen" gen "$project/mixed" -o "$work/adapters"
PYTHONPATH=$work/adapters:$project "$venv/bin/python" "$project/main.py" ||
    fail "examples/mixed_project/main.py with the generated adapters"
step "ok"
