# Running blocks: the request loop (RunRequest lines on the request stream), one namespace for
# all blocks, each block compiled under a name of its own so that its errors point at document
# lines, interrupts, exits, input() mocks and each block's CPU allowance. A kernel's checkpoints
# (pymd_kernel) plug in through attach_kernel().
#
# Importing this module only defines things; install() sets up the namespace, builtins and
# signal handlers.
import sys
import os
import _ast
import _json
import _signal

import pymd_io
from pymd_display import display_result, show_figures, pymd
from pymd_io import _clock, _enc, emit_output, flush_streams, leave_if_forked

VERSION = 1

# The namespace blocks run in (__main__'s dict), made by install().
_ns = {}

# filename -> (document line of the block's first line, source lines)
block_files = {}
_in_block = [False]

# An interrupt that lands while a request is being set up (between blocks, or before the first
# block starts) is kept and delivered when the next block of that request begins.
_pending_interrupt = [False]

# CPU seconds each block may use (0: no per-block allowance), set by install().
_cpu_per_block = 0

# The kernel's checkpoints (pymd_kernel) when this runner is a kernel that keeps them, else None.
_kernel = None

# State key of this namespace: "" fresh, None unknown (a kernel's checkpoints are keyed by it).
state_key = [""]

# Request bytes read from the request stream and not yet handled.
reader_buf = [b""]

# os._exit as it was at start, whatever user code does to the os module
_os_exit = os._exit


class Resume(BaseException):
    """Unwinds a process just forked from a checkpoint to the request loop, with its new request."""

    def __init__(self, payload):
        self.payload = payload


def attach_kernel(kernel):
    """Exact runs are handled, and states kept, by `kernel` (the pymd_kernel module)."""
    global _kernel
    _kernel = kernel


def on_sigint(signum, frame):
    if _in_block[0]:
        raise KeyboardInterrupt
    _pending_interrupt[0] = True


def _on_sigxcpu(signum, frame):
    # The soft CPU limit of the block is reached. Its default action (end the process) does not
    # apply to the first process of a PID namespace (nsjail's), so the runner ends itself with
    # the status a SIGXCPU death has, which the host reports as the CPU limit.
    _os_exit(152)


# input() mocks, as the PyMD Syntax Guide documents them: every line of a block that contains
# `input(` gives one value, the text after `# input:` on that line ("" without one); calls take
# them in order. The prompt is not printed.
_input_values = []


def input_mocks(code):
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


def install(cpu_per_block=0):
    """A fresh __main__ for the blocks, input()/exit() for notebooks, SIGINT and SIGXCPU handled."""
    global _ns, _cpu_per_block
    import builtins

    _cpu_per_block = cpu_per_block
    builtins.input = _no_input
    builtins.exit = builtins.quit = _exit
    main_module = type(sys)("__main__")
    main_module.__dict__.update({"__name__": "__main__", "__builtins__": builtins, "__doc__": None, "pymd": pymd})
    sys.modules["__main__"] = main_module
    _ns = main_module.__dict__
    _signal.signal(_signal.SIGINT, on_sigint)
    try:
        _signal.signal(_signal.SIGXCPU, _on_sigxcpu)
    except (AttributeError, ValueError, OSError):
        pass


def _format_error(exc):
    import pymd_traceback
    return pymd_traceback.format_error(exc, block_files)


def exec_block(block, run_id):
    """Runs one block; returns its status."""
    code = block.get("code", "")
    bid = block.get("id", 0)
    filename = "<pymd block %d@%d>" % (bid, block.get("line", 1))
    block_files[filename] = (int(block.get("line", 1) or 1), code.splitlines())
    _input_values[:] = input_mocks(code)
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
                    display_result(value)
            show_figures()
        finally:
            _in_block[0] = False
        leave_if_forked()
    except SystemExit as e:
        leave_if_forked()
        status = "exit"
        if e.code not in (None, 0):
            flush_streams()
            emit_output("stderr", "SystemExit: %s\n" % (e.code,))
    except KeyboardInterrupt:
        leave_if_forked()
        status = "interrupted"
    except BaseException as e:  # noqa: B902 - everything a block raises is reported, never fatal
        leave_if_forked(e)
        status = "error"
        try:
            name, value, tb, line = _format_error(e)
        except BaseException as fe:
            name, value, tb, line = type(e).__name__, "", "error while formatting: %r" % (fe,), None
        flush_streams()
        pymd_io.write_frame('{"type":"error","runId":%s,"block":%d,"name":%s,"value":%s,"traceback":%s,"line":%s}' % (
            _enc(run_id), bid, _enc(name), _enc(value[:100000]), _enc(tb[:200000]), _num(line)))
    finally:
        try:
            show_figures()
        except BaseException:
            pass
    flush_streams()
    return status


