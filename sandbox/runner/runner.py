# The PyMD block runner: reads RunRequest lines on stdin, runs blocks in one namespace and
# answers with run frames (protocol/run-frames.ts) on a private copy of the original stdout.
#
# Standard library only, and only cheap builtin modules at start: cold start is on the hot path,
# so json/traceback/base64/io are avoided or imported lazily.
import sys
import os
import _thread
import _json
import _ast
import _signal
import time

_VERSION = 1
_enc = _json.encode_basestring_ascii
_clock = time.perf_counter

# --- the frame channel -------------------------------------------------------------------------
# fd 1 is the host's pipe. Keep a private duplicate for frames and point fd 0/1/2 elsewhere so
# nothing user code does (print, os.write(1), C extensions, subprocesses) can reach the channel
# or read the request stream by accident.
_frame_fd = os.dup(1)
_req_fd = os.dup(0)
_null = os.open("/dev/null", os.O_RDWR)
os.dup2(_null, 0)
_out_r, _out_w = os.pipe()
_err_r, _err_w = os.pipe()
os.dup2(_out_w, 1)
os.dup2(_err_w, 2)
os.close(_out_w)
os.close(_err_w)
os.close(_null)
os.set_blocking(_out_r, False)
os.set_blocking(_err_r, False)

_lock = _thread.RLock()
_RUNNER_PID = os.getpid()


def _after_fork_in_child():
    # The frame lock may have been held by the pump thread, which does not exist in the child.
    global _lock
    _lock = _thread.RLock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _leave_if_forked(exc=None):
    """A process forked by user code must never continue as a second runner."""
    if os.getpid() != _RUNNER_PID:
        if exc is not None:
            try:
                _emit_output("stderr", "%s in a forked process: %s\n" % (type(exc).__name__, exc))
            except BaseException:
                pass
        os._exit(1 if exc is not None else 0)


def _write_frame(s):
    data = (s + "\n").encode("utf-8", "surrogatepass")
    view = memoryview(data)
    while view:
        n = os.write(_frame_fd, view)
        view = view[n:]


def _num(x):
    return repr(int(x)) if x is not None else "null"


# Current request state; read by the fd-pipe thread, so it lives in one mutable list.
# [runId, block id, bytes used, truncated flag, limit]
_state = ["", 0, 0, False, 1 << 20]


def _emit_output(kind, text, mime=None):
    """Emits stdout/stderr/display output for the current block, enforcing the byte cap."""
    with _lock:
        run_id, block, used, truncated, limit = _state
        if truncated:
            return
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if used + size > limit:
            room = limit - used
            if kind in ("stdout", "stderr") and room > 0:
                _write_frame('{"type":"%s","runId":%s,"block":%d,"text":%s}' % (kind, _enc(run_id), block, _enc(text[:room])))
            _state[2] = limit
            _state[3] = True
            _write_frame('{"type":"truncated","runId":%s,"block":%d,"limitBytes":%d}' % (_enc(run_id), block, limit))
            return
        _state[2] = used + size
        if mime is None:
            _write_frame('{"type":"%s","runId":%s,"block":%d,"text":%s}' % (kind, _enc(run_id), block, _enc(text)))
        else:
            _write_frame('{"type":"display","runId":%s,"block":%d,"mime":%s,"data":%s}' % (_enc(run_id), block, _enc(mime), _enc(text)))


# Held while bytes are read from a pipe and emitted, so a block's end-of-block drain waits for a
# read the pump thread is in the middle of, and no output slips past the block's end.
_drain_lock = _thread.allocate_lock()


def _drain_fd(fd, kind):
    """Reads whatever is waiting in one of the fd 1/2 pipes without blocking."""
    with _drain_lock:
        _drain_fd_locked(fd, kind)


def _drain_fd_locked(fd, kind):
    chunks = []
    while True:
        try:
            b = os.read(fd, 65536)
        except BlockingIOError:
            break
        except InterruptedError:
            continue
        if not b:
            break
        chunks.append(b)
        if len(chunks) > 64:
            break
    if chunks:
        _emit_output(kind, b"".join(chunks).decode("utf-8", "replace"))


