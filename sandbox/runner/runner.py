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

# This process's output pump thread: (stop pipe read end, write end, lock released when it ends).
_pump = [None]


def _after_fork_in_child():
    # The pump thread does not exist in the child, and it may have held the frame lock or the
    # drain lock at the moment of the fork: both are made anew, and its stop pipe is closed.
    global _lock, _drain_lock
    _lock = _thread.RLock()
    _drain_lock = _thread.allocate_lock()
    if _pump[0] is not None:
        for fd in _pump[0][:2]:
            try:
                os.close(fd)
            except OSError:
                pass
        _pump[0] = None


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


# The output rate over time: [bytes per second (0: none), bytes of credit, when it was counted].
# Credit refills at the rate up to one block's cap; output past it puts the credit in debt, and
# the writer sleeps until the debt is paid, so a flood blocks its own writes, not the host.
_rate = [0, 0.0, 0.0]


def _pace(size, limit):
    rate = _rate[0]
    if rate <= 0 or size <= 0:
        return
    with _lock:
        now = _clock()
        credit = min(float(limit), _rate[1] + (now - _rate[2]) * rate) - size
        _rate[1] = credit
        _rate[2] = now
    if credit < 0:
        time.sleep(-credit / rate)


def _emit_output(kind, text, mime=None):
    """Emits stdout/stderr/display output for the current block, enforcing the byte cap and the rate."""
    size = _emit_capped(kind, text, mime)
    _pace(size, _state[4])


def _emit_capped(kind, text, mime):
    """Writes the output frame within the block's byte cap; answers the bytes it let through."""
    with _lock:
        run_id, block, used, truncated, limit = _state
        if truncated:
            return 0
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        if used + size > limit:
            room = limit - used
            if kind in ("stdout", "stderr") and room > 0:
                _write_frame('{"type":"%s","runId":%s,"block":%d,"text":%s}' % (kind, _enc(run_id), block, _enc(text[:room])))
            _state[2] = limit
            _state[3] = True
            _write_frame('{"type":"truncated","runId":%s,"block":%d,"limitBytes":%d}' % (_enc(run_id), block, limit))
            return max(room, 0)
        _state[2] = used + size
        if mime is None:
            _write_frame('{"type":"%s","runId":%s,"block":%d,"text":%s}' % (kind, _enc(run_id), block, _enc(text)))
        else:
            _write_frame('{"type":"display","runId":%s,"block":%d,"mime":%s,"data":%s}' % (_enc(run_id), block, _enc(mime), _enc(text)))
        return size


# Held while bytes are read from a pipe and emitted, so a block's end-of-block drain waits for a
# read the pump thread is in the middle of, and no output slips past the block's end.
_drain_lock = _thread.allocate_lock()


def _drain_fd(fd, kind):
    """Reads whatever is waiting in one of the fd 1/2 pipes without blocking."""
    with _drain_lock:
        _drain_fd_locked(fd, kind)


def _drain_fd_locked(fd, kind):
    chunks = []
    reads = 0
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
        reads += 1
        if _rate[0] > 0:
            # with a rate, each read is emitted (and paced) before the next, so the pipe stays
            # full while the output waits and the writer blocks instead of the runner buffering
            _emit_output(kind, b"".join(chunks).decode("utf-8", "replace"))
            chunks = []
        if reads > 64:
            break
    if chunks:
        _emit_output(kind, b"".join(chunks).decode("utf-8", "replace"))


def _fd_pump(stop_r, done):
    import select
    p = select.poll()
    p.register(_out_r, select.POLLIN)
    p.register(_err_r, select.POLLIN)
    p.register(stop_r, select.POLLIN)
    try:
        while True:
            try:
                ready = p.poll()
            except InterruptedError:
                continue
            for fd, _ in ready:
                if fd == stop_r:
                    return
                _drain_fd(fd, "stdout" if fd == _out_r else "stderr")
    finally:
        done.release()


def _start_pump():
    try:
        stop_r, stop_w = os.pipe()
    except OSError:
        # no descriptor left (the notebook holds them all): output of fd 1/2 arrives at each block's end
        return
    done = _thread.allocate_lock()
    done.acquire()
    try:
        _thread.start_new_thread(_fd_pump, (stop_r, done))
    except RuntimeError:
        # no thread to be had (the process limit is full): output of fd 1/2 arrives at each block's end
        os.close(stop_r)
        os.close(stop_w)
        return
    _pump[0] = (stop_r, stop_w, done)


