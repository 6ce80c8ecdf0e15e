# The entry of Python in the reader's browser (Pyodide, in a worker): the server runner's own
# modules (pymd_io, pymd_display, pymd_exec, ...), with each frame handed to the page through the
# worker instead of written to the host's pipe. Blocks run in one namespace, as in a kernel.
#
# Importing this module only defines things; setup() installs the channel, displays and namespace.
import sys

_known = set()
_packages = [False]


class _NotInThisBrowser:
    """Last on sys.meta_path: a package of the Pyodide distribution this server does not serve."""

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if path is None and top in _known and not _packages[0]:
            raise ModuleNotFoundError(
                "No module named %r: this server offers only the Python standard library in the browser "
                "(an administrator can add packages such as numpy, pandas and matplotlib with --pyodide-dir)" % top,
                name=name,
            )
        return None


def setup(options_json):
    """Frames go to the page; print, display(), pymd and tracebacks behave as in the server's runner."""
    import json
    import _pymd_host
    import pymd_io

    opts = json.loads(options_json)
    _packages[0] = bool(opts.get("packages"))
    _known.update(str(n) for n in opts.get("known", []))
    # before the modules that import it by name
    pymd_io.write_frame = _pymd_host.emit
    pymd_io.become_runner()
    sys.stdout = sys.__stdout__ = pymd_io.stdout
    sys.stderr = sys.__stderr__ = pymd_io.stderr
    sys.stdin = sys.__stdin__ = pymd_io._NoInput()
    import pymd_display
    import pymd_exec

    pymd_display.install()
    pymd_exec.install(0)
    sys.meta_path.append(_NotInThisBrowser())


def run(request_json):
    """Runs a RunRequest's blocks in the namespace and sends their frames, then "done"."""
    import json
    import pymd_exec

    pymd_exec.run_request(json.loads(request_json), exact=False)