def _fd_pump():
    import select
    p = select.poll()
    p.register(_out_r, select.POLLIN)
    p.register(_err_r, select.POLLIN)
    while True:
        try:
            ready = p.poll()
        except InterruptedError:
            continue
        for fd, _ in ready:
            _drain_fd(fd, "stdout" if fd == _out_r else "stderr")


_thread.start_new_thread(_fd_pump, ())


class _Stream:
    """sys.stdout/sys.stderr: line-buffered, flushed at least every 100 ms of writes."""

    encoding = "utf-8"
    errors = "replace"
    newlines = None
    closed = False
    line_buffering = True

    def __init__(self, kind, fd):
        self._kind = kind
        self._fd = fd
        self._buf = []
        self._size = 0
        self._since = 0.0

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not %s" % type(s).__name__)
        if not s:
            return 0
        if not self._buf:
            self._since = _clock()
        self._buf.append(s)
        self._size += len(s)
        if "\n" in s or self._size > 8192 or _clock() - self._since > 0.1:
            self.flush()
        return len(s)

    def writelines(self, lines):
        for s in lines:
            self.write(s)

    def flush(self):
        if self._buf:
            text = "".join(self._buf)
            self._buf = []
            self._size = 0
            _emit_output(self._kind, text)

    def fileno(self):
        return self._fd

    def isatty(self):
        return False

    def readable(self):
        return False

    def writable(self):
        return True

    def seekable(self):
        return False


class _NoInput:
    encoding = "utf-8"
    closed = False

    def _fail(self, *a, **k):
        raise RuntimeError("notebooks have no standard input")

    read = readline = readlines = __iter__ = __next__ = _fail

    def fileno(self):
        return 0

    def isatty(self):
        return False

    def readable(self):
        return True

    def close(self):
        # multiprocessing closes sys.stdin in every child it starts
        self.closed = True


_stdout = _Stream("stdout", 1)
_stderr = _Stream("stderr", 2)
sys.stdout = sys.__stdout__ = _stdout
sys.stderr = sys.__stderr__ = _stderr
sys.stdin = sys.__stdin__ = _NoInput()


def _flush_streams():
    _stdout.flush()
    _stderr.flush()
    _drain_fd(_out_r, "stdout")
    _drain_fd(_err_r, "stderr")


# input() mocks, as the PyMD Syntax Guide documents them: every line of a block that contains
# `input(` gives one value, the text after `# input:` on that line ("" without one); calls take
# them in order. The prompt is not printed.
_input_values = []


def _input_mocks(code):
    out = []
    for line in code.splitlines():
        if "input(" in line:
            i = line.find("# input:")
            out.append(line[i + len("# input:"):].strip() if i >= 0 else "")
    return out


def _no_input(prompt=""):
    if _input_values:
        return _input_values.pop(0)
    raise RuntimeError(
        "notebooks have no standard input: give input() its value in a comment on the same line, "
        "e.g. name = input('Name? ')  # input: Ada"
    )


def _exit(code=None):
    raise SystemExit(code)


import builtins  # noqa: E402  (builtin module, free)

builtins.input = _no_input
builtins.exit = builtins.quit = _exit

# -S skipped site.py (it costs several ms); add the system package directories it would add.
_ver = "python%d.%d" % sys.version_info[:2]
for _d in (
    "/usr/local/lib/%s/dist-packages" % _ver,
    "/usr/lib/python3/dist-packages",
    "/usr/lib/%s/dist-packages" % _ver,
    "%s/lib/%s/site-packages" % (sys.prefix, _ver),
):
    if _d not in sys.path and os.path.isdir(_d):
        sys.path.append(_d)

# --- displays ----------------------------------------------------------------------------------


def _display(mime, data):
    _flush_streams()
    _emit_output("display", data, mime)


def _b64(raw):
    import binascii
    return binascii.b2a_base64(raw, newline=False).decode("ascii")


def _escape_html(s):
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _figure_png(fig):
    import io
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return buf.getvalue()