def _stop_pump():
    """Ends this process's pump thread, so that it reads nothing another process writes to fd 1/2."""
    if _pump[0] is None:
        return
    stop_r, stop_w, done = _pump[0]
    _pump[0] = None
    os.write(stop_w, b"x")
    done.acquire()
    os.close(stop_r)
    os.close(stop_w)


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


def _latex_markdown(latex):
    """A `_repr_latex_` answer as Markdown math: `$…$` and `$$…$$` as they are, anything else as display math."""
    t = latex.strip()
    if t.startswith("$"):
        return t
    return "$$\n%s\n$$" % t


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
    f = getattr(obj, "_repr_latex_", None)
    if callable(f) and not isinstance(obj, type):
        r = f()
        if isinstance(r, str) and r.strip():
            _display("text/markdown", _latex_markdown(r))
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


def _on_sigxcpu(signum, frame):
    # The soft CPU limit of the block is reached. Its default action (end the process) does not
    # apply to the first process of a PID namespace (nsjail's), so the runner ends itself with
    # the status a SIGXCPU death has, which the host reports as the CPU limit.
    _os_exit(152)


try:
    import os as _os_mod

    _os_exit = _os_mod._exit
    _signal.signal(_signal.SIGXCPU, _on_sigxcpu)
except (AttributeError, ValueError, OSError):
    pass


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
        # RLIMIT_CPU counts whole seconds. A kernel's block gets up to a second more than its
        # allowance (the host's idle-CPU guard acts on less than that); a one-shot run's blocks
        # are held within half a second of it.
        spent = used.ru_utime + used.ru_stime
        want = (int(spent) + 1 if _ckpt_cap > 0 else int(spent + 0.5)) + seconds
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if want != soft:
            resource.setrlimit(resource.RLIMIT_CPU, (want, hard))
    except Exception:
        pass


def _block_frame(kind, run_id, bid, extra=""):
    _write_frame('{"type":"%s","runId":%s,"block":%d%s}' % (kind, _enc(run_id), bid, extra))


def _run_request(req, start=None, note=None, exact=True):
    """Runs the request's blocks from position `start` of prefix + blocks (default: its blocks), then says done.

    In an exact run (state keys), a checkpoint is kept before each block and the namespace's key
    follows the blocks that ran; otherwise the namespace's state is no longer a known one.
    """
    run_id = str(req.get("runId", ""))
    limit = int(req.get("maxOutputBytes", 1 << 20))
    rate = int(req.get("outputBytesPerSecond") or 0)
    if rate != _rate[0]:
        _rate[:] = [rate, float(limit), _clock()]
    prefix = req.get("prefix") or []
    seq = prefix + (req.get("blocks") or [])
    keys = req.get("keys") if exact else None
    if keys is not None and len(keys) != len(seq):
        keys = None
    if keys is None:
        _ck_key[0] = None
    first = len(prefix)
    if start is None:
        start = first
    t0 = _clock()
    for i in range(start, len(seq)):
        block = seq[i]
        bid = int(block.get("id", 0))
        _limit_cpu_for_block(_cpu_per_block)
        with _lock:
            _state[:] = [run_id, bid, 0, False, limit]
        _block_frame("block-start", run_id, bid)
        if note and i == first:
            _emit_output("display", note, "text/markdown")
        b0 = _clock()
        status = _exec_block(block, run_id)
        _block_frame("block-done", run_id, bid, ',"status":"%s","durationMs":%d' % (status, int((_clock() - b0) * 1000)))
        if keys is not None:
            # an interrupted block counts as run (as one that raised does): the blocks after it see
            # the state it left, as in a notebook, until it runs again
            _ck_key[0] = keys[i]
        if status == "interrupted":
            break
        # the state before the next block is kept once this block's end is on its way to the host
        if keys is not None and i + 1 < len(seq):
            _take_checkpoint(keys[i])
    _pending_interrupt[0] = False
    _write_frame('{"type":"done","runId":%s,"durationMs":%d}' % (_enc(run_id), int((_clock() - t0) * 1000)))
    # the state a run of the next block starts from, kept after the answer (off the run's latency)
    if keys is not None and _ck_key[0]:
        _take_checkpoint(_ck_key[0])


