# The PyMD block runner's entry: main() reads its options, rewires the descriptors (pymd_io),
# sets up displays (pymd_display) and the namespace (pymd_exec), then answers RunRequest lines on
# stdin with run frames (protocol/run-frames.ts) on a private copy of the original stdout; a
# kernel that keeps checkpoints does so through pymd_kernel.
#
# Standard library only, and only cheap builtin modules at start: cold start is on the hot path,
# so json/traceback/base64/io are avoided or imported lazily.
#
# Importing this module only defines things.
import sys
import os

import pymd_display
import pymd_exec
import pymd_io


def parse_args(argv):
    """The runner's options from its argument list (sys.argv)."""
    opts = {"cpu_per_block": 0, "checkpoints": 0, "memory": 0, "mpl_cache": None, "nproc": None}
    for i, a in enumerate(argv):
        if i + 1 >= len(argv):
            break
        if a == "--cpu-per-request":
            opts["cpu_per_block"] = int(argv[i + 1])
        elif a == "--checkpoints":
            opts["checkpoints"] = int(argv[i + 1])
        elif a == "--memory":
            opts["memory"] = int(argv[i + 1])
        elif a == "--mpl-cache":
            opts["mpl_cache"] = argv[i + 1]
        elif a == "--nproc":
            opts["nproc"] = int(argv[i + 1])
    return opts


def _add_system_packages():
    # -S skipped site.py (it costs several ms); add the system package directories it would add.
    ver = "python%d.%d" % sys.version_info[:2]
    for d in (
        "/usr/local/lib/%s/dist-packages" % ver,
        "/usr/lib/python3/dist-packages",
        "/usr/lib/%s/dist-packages" % ver,
        "%s/lib/%s/site-packages" % (sys.prefix, ver),
    ):
        if d not in sys.path and os.path.isdir(d):
            sys.path.append(d)


def _link_font_cache(cache_dir):
    # matplotlib's font list, prepared once for every kernel: linked into this jail's empty
    # config directory, so the first pyplot import reads it instead of scanning the fonts
    mpl_dir = os.environ.get("MPLCONFIGDIR")
    if not mpl_dir:
        return
    try:
        os.makedirs(mpl_dir, exist_ok=True)
        for name in os.listdir(cache_dir):
            if name.startswith("fontlist-") and name.endswith(".json"):
                os.symlink(os.path.join(cache_dir, name), os.path.join(mpl_dir, name))
    except OSError:
        pass


def main(argv=None):
    """Runs the runner until the host closes its stdin."""
    opts = parse_args(sys.argv if argv is None else argv)
    pymd_io.install()
    _add_system_packages()
    pymd_display.install()
    pymd_exec.install(opts["cpu_per_block"])
    if opts["mpl_cache"] is not None:
        _link_font_cache(opts["mpl_cache"])
    if opts["nproc"] is not None:
        # Set here, inside the jail's own user namespace, RLIMIT_NPROC counts this jail's
        # processes only (not every process of the host account); no capability can raise it.
        import resource

        resource.setrlimit(resource.RLIMIT_NPROC, (opts["nproc"], opts["nproc"]))
    if opts["checkpoints"] > 0:
        import pymd_kernel

        pymd_kernel.start(opts["checkpoints"], opts["memory"])
    else:
        pymd_io.start_pump()
        pymd_exec.serve()
