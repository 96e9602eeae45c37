"""Build the Cython extension ``cs231n.im2col_cython``.

All project metadata lives in pyproject.toml; this file only declares the
extension, because it needs numpy's include directory and an OpenMP probe.
"""

import os
import sys
import tempfile

import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

OPENMP_PROBE = "#include <omp.h>\nint main(void) { return omp_get_max_threads() > 0 ? 0 : 1; }\n"


def compiler_has_openmp(compiler):
    """Return True when the C compiler can build and link an OpenMP program."""
    flag = "/openmp" if sys.platform == "win32" else "-fopenmp"
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "probe.c")
        with open(source, "w") as f:
            f.write(OPENMP_PROBE)
        try:
            objects = compiler.compile([source], output_dir=tmp, extra_postargs=[flag])
            compiler.link_executable(objects, os.path.join(tmp, "probe"), extra_postargs=[flag])
        except Exception:  # noqa: BLE001 - any failure means "no OpenMP here"
            return False
    return True


class BuildExtWithOptionalOpenMP(build_ext):
    """build_ext that adds OpenMP flags only where the compiler supports them."""

    def build_extensions(self):
        use_openmp = os.environ.get("CS231N_NO_OPENMP", "") == "" and compiler_has_openmp(
            self.compiler
        )
        flag = "/openmp" if sys.platform == "win32" else "-fopenmp"
        for ext in self.extensions:
            if use_openmp:
                ext.extra_compile_args.append(flag)
                ext.extra_link_args.append(flag)
        if not use_openmp:
            print("cs231n: building without OpenMP (the extension runs single-threaded)")
        super().build_extensions()


extensions = [
    Extension(
        "cs231n.im2col_cython",
        ["cs231n/im2col_cython.pyx"],
        include_dirs=[np.get_include()],
        extra_compile_args=["-O3"] if sys.platform != "win32" else [],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
    )
]

setup(
    ext_modules=cythonize(extensions, language_level=3),
    cmdclass={"build_ext": BuildExtWithOptionalOpenMP},
)