def _show_figures(close=True):
    """Emits every open pyplot figure that has axes, then closes them all."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return
    try:
        for num in plt.get_fignums():
            fig = plt.figure(num)
            if fig.axes:
                _display("image/png", _b64(_figure_png(fig)))
    finally:
        if close:
            plt.close("all")


def _is_pandas(obj, names):
    t = type(obj)
    return t.__module__.startswith("pandas") and t.__name__ in names


def _table_html(df):
    return df.to_html(classes="pymd-table", border=1)


def _display_value(obj):
    """Shows a value the way a notebook would, for the kinds PyMD renders; others are ignored."""
    if obj is None:
        return
    if _is_pandas(obj, ("DataFrame", "Styler")):
        _display("text/html", obj.to_html() if type(obj).__name__ == "Styler" else _table_html(obj))
    elif _is_pandas(obj, ("Series",)):
        _display("text/html", _table_html(obj.to_frame()))
    elif type(obj).__module__.startswith("matplotlib") and hasattr(obj, "savefig"):
        _display("image/png", _b64(_figure_png(obj)))


def _is_matplotlib_artist(obj):
    """What pyplot calls return (a Line2D, a list of them, a Text): noise next to the figure itself."""
    if type(obj).__module__.startswith("matplotlib"):
        return not hasattr(obj, "savefig")
    return isinstance(obj, (list, tuple)) and len(obj) > 0 and all(type(o).__module__.startswith("matplotlib") for o in obj)


class _Shown(str):
    """What a pymd helper returns: the text it already showed, so a final expression does not show it twice."""


def _display_result(obj):
    """A block's final bare expression, as Jupyter shows it: rich reprs first, else repr()."""
    if obj is None or isinstance(obj, _Shown) or _is_matplotlib_artist(obj):
        return
    if _is_pandas(obj, ("DataFrame", "Styler", "Series")) or (type(obj).__module__.startswith("matplotlib") and hasattr(obj, "savefig")):
        _display_value(obj)
        return
    for attr, mime in (("_repr_html_", "text/html"), ("_repr_markdown_", "text/markdown")):
        f = getattr(obj, attr, None)
        if callable(f) and not isinstance(obj, type):
            r = f()
            if isinstance(r, str) and r:
                _display(mime, r)
                return
    f = getattr(obj, "_repr_png_", None)
    if callable(f) and not isinstance(obj, type):
        r = f()
        if isinstance(r, bytes) and r:
            _display("image/png", _b64(r))
            return
    text = repr(obj)
    longest = max([len(m) for m in __import__("re").findall("`+", text)] or [0])
    fence = "`" * max(3, longest + 1)
    _display("text/markdown", "%soutput\n%s\n%s" % (fence, text, fence))


_builtin_print = builtins.print


def _print(*args, **kwargs):
    """print(df) or print(series) alone shows the table, as a notebook would; anything else prints."""
    if len(args) == 1 and kwargs.get("file") in (None, sys.stdout) and _is_pandas(args[0], ("DataFrame", "Series")):
        if kwargs.get("flush"):
            _flush_streams()
        _display_value(args[0])
        return
    _builtin_print(*args, **kwargs)


builtins.print = _print


def _patch_pyplot(plt):
    def show(*args, **kwargs):
        _show_figures()

    plt.show = show
    try:
        import matplotlib.figure as mfig

        def fig_show(self, *args, **kwargs):
            _display("image/png", _b64(_figure_png(self)))
            plt.close(self)

        mfig.Figure.show = fig_show
    except Exception:
        pass


class _PyplotHook:
    """Meta-path finder that patches matplotlib.pyplot right after it is first executed."""

    def find_spec(self, name, path=None, target=None):
        if name != "matplotlib.pyplot":
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None and spec.loader is not None:
                spec.loader = _PatchingLoader(spec.loader)
                return spec
        return None


class _PatchingLoader:
    def __init__(self, inner):
        self._inner = inner

    def create_module(self, spec):
        return self._inner.create_module(spec)

    def exec_module(self, module):
        self._inner.exec_module(module)
        _patch_pyplot(module)

    def __getattr__(self, name):
        return getattr(self._inner, name)


sys.meta_path.insert(0, _PyplotHook())