# --- checkpoints -------------------------------------------------------------------------------
# In a kernel, the state before each block of an exact run is kept as a paused fork() child (a
# copy-on-write checkpoint). A run from block k resumes the one taken before k: it forks a new
# live process and the current one exits. The first process of the jail never runs a block: it
# stays the pristine state before block 1, forwards interrupts to the live process and is pid 1
# of the jail's namespace under nsjail. Every process waits for messages on an abstract unix
# socket of the jail's own network namespace, named after the kernel and its pid.

_ckpt_cap = 0          # checkpoints kept at most (besides the pristine root); 0: not a kernel
_mem_budget = 0        # the jail's memory limit, which the checkpoints must leave room in
_token = b""
_root_pid = [0]
_live_pid = [0]        # (root) the process running blocks, for interrupts
_ck_key = [""]         # state key of this namespace: "" fresh, None unknown
_ck_table = []         # [key, pid] of the checkpoints, least recently used first
_ck_missing = {}       # state key -> why no checkpoint of it is kept
_reader_buf = [b""]    # request bytes read from stdin and not yet handled


class _Resume(BaseException):
    """Unwinds a process just forked from a checkpoint to the request loop, with its new request."""

    def __init__(self, payload):
        self.payload = payload


def _inbox(pid):
    return b"\0pymd-" + _token + b"-%d" % pid


def _listen(pid):
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    sock.bind(_inbox(pid))
    sock.listen(4)
    return sock


def _recv_all(conn):
    parts = []
    while True:
        b = conn.recv(1 << 16)
        if not b:
            return b"".join(parts)
        parts.append(b)


