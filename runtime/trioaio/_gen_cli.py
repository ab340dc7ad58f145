"""Find the trioaio-gen binary from Python; `python -m trioaio._gen_cli`
runs it.

The `trioaio-gen` command on PATH is the C binary itself: the wheel ships it
as a script (as ruff's does), so a call does not start Python or import
Trio.  This module is for code that needs the binary's path, e.g. a tool
that runs it in a subprocess from an environment whose scripts directory
is not on PATH.
"""
import os
import sys
import sysconfig

_HERE = os.path.dirname(os.path.abspath(__file__))
_NAME = "trioaio-gen"


def _candidates():
    # A source checkout: the binary `make gen-build` left in build/gen/
    # (always the current one; an editable install's scripts copy may lag).
    yield os.path.join(_HERE, "..", "..", "build", "gen", _NAME)
    # The scripts directory of the scheme this package was installed with:
    # the environment's own, then the user scheme (`pip install --user`).
    yield os.path.join(sysconfig.get_path("scripts"), _NAME)
    user = sysconfig.get_preferred_scheme("user")
    yield os.path.join(sysconfig.get_path("scripts", user), _NAME)
    # `pip install --target DIR`: the scripts land in DIR/bin.
    yield os.path.join(_HERE, "..", "bin", _NAME)


_CANDIDATES = tuple(_candidates())


def find_binary():
    """Path of the trioaio-gen binary, or None."""
    for path in _CANDIDATES:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return os.path.normpath(path)
    return None


def main():
    binary = find_binary()
    if binary is None:
        sys.stderr.write(
            "trioaio-gen: the binary is missing from this installation; "
            "reinstall with 'pip install trioaio' or 'pip install .' from a "
            "checkout (or run 'make gen-build' in a source checkout)\n")
        return 2
    os.execv(binary, [binary] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
