# SPDX-License-Identifier: MIT
"""Build the mview extension for whichever Python runs pip.

The module is linked with libmviewclient's own sources (client/,
common/ and the protocol code protoc-c generates from proto/mview.proto),
so no installed C library is needed: only a C compiler, Python's headers,
protoc-c and libprotobuf-c (Debian: build-essential python3-dev
protobuf-c-compiler libprotobuf-c-dev). As in the autotools build, the
library's sources see its internal headers and the module's see the
public include/mview.h alone.
"""
import glob
import os
import re
import shutil
import subprocess

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

TOP = os.path.dirname(os.path.abspath(__file__))


def version():
    with open(os.path.join(TOP, "configure.ac"), encoding="utf-8") as f:
        m = re.search(r"AC_INIT\(\[mview\],\s*\[([^]]+)\]", f.read())
    if m is None:
        raise RuntimeError("no version in configure.ac's AC_INIT")
    return m.group(1)


def sources(folder):
    return sorted(os.path.relpath(p, TOP) for p in
                  glob.glob(os.path.join(TOP, folder, "*.c")))


def pkg_config(*args):
    try:
        out = subprocess.run(["pkg-config", *args, "libprotobuf-c"],
                             check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError):
        return []
    return out.stdout.split()


# The module's sources see the public header and their own folder only.
PUBLIC_INCLUDE = [os.path.join(TOP, d) for d in ("include", "python")]
# The library's see its internals; the generated protocol code is added.
LIBRARY_INCLUDE = [os.path.join(TOP, d) for d in ("include", "common")]
LIBRARY_SOURCES = sources("client") + sources("common")


class BuildExt(build_ext):
    """Generate the protocol code first; compile the library apart from the
    module, each with its own include path; ship the type stubs beside."""

    def run(self):
        gen = os.path.join(self.build_temp, "proto")
        os.makedirs(gen, exist_ok=True)
        protoc = shutil.which("protoc-c")
        if protoc is None:
            raise RuntimeError("mview needs protoc-c to build "
                               "(Debian: protobuf-c-compiler)")
        subprocess.run([protoc, "--proto_path=" + os.path.join(TOP, "proto"),
                        "--c_out=" + gen,
                        os.path.join(TOP, "proto", "mview.proto")],
                       check=True)
        # Export the module's init function only: the library's own
        # symbols must not meet an installed libmviewclient's.
        script = os.path.join(self.build_temp, "mview.sym")
        with open(script, "w", encoding="utf-8") as f:
            f.write("{ global: PyInit_mview; local: *; };\n")
        self.library_include = ([gen] + LIBRARY_INCLUDE
                                + [f[2:] for f in
                                   pkg_config("--cflags-only-I")])
        self.library_sources = (LIBRARY_SOURCES
                                + [os.path.join(gen, "mview.pb-c.c")])
        for ext in self.extensions:
            ext.extra_link_args.append("-Wl,--version-script=" + script)
        super().run()
        stubs = os.path.join(TOP, "python", "mview.pyi")
        dest = self.build_lib if not self.inplace else TOP
        self.copy_file(stubs, os.path.join(dest, "mview.pyi"))

    def build_extension(self, ext):
        objects = self.compiler.compile(
            self.library_sources, output_dir=self.build_temp,
            macros=ext.define_macros, include_dirs=self.library_include,
            debug=self.debug, extra_postargs=ext.extra_compile_args)
        ext.extra_objects = objects + list(ext.extra_objects or [])
        super().build_extension(ext)


cflags = [f for f in pkg_config("--cflags") if not f.startswith("-I")]
mview = Extension(
    "mview",
    sources=sources("python"),
    include_dirs=PUBLIC_INCLUDE,
    define_macros=[("_GNU_SOURCE", "1"),
                   ("PACKAGE_VERSION", '"%s"' % version())],
    extra_compile_args=["-std=gnu11", "-fvisibility=hidden",
                        "-fno-strict-aliasing"] + cflags,
    libraries=["protobuf-c"],
    # The library is linked in: a change to it relinks the module.
    depends=glob.glob(os.path.join(TOP, "*", "*.h")) + LIBRARY_SOURCES
    + [os.path.join("proto", "mview.proto")],
)

# One extension module and its stubs; no Python packages.
setup(version=version(), packages=[], ext_modules=[mview],
      cmdclass={"build_ext": BuildExt},
      # not ./build, where the autotools build usually lives
      options={"build": {"build_base": "build-pip"},
               "build_ext": {"parallel": os.cpu_count() or 1}})