# --- rarely needed code, compiled on first use ------------------------------------------------
# Compiling it at start would cost about a millisecond on every cold run.
_EXTRAS_SRC = r'''
def _fence(text, lang=""):
    longest = run = 0
    for ch in text:
        run = run + 1 if ch == "`" else 0
        longest = max(longest, run)
    ticks = "`" * max(3, longest + 1)
    return "%s%s\n%s\n%s" % (ticks, lang, text.rstrip("\n"), ticks)


def _fill_pymd(m):
    m.__doc__ = "PyMD output helpers: headings, text, code, tables, images and videos."

    def heading(level):
        def h(text):
            md = "#" * level + " " + str(text)
            _display("text/markdown", md)
            return _Shown(md)
        h.__name__ = "h%d" % level
        return h

    def text(s):
        md = str(s)
        _display("text/markdown", md)
        return _Shown(md)

    def code(s, language="python"):
        md = _fence(str(s), str(language or ""))
        _display("text/markdown", md)
        return _Shown(md)

    def table(data):
        if _is_pandas(data, ("DataFrame",)):
            html = _table_html(data)
        elif _is_pandas(data, ("Series",)):
            html = _table_html(data.to_frame())
        elif isinstance(data, (list, tuple)):
            rows = []
            for item in data:
                cells = item if isinstance(item, (list, tuple)) else (item,)
                rows.append("<tr>" + "".join("<td>%s</td>" % _escape_html(c) for c in cells) + "</tr>")
            html = '<table class="pymd-table"><tbody>' + "".join(rows) + "</tbody></table>"
        else:
            html = '<pre class="data-output">%s</pre>' % _escape_html(data)
        _display("text/html", html)
        return _Shown(html)

    def image(source=None, caption=""):
        if source is None:
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is None:
                raise ValueError("pymd.image() without a source needs a matplotlib figure")
            fig = plt.gcf()
            _display("image/png", _b64(_figure_png(fig)))
            plt.close(fig)
        elif hasattr(source, "savefig"):
            _display("image/png", _b64(_figure_png(source)))
            # Shown now, so it must not be shown again when the block ends.
            plt = sys.modules.get("matplotlib.pyplot")
            if plt is not None:
                plt.close(source)
        else:
            with open(source, "rb") as f:
                raw = f.read()
            if raw.startswith(b"\x89PNG"):
                _display("image/png", _b64(raw))
            else:
                kind = "gif" if raw[:4] == b"GIF8" else "jpeg" if raw[:2] == b"\xff\xd8" else "png"
                _display("text/html", '<img alt="%s" src="data:image/%s;base64,%s">' % (_escape_html(caption), kind, _b64(raw)))
        if caption:
            _display("text/markdown", "*%s*" % str(caption))

    def video(path=None, caption="", width="100%", height="auto", controls=True, autoplay=False, loop=False, video_path=None):
        # Old documents name the path `video_path`; a missing file is reported in the output, as before.
        path = path if path is not None else video_path
        if path is None:
            raise TypeError("pymd.video() needs the path of a video file")
        try:
            with open(path, "rb") as f:
                raw = f.read()
        except OSError:
            _display("text/markdown", "*Error rendering video: Video file not found: %s*" % _escape_html(path))
            return
        ext = str(path).rsplit(".", 1)[-1].lower()
        if ext == "gif":
            html = '<img src="data:image/gif;base64,%s" width="%s">' % (_b64(raw), _escape_html(width))
        else:
            mime = {"webm": "video/webm", "ogg": "video/ogg", "mov": "video/quicktime", "avi": "video/x-msvideo"}.get(ext, "video/mp4")
            attrs = "".join(a for a, on in ((" controls", controls), (" autoplay muted", autoplay), (" loop", loop)) if on)
            html = '<video width="%s" height="%s"%s><source src="data:%s;base64,%s" type="%s"></video>' % (
                _escape_html(width), _escape_html(height), attrs, mime, _b64(raw), mime)
        _display("text/html", html)
        if caption:
            _display("text/markdown", "*%s*" % str(caption))

    def display(*objs):
        for obj in objs:
            if isinstance(obj, str):
                text(obj)
            else:
                _display_result(obj)

    m.h1, m.h2, m.h3 = heading(1), heading(2), heading(3)
    m.text, m.code, m.table, m.image, m.video, m.display = text, code, table, image, video, display


def _format_error_impl(exc):
    """Traceback text limited to document frames, with document line numbers."""
    name = type(exc).__name__
    try:
        value = str(exc)
    except Exception:
        value = "<unprintable %s>" % name
    lines = ["Traceback (most recent call last):"]
    last_line = None
    entries = []
    tb = exc.__traceback__
    while tb is not None:
        code = tb.tb_frame.f_code
        if code.co_filename in _block_files:
            entries.append((code.co_filename, tb.tb_lineno, code.co_name))
        tb = tb.tb_next
    prev = None
    repeats = 0
    for entry in entries:
        if entry == prev:
            repeats += 1
            if repeats >= 3:
                continue
        else:
            if repeats >= 3:
                lines.append("  [Previous line repeated %d more times]" % (repeats - 2))
            repeats = 0
        prev = entry
        filename, lineno, func = entry
        doc = _doc_line(filename, lineno)
        last_line = doc
        lines.append("  line %s, in %s" % (doc, func))
        src = _source_line(filename, lineno)
        if src:
            lines.append("    " + src)
    if repeats >= 3:
        lines.append("  [Previous line repeated %d more times]" % (repeats - 2))
    if isinstance(exc, SyntaxError) and exc.filename in _block_files:
        doc = _doc_line(exc.filename, exc.lineno)
        last_line = doc
        lines.append("  line %s" % doc)
        if exc.text:
            text = exc.text.rstrip("\n")
            stripped = text.lstrip()
            lines.append("    " + stripped)
            if exc.offset:
                col = max(0, exc.offset - 1 - (len(text) - len(stripped)))
                lines.append("    " + " " * col + "^")
        value = exc.msg
    if len(lines) == 1:
        lines = []
    lines.append("%s: %s" % (name, value) if value else name)
    return name, value, "\n".join(lines), last_line
'''
_extras_loaded = [False]


