"""Build the C core (trioaio._core) and, when its sources are present, the
trioaio-gen binary that `pip install .` puts on PATH."""
import os
import shutil
import subprocess
import sys
from glob import glob

from setuptools import Extension, setup
from setuptools.command.build_py import build_py

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
    cflags += ["--coverage"]
    ldflags += ["--coverage"]

core = Extension(
    "trioaio._core",
    sources=sorted(glob("runtime/src/*.c")),
    include_dirs=["runtime/src"],
    libraries=["uv"],
    define_macros=macros,
    extra_compile_args=cflags,
    extra_link_args=ldflags,
)


class BuildPyWithGen(build_py):
    """Also build trioaio-gen (a C program) and ship it inside the package."""

    def run(self):
        super().run()
        if not os.path.exists(os.path.join(HERE, "codegen", "gen.mk")):
            return
        subprocess.check_call(["make", "-C", HERE, "gen-build",
                               "PYTHON=" + sys.executable])
        dest = os.path.join(self.build_lib, "trioaio", "_bin")
        os.makedirs(dest, exist_ok=True)
        shutil.copy2(os.path.join(HERE, "build", "gen", "trioaio-gen"), dest)


setup(ext_modules=[core], cmdclass={"build_py": BuildPyWithGen})