def _num(x):
    return repr(int(x)) if x is not None else "null"


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
        want = (int(spent) + 1 if _kernel is not None else int(spent + 0.5)) + seconds
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if want != soft:
            resource.setrlimit(resource.RLIMIT_CPU, (want, hard))
    except Exception:
        pass


def _block_frame(kind, run_id, bid, extra=""):
    pymd_io.write_frame('{"type":"%s","runId":%s,"block":%d%s}' % (kind, _enc(run_id), bid, extra))


def run_request(req, start=None, note=None, exact=True):
    """Runs the request's blocks from position `start` of prefix + blocks (default: its blocks), then says done.

    In an exact run (state keys), a checkpoint is kept before each block and the namespace's key
    follows the blocks that ran; otherwise the namespace's state is no longer a known one.
    """
    run_id = str(req.get("runId", ""))
    limit = int(req.get("maxOutputBytes", 1 << 20))
    pymd_io.set_rate(int(req.get("outputBytesPerSecond") or 0), limit)
    prefix = req.get("prefix") or []
    seq = prefix + (req.get("blocks") or [])
    keys = req.get("keys") if exact else None
    if keys is not None and len(keys) != len(seq):
        keys = None
    if keys is None:
        state_key[0] = None
    first = len(prefix)
    if start is None:
        start = first
    t0 = _clock()
    for i in range(start, len(seq)):
        block = seq[i]
        bid = int(block.get("id", 0))
        _limit_cpu_for_block(_cpu_per_block)
        pymd_io.begin_block(run_id, bid, limit)
        _block_frame("block-start", run_id, bid)
        if note and i == first:
            emit_output("display", note, "text/markdown")
        b0 = _clock()
        status = exec_block(block, run_id)
        _block_frame("block-done", run_id, bid, ',"status":"%s","durationMs":%d' % (status, int((_clock() - b0) * 1000)))
        if keys is not None:
            # an interrupted block counts as run (as one that raised does): the blocks after it see
            # the state it left, as in a notebook, until it runs again
            state_key[0] = keys[i]
        if status == "interrupted":
            break
        # the state before the next block is kept once this block's end is on its way to the host
        if keys is not None and i + 1 < len(seq) and _kernel is not None:
            _kernel.take_checkpoint(keys[i])
    _pending_interrupt[0] = False
    pymd_io.write_frame('{"type":"done","runId":%s,"durationMs":%d}' % (_enc(run_id), int((_clock() - t0) * 1000)))
    # the state a run of the next block starts from, kept after the answer (off the run's latency)
    if keys is not None and state_key[0] and _kernel is not None:
        _kernel.take_checkpoint(state_key[0])


def _handle(req):
    if _kernel is not None and "keys" in req:
        _kernel.handle_exact(req)
    else:
        run_request(req)


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


def parse_request(line):
    """One request line (bytes) as the JSON value it holds."""
    text = line.decode("utf-8", "replace").strip()
    obj, end = _scan(text, 0)
    return obj


def _next_request_line():
    """The next non-empty request line from stdin, None at its end; what is read ahead stays in reader_buf."""
    while True:
        buf = reader_buf[0]
        nl = buf.find(b"\n")
        if nl >= 0:
            line, reader_buf[0] = buf[:nl], buf[nl + 1:]
            if line.strip():
                return line
            continue
        try:
            chunk = os.read(pymd_io.req_fd, 1 << 20)
        except InterruptedError:
            continue
        except KeyboardInterrupt:
            continue
        if not chunk:
            reader_buf[0] = b""
            return buf if buf.strip() else None
        reader_buf[0] = buf + chunk


def serve(resumed=None):
    """Answers requests until the request stream ends; says ready first unless resumed from a checkpoint."""
    if resumed is None:
        pymd_io.write_frame('{"v":%d,"type":"ready","python":%s}' % (VERSION, _enc("%d.%d.%d" % sys.version_info[:3])))
    pending = resumed
    while True:
        try:
            if pending is not None:
                p, pending = pending, None
                _kernel.become_live(p)
                run_request(p["req"], p["start"], p["note"])
                continue
            line = _next_request_line()
            if line is None:
                return
            try:
                req = parse_request(line)
            except Exception:
                continue
            if isinstance(req, dict) and req.get("type") == "run":
                _handle(req)
        except KeyboardInterrupt:
            pass
        except Resume as r:
            pending = r.payload
