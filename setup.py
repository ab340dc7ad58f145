"""Build the C core (trioaio._core) and the trioaio-gen binary that
`pip install .` puts on PATH."""
import os
import subprocess
import sys
from glob import glob

from setuptools import Extension, setup

# setuptools has no build_scripts of its own; this is its bundled distutils.
from distutils.command.build_scripts import build_scripts  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEBUG = os.environ.get("TRIOAIO_DEBUG") == "1"
SANITIZE = os.environ.get("TRIOAIO_SANITIZE")  # e.g. "address,undefined"
# gcov instrumentation for `make coverage` (scripts/coverage.sh builds it
# into build/coverage/, never in place).
COVERAGE = os.environ.get("TRIOAIO_COVERAGE") == "1"

cflags = ["-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter",
          "-Wno-missing-field-initializers"]
ldflags = []
macros = []
if DEBUG or COVERAGE:
    # The fault-injection hook (runtime/src/fault.h) reaches the error
    # paths of libc and libuv calls; the release build has none of it.
    macros.append(("TA_FAULT_INJECTION", "1"))
if DEBUG:
    # -UNDEBUG: the core's assert()s check its invariants in this build.
    cflags += ["-O1", "-g", "-fno-omit-frame-pointer", "-UNDEBUG"]
    macros.append(("TA_DEBUG", "1"))
elif COVERAGE:
    # -O0: optimised code folds lines together and gcov misattributes them.
    cflags += ["-O0", "-g"]
else:
    cflags += ["-O2"]
if SANITIZE:
    cflags += ["-fsanitize=" + SANITIZE, "-fno-sanitize-recover=all"]
    ldflags += ["-fsanitize=" + SANITIZE]
if COVERAGE:
    # atomic: the counters stay exact when threads run instrumented code.
    cflags += ["--coverage", "-fprofile-update=atomic"]
    ldflags += ["--coverage"]

# Relative to HERE: setuptools wants setup.py-relative paths.
GEN_BIN = "build/gen/trioaio-gen"

core = Extension(
    "trioaio._core",
    sources=sorted(glob("runtime/src/*.c")),
    depends=sorted(glob("runtime/src/*.h")),
    include_dirs=["runtime/src"],
    libraries=["uv"],
    define_macros=macros,
    extra_compile_args=cflags,
    extra_link_args=ldflags,
)


class BuildScriptsWithGen(build_scripts):
    """Build trioaio-gen (a C program) and ship the binary itself as the
    wheel's `trioaio-gen` script, as ruff's wheel does: the command on PATH
    is the program, with no Python start-up in front of it.

    The binary is a build product, not a source file: it is not part of
    the sdist, and it is copied as is (distutils would read its first line
    as text to look for a shebang).
    """

    def get_source_files(self):
        return []

    def run(self):
        subprocess.check_call(["make", "-C", HERE, "gen-build",
                               "PYTHON=" + sys.executable])
        self.mkpath(self.build_dir)
        for script in self.scripts:
            self.copy_file(os.path.join(HERE, script), self.build_dir)
        # copy_file keeps the mode; make it executable in any case.
        for script in self.scripts:
            out = os.path.join(self.build_dir, os.path.basename(script))
            os.chmod(out, os.stat(out).st_mode | 0o755)


setup(
    ext_modules=[core],
    scripts=[GEN_BIN],
    cmdclass={"build_scripts": BuildScriptsWithGen},
)