def _connect(pid):
    """A connection to the inbox of the process `pid`; OSError when there is none."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        for _ in range(25):
            try:
                sock.connect(_inbox(pid))
                return sock
            except (ConnectionRefusedError, FileNotFoundError):
                # a checkpoint forked a moment ago may not be listening yet
                os.kill(pid, 0)
                time.sleep(0.002)
        raise OSError("its process does not answer")
    except BaseException:
        sock.close()
        raise


def _send(pid, msg, reply=True, sock=None):
    """Sends one message to the process waiting on its inbox; returns its reply."""
    try:
        sock = sock or _connect(pid)
    except OSError as e:
        return b"err:" + (str(e) or "its process is gone").encode()
    try:
        sock.sendall(msg)
        sock.shutdown(_socket.SHUT_WR)
        return _recv_all(sock) if reply else b"ok"
    finally:
        sock.close()


def _forward_sigint(signum, frame):
    if _live_pid[0]:
        try:
            os.kill(_live_pid[0], _signal.SIGINT)
        except OSError:
            pass


def _wait_here(sock, is_root):
    """Waits as a checkpoint (or as the pristine root); returns only in a new live process forked from it."""
    import select
    _signal.signal(_signal.SIGCHLD, _signal.SIG_IGN)
    _signal.signal(_signal.SIGINT, _forward_sigint if is_root else _signal.SIG_IGN)
    p = select.poll()
    p.register(sock.fileno(), select.POLLIN)
    # the host closing stdin ends the kernel: every waiting process sees the hang-up
    p.register(_req_fd, 0)
    sock.setblocking(False)
    # the root ends the jail when the live process dies without handing over (a crash, os._exit)
    watched = [None, None]  # pid, pidfd

    def watch_live():
        if not is_root or watched[0] == _live_pid[0]:
            return
        if watched[1] is not None:
            p.unregister(watched[1])
            os.close(watched[1])
            watched[1] = None
        watched[0] = _live_pid[0]
        try:
            watched[1] = os.pidfd_open(watched[0])
            p.register(watched[1], select.POLLIN)
        except (AttributeError, OSError):
            pass

    def live_gone():
        try:
            os.kill(watched[0], 0)
            return False
        except OSError:
            return True

    while True:
        watch_live()
        try:
            ready = p.poll(None if not is_root or watched[1] is not None else 500)
        except InterruptedError:
            continue
        if is_root and watched[1] is None and watched[0] and live_gone():
            ready = [(-1, 0)]
        for fd, _ in ready:
            if fd == _req_fd:
                os._exit(0)
            if fd != sock.fileno():
                # the live process ended; a handover announces its successor before that happens
                if not _serve_one(sock, is_root) and watched[0] == _live_pid[0]:
                    os._exit(1)
                continue
            payload = _serve_one(sock, is_root)
            if isinstance(payload, dict):
                return payload


def _serve_one(sock, is_root):
    """Answers one message waiting on the inbox: True when one was served, a payload in a new live process."""
    try:
        cfd, _addr = sock._accept()
    except (BlockingIOError, InterruptedError):
        return False
    conn = _socket.socket(fileno=cfd)
    conn.setblocking(True)
    try:
        # only this kernel's own processes (same uid) may talk to it
        cred = conn.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
        if int.from_bytes(cred[4:8], sys.byteorder) != os.getuid():
            return True
        msg = _recv_all(conn)
        if msg[:1] == b"L":
            _live_pid[0] = int(msg[1:])
            return True
        if msg[:1] == b"E" and is_root:
            # the live process is ending with this status (its CPU limit): the jail ends with it
            os._exit(int(msg[1:]))
        if msg[:1] != b"R":
            return True
        # the root must learn of the new live process before the old one exits: the way to tell
        # it is opened first, and without one nothing is forked
        to_root = None
        if not is_root:
            try:
                to_root = _connect(_root_pid[0])
            except OSError as e:
                conn.sendall(b"err:the kernel's first process could not be reached (%s)" % str(e).encode())
                return True
        try:
            pid = os.fork()
        except OSError as e:
            if to_root is not None:
                to_root.close()
            conn.sendall(b"err:forking was refused (%s)" % (e.strerror or str(e)).encode())
            return True
        if pid == 0:
            if to_root is not None:
                to_root.close()
            sock.close()
            _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
            _signal.signal(_signal.SIGINT, _on_sigint)
            import marshal
            return marshal.loads(msg[1:])
        # the root learns of the new live process before the old one may exit
        if is_root:
            _live_pid[0] = pid
        else:
            _send(_root_pid[0], b"L%d" % pid, reply=False, sock=to_root)
        conn.sendall(b"ok")
    except OSError:
        pass
    finally:
        conn.close()
    return True


def _thread_count():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        threading = sys.modules.get("threading")
        return threading.active_count() + 1 if threading else 2


def _memory_of(pid, field):
    """A field (kB) of /proc/PID/smaps_rollup or status, in bytes; 0 when unreadable."""
    for name in ("smaps_rollup", "status"):
        try:
            with open("/proc/%d/%s" % (pid, name), "rb") as f:
                for line in f:
                    if line.startswith(field):
                        return int(line.split()[1]) * 1024
        except (OSError, ValueError):
            pass
    return 0


_dropped = []  # checkpoints killed and not yet reaped (tearing down a large one takes a while)


def _reap_dropped():
    for pid in _dropped[:]:
        try:
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        except ChildProcessError:
            pass  # not our child: whoever it was reparented to reaps it
        except OSError:
            continue
        _dropped.remove(pid)


def _drop(entry, reason):
    _ck_missing[entry[0]] = reason
    try:
        os.kill(entry[1], _signal.SIGKILL)
        _dropped.append(entry[1])
    except OSError:
        pass


_fit_checked = [0.0]
# Reading smaps_rollup walks a process's page tables (milliseconds for a large kernel): the
# kernel and its checkpoints are measured at most this often.
_FIT_EVERY_S = 2.0


def _fit_memory():
    """Drops the oldest checkpoints while the kernel and its checkpoints hold more than half the memory limit."""
    if not _mem_budget or not _ck_table:
        return
    now = _clock()
    if now - _fit_checked[0] < _FIT_EVERY_S:
        return
    # cheap bound first: even with nothing shared, all of them together fit
    try:
        with open("/proc/self/statm", "rb") as f:
            rss = int(f.read().split()[1]) * 4096
    except (OSError, ValueError, IndexError):
        return
    if rss * (len(_ck_table) + 1) <= _mem_budget // 2:
        return
    _fit_checked[0] = now
    held = [_memory_of(e[1], b"Pss:") for e in _ck_table]
    total = _memory_of(os.getpid(), b"Pss:") + sum(held)
    while _ck_table and total > _mem_budget // 2:
        total -= held.pop(0)
        _drop(_ck_table.pop(0), "it was dropped to keep the kernel within its memory limit")


def _take_checkpoint(key):
    if not key or _ckpt_cap <= 0:
        return
    if _dropped:
        _reap_dropped()
    for e in _ck_table:
        if e[0] == key:
            return
    n = _thread_count()
    if n > 2:
        _ck_missing[key] = "the kernel had %d threads running then, and forking a process with threads is unsafe" % n
        return
    _fit_memory()
    # a killed checkpoint still counts against the process limit until it is reaped: the oldest
    # is killed a block ahead, and only waited for when its slot is needed
    while len(_ck_table) + len(_dropped) >= _ckpt_cap:
        if _dropped:
            pid = _dropped.pop(0)
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass
        else:
            _drop(_ck_table.pop(0), "it was the oldest of the %d kept" % _ckpt_cap)
    try:
        pid = os.fork()
    except OSError as e:
        _ck_missing[key] = "forking was refused (%s)" % (e.strerror or e)
        return
    if pid == 0:
        try:
            payload = _wait_here(_listen(os.getpid()), False)
        except BaseException:
            os._exit(1)
        raise _Resume(payload)
    _ck_table.append([key, pid])
    _ck_missing.pop(key, None)
    if len(_ck_table) >= _ckpt_cap:
        _drop(_ck_table.pop(0), "it was the oldest of the %d kept" % _ckpt_cap)


def _catch_up_note(count, why):
    blocks = "the block above" if count == 1 else "the %d blocks above" % count
    return "*Kernel: %s ran first, from %s, so that this block sees the state a top-down run gives it.*" % (blocks, why)


def _hand_over(pid, req, start, note):
    """Has the checkpoint `pid` fork the next live process for this request; None when it did."""
    import marshal
    _stop_pump()
    payload = marshal.dumps({
        "req": req, "start": start, "note": note, "table": _ck_table, "missing": _ck_missing, "buf": _reader_buf[0],
    })
    try:
        reply = _send(pid, b"R" + payload)
    except OSError as e:
        reply = b"err:" + str(e).encode()
    if reply == b"ok":
        return None
    _start_pump()
    return reply[4:].decode("utf-8", "replace") or "no answer"


def _handle_exact(req):
    """An exact run: resume the state before the first requested block, then run from there.

    Only states this kernel has had are resumed: a checkpoint of that state, or when none was kept
    (threads, fork refused, dropped) the nearest earlier one, running the blocks in between again.
    A state the kernel never had (it is fresh, or a block above was edited and not run) is not made
    up: the blocks run in the namespace as it is, as in a notebook, until a run from the top.
    """
    prefix = req.get("prefix") or []
    keys = req.get("keys")
    first = len(prefix)
    if not isinstance(keys, list) or len(keys) != first + len(req.get("blocks") or []):
        return _run_request(req, first, exact=False)
    before = [""] + keys[:-1]
    wanted = before[first]
    if req.get("restarted"):
        # a fresh kernel the host started because nothing could be resumed: run from the top
        note = _catch_up_note(first, "a fresh state (the kernel was restarted: %s)" % req["restarted"]) if first else None
        return _run_request(req, 0, note)
    if wanted == _ck_key[0]:
        return _run_request(req, first)
    known = wanted == "" or wanted in _ck_missing or any(e[0] == wanted for e in _ck_table)
    if not known:
        return _run_request(req, first, exact=False)
    failures = []
    for s in range(first, -1, -1):
        k = before[s]
        here = k == _ck_key[0]
        note = None
        if s < first:
            missing = _ck_missing.get(wanted)
            if failures:
                cause = " (the checkpoint before this block could not be resumed: %s)" % failures[0]
            elif missing:
                cause = " (no checkpoint was kept before this block: %s)" % missing
            else:
                cause = ""
            origin = "the kernel's current state" if here and s else "a fresh state" if s == 0 else "the nearest earlier checkpoint"
            note = _catch_up_note(first - s, origin + cause)
        if here:
            return _run_request(req, s, note)
        if k == "":
            target = _root_pid[0]
        else:
            target = 0
            for e in _ck_table:
                if e[0] == k:
                    target = e[1]
                    _ck_table.remove(e)
                    _ck_table.append(e)
                    break
        if not target:
            continue
        err = _hand_over(target, req, s, note)
        if err is None:
            # the resumed process runs the request and reads the next ones
            os._exit(0)
        failures.append(err)
        _ck_table[:] = [e for e in _ck_table if e[1] != target]
    reason = "no saved state could be resumed (%s)" % (failures[0] if failures else "none kept")
    _write_frame('{"type":"done","runId":%s,"durationMs":0,"restart":%s}' % (_enc(str(req.get("runId", ""))), _enc(reason)))


def _handle(req):
    if _ckpt_cap > 0 and "keys" in req:
        _handle_exact(req)
    else:
        _run_request(req)


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


def _next_request_line():
    """The next non-empty request line from stdin, None at its end; what is read ahead stays in _reader_buf."""
    while True:
        buf = _reader_buf[0]
        nl = buf.find(b"\n")
        if nl >= 0:
            line, _reader_buf[0] = buf[:nl], buf[nl + 1:]
            if line.strip():
                return line
            continue
        try:
            chunk = os.read(_req_fd, 1 << 20)
        except InterruptedError:
            continue
        except KeyboardInterrupt:
            continue
        if not chunk:
            _reader_buf[0] = b""
            return buf if buf.strip() else None
        _reader_buf[0] = buf + chunk


_cpu_per_block = 0
for _i, _a in enumerate(sys.argv):
    if _a == "--cpu-per-request" and _i + 1 < len(sys.argv):
        _cpu_per_block = int(sys.argv[_i + 1])
    elif _a == "--checkpoints" and _i + 1 < len(sys.argv):
        _ckpt_cap = int(sys.argv[_i + 1])
    elif _a == "--memory" and _i + 1 < len(sys.argv):
        _mem_budget = int(sys.argv[_i + 1])
    elif _a == "--mpl-cache" and _i + 1 < len(sys.argv):
        # matplotlib's font list, prepared once for every kernel: linked into this jail's empty
        # config directory, so the first pyplot import reads it instead of scanning the fonts
        _mpl_dir = os.environ.get("MPLCONFIGDIR")
        if _mpl_dir:
            try:
                os.makedirs(_mpl_dir, exist_ok=True)
                for _name in os.listdir(sys.argv[_i + 1]):
                    if _name.startswith("fontlist-") and _name.endswith(".json"):
                        os.symlink(os.path.join(sys.argv[_i + 1], _name), os.path.join(_mpl_dir, _name))
            except OSError:
                pass
    elif _a == "--nproc" and _i + 1 < len(sys.argv):
        # Set here, inside the jail's own user namespace, RLIMIT_NPROC counts this jail's
        # processes only (not every process of the host account); no capability can raise it.
        import resource as _resource

        _n = int(sys.argv[_i + 1])
        _resource.setrlimit(_resource.RLIMIT_NPROC, (_n, _n))


def _become_live(payload):
    """This process now runs the blocks: its own pump, the kernel's table, the root told its pid."""
    global _RUNNER_PID
    _RUNNER_PID = os.getpid()
    # what the process it was forked from had to reap is not this one's to reap
    del _dropped[:]
    _start_pump()
    if payload is not None:
        _ck_table[:] = payload["table"]
        _ck_missing.clear()
        _ck_missing.update(payload["missing"])
        _reader_buf[0] = payload["buf"]


