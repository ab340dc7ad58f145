"""The `trioaio-gen` command: runs the C binary that `pip install .` built.

The binary ships inside the package (trioaio/_bin/); an editable install
uses the one `make gen-build` left in build/gen/.
"""
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_CANDIDATES = (
    os.path.join(_HERE, "_bin", "trioaio-gen"),
    os.path.join(_HERE, "..", "..", "build", "gen", "trioaio-gen"),
)


def find_binary():
    """Path of the trioaio-gen binary, or None."""
    for path in _CANDIDATES:
        if os.access(path, os.X_OK):
            return os.path.normpath(path)
    return None


def main():
    binary = find_binary()
    if binary is None:
        sys.stderr.write(
            "trioaio-gen: the binary is missing from this installation; "
            "reinstall with 'pip install .' (or run 'make gen-build' in a "
            "source checkout)\n")
        return 2
    os.execv(binary, [binary] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