def _load_extras():
    if not _extras_loaded[0]:
        exec(compile(_EXTRAS_SRC, "<pymd-runner-extras>", "exec"), globals())
        _extras_loaded[0] = True


def _format_error(exc):
    _load_extras()
    return _format_error_impl(exc)


class _LazyPymd(type(sys)):
    """The `pymd` module; its helpers are compiled the first time one is looked up."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        if "h1" not in self.__dict__:
            _load_extras()
            _fill_pymd(self)
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError("module 'pymd' has no attribute %r" % name) from None


pymd = _LazyPymd("pymd")
sys.modules["pymd"] = pymd


def _display_builtin(*objs):
    """display(obj, ...) as in Jupyter: pymd.display."""
    pymd.display(*objs)


builtins.display = _display_builtin

# --- execution ---------------------------------------------------------------------------------

_ns = {"__name__": "__main__", "__builtins__": builtins, "__doc__": None, "pymd": pymd}
sys.modules["__main__"] = main_module = type(sys)("__main__")
main_module.__dict__.update(_ns)
_ns = main_module.__dict__

# filename -> (document line of the block's first line, source lines)
_block_files = {}
_in_block = [False]


# An interrupt that lands while a request is being set up (between blocks, or before the first
# block starts) is kept and delivered when the next block of that request begins.
_pending_interrupt = [False]


def _on_sigint(signum, frame):
    if _in_block[0]:
        raise KeyboardInterrupt
    _pending_interrupt[0] = True


_signal.signal(_signal.SIGINT, _on_sigint)


def _doc_line(filename, lineno):
    info = _block_files.get(filename)
    if info is None or lineno is None:
        return None
    return info[0] + lineno - 1


def _source_line(filename, lineno):
    info = _block_files.get(filename)
    if info is None or not lineno or lineno > len(info[1]):
        return ""
    return info[1][lineno - 1].strip()


def _exec_block(block, run_id):
    """Runs one block; returns its status."""
    code = block.get("code", "")
    bid = block.get("id", 0)
    filename = "<pymd block %d@%d>" % (bid, block.get("line", 1))
    _block_files[filename] = (int(block.get("line", 1) or 1), code.splitlines())
    _input_values[:] = _input_mocks(code)
    status = "ok"
    try:
        _in_block[0] = True
        try:
            if _pending_interrupt[0]:
                _pending_interrupt[0] = False
                raise KeyboardInterrupt
            tree = compile(code, filename, "exec", _ast.PyCF_ONLY_AST)
            last = None
            if tree.body and isinstance(tree.body[-1], _ast.Expr):
                last = _ast.Expression(body=tree.body.pop().value)
            exec(compile(tree, filename, "exec"), _ns)
            if last is not None:
                value = eval(compile(last, filename, "eval"), _ns)
                # a trailing semicolon keeps the value to itself, as in Jupyter
                if not code.rstrip().endswith(";"):
                    _display_result(value)
            _show_figures()
        finally:
            _in_block[0] = False
        _leave_if_forked()
    except SystemExit as e:
        _leave_if_forked()
        status = "exit"
        if e.code not in (None, 0):
            _flush_streams()
            _emit_output("stderr", "SystemExit: %s\n" % (e.code,))
    except KeyboardInterrupt:
        _leave_if_forked()
        status = "interrupted"
    except BaseException as e:  # noqa: B902 - everything a block raises is reported, never fatal
        _leave_if_forked(e)
        status = "error"
        try:
            name, value, tb, line = _format_error(e)
        except BaseException as fe:
            name, value, tb, line = type(e).__name__, "", "error while formatting: %r" % (fe,), None
        _flush_streams()
        _write_frame('{"type":"error","runId":%s,"block":%d,"name":%s,"value":%s,"traceback":%s,"line":%s}' % (
            _enc(run_id), bid, _enc(name), _enc(value[:100000]), _enc(tb[:200000]), _num(line)))
    finally:
        try:
            _show_figures()
        except BaseException:
            pass
    _flush_streams()
    return status


def _limit_cpu_for_block(seconds):
    """Each block gets its own CPU allowance (a kernel lives across blocks), below the hard cap."""
    if seconds <= 0:
        return
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
        used = resource.getrusage(resource.RUSAGE_SELF)
        want = int(used.ru_utime + used.ru_stime) + 1 + seconds
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if want != soft:
            resource.setrlimit(resource.RLIMIT_CPU, (want, hard))
    except Exception:
        pass


def _handle(req):
    run_id = str(req.get("runId", ""))
    limit = int(req.get("maxOutputBytes", 1 << 20))
    t0 = _clock()
    for block in req.get("blocks", []):
        bid = int(block.get("id", 0))
        _limit_cpu_for_block(_cpu_per_block)
        with _lock:
            _state[:] = [run_id, bid, 0, False, limit]
        _write_frame('{"type":"block-start","runId":%s,"block":%d}' % (_enc(run_id), bid))
        b0 = _clock()
        status = _exec_block(block, run_id)
        _write_frame('{"type":"block-done","runId":%s,"block":%d,"status":"%s","durationMs":%d}' % (
            _enc(run_id), bid, status, int((_clock() - b0) * 1000)))
        if status == "interrupted":
            break
    _pending_interrupt[0] = False
    _write_frame('{"type":"done","runId":%s,"durationMs":%d}' % (_enc(run_id), int((_clock() - t0) * 1000)))


class _JsonContext:
    strict = False
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo = {}

    @staticmethod
    def parse_constant(name):
        return {"NaN": float("nan"), "Infinity": float("inf"), "-Infinity": float("-inf")}[name]


_scan = _json.make_scanner(_JsonContext())


def _parse(line):
    text = line.decode("utf-8", "replace").strip()
    obj, end = _scan(text, 0)
    return obj


def _requests():
    buf = b""
    while True:
        nl = buf.find(b"\n")
        if nl >= 0:
            line, buf = buf[:nl], buf[nl + 1:]
            if line.strip():
                yield line
            continue
        try:
            chunk = os.read(_req_fd, 1 << 20)
        except InterruptedError:
            continue
        except KeyboardInterrupt:
            continue
        if not chunk:
            if buf.strip():
                yield buf
            return
        buf += chunk


_cpu_per_block = 0
for _i, _a in enumerate(sys.argv):
    if _a == "--cpu-per-request" and _i + 1 < len(sys.argv):
        _cpu_per_block = int(sys.argv[_i + 1])
    elif _a == "--nproc" and _i + 1 < len(sys.argv):
        # Set here, inside the jail's own user namespace, RLIMIT_NPROC counts this jail's
        # processes only (not every process of the host account); no capability can raise it.
        import resource as _resource

        _n = int(sys.argv[_i + 1])
        _resource.setrlimit(_resource.RLIMIT_NPROC, (_n, _n))


def _main():
    _write_frame('{"v":%d,"type":"ready","python":%s}' % (_VERSION, _enc("%d.%d.%d" % sys.version_info[:3])))
    for line in _requests():
        try:
            req = _parse(line)
        except Exception:
            continue
        if isinstance(req, dict) and req.get("type") == "run":
            try:
                _handle(req)
            except KeyboardInterrupt:
                pass


_main()