def _main(resumed=None):
    if resumed is None:
        _write_frame('{"v":%d,"type":"ready","python":%s}' % (_VERSION, _enc("%d.%d.%d" % sys.version_info[:3])))
    pending = resumed
    while True:
        try:
            if pending is not None:
                p, pending = pending, None
                _become_live(p)
                _run_request(p["req"], p["start"], p["note"])
                continue
            line = _next_request_line()
            if line is None:
                return
            try:
                req = _parse(line)
            except Exception:
                continue
            if isinstance(req, dict) and req.get("type") == "run":
                _handle(req)
        except KeyboardInterrupt:
            pass
        except _Resume as r:
            pending = r.payload


if _ckpt_cap > 0:
    import _socket
    import warnings

    # Python 3.12+ warns on fork() in a process with threads; the runner's own pump thread is
    # stopped or re-made around every fork it does, and user threads stop checkpoints.
    warnings.filterwarnings("ignore", message=r".*fork\(\)", category=DeprecationWarning)
    _token = os.urandom(6).hex().encode()
    _root_pid[0] = os.getpid()

    def _on_sigxcpu_in_kernel(signum, frame):
        # the root ends the jail when the live process dies; it is told the status to end with
        try:
            _send(_root_pid[0], b"E152", reply=False)
        except BaseException:
            pass
        os._exit(152)

    _signal.signal(_signal.SIGXCPU, _on_sigxcpu_in_kernel)
    _root_sock = _listen(_root_pid[0])
    _first = os.fork()
    if _first == 0:
        _root_sock.close()
        _become_live(None)
        _main()
    else:
        _live_pid[0] = _first
        _main(_wait_here(_root_sock, True))
else:
    _start_pump()
    _main()
