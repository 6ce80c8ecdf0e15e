# The runner's channels: the frame stream to the host, the request stream from it, and user
# output (sys.stdout/sys.stderr and whatever reaches fd 1/2) turned into output frames within the
# block's byte cap and the output rate.
#
# Importing this module only defines things; install() rewires the descriptors.
import sys
import os
import time
import _thread
import _json

_enc = _json.encode_basestring_ascii
_clock = time.perf_counter

# Set by install(): the private duplicate of the host's pipe that frames go to, the request
# stream, and the read ends of the pipes that fd 1 and 2 become.
_frame_fd = -1
req_fd = -1
_out_r = -1
_err_r = -1

_lock = _thread.RLock()
# Held while bytes are read from a pipe and emitted, so a block's end-of-block drain waits for a
# read the pump thread is in the middle of, and no output slips past the block's end.
_drain_lock = _thread.allocate_lock()

# The process that runs blocks; any other (forked by user code) must not carry on as a runner.
_runner_pid = [0]

# This process's output pump thread: (stop pipe read end, write end, lock released when it ends).
_pump = [None]

# Current request state; read by the fd-pipe thread, so it lives in one mutable list.
# [runId, block id, bytes used, truncated flag, limit]
_state = ["", 0, 0, False, 1 << 20]

# The output rate over time: [bytes per second (0: none), bytes of credit, when it was counted].
# Credit refills at the rate up to one block's cap; output past it puts the credit in debt, and
# the writer sleeps until the debt is paid, so a flood blocks its own writes, not the host.
_rate = [0, 0.0, 0.0]


def install():
    """Rewires fd 0/1/2 and sys.std*: frames get a private copy of fd 1, requests one of fd 0.

    fd 1 is the host's pipe. Nothing user code does (print, os.write(1), C extensions,
    subprocesses) can then reach the channel or read the request stream by accident: fd 0 is
    /dev/null and fd 1/2 are pipes whose bytes become stdout/stderr frames.
    """
    global _frame_fd, req_fd, _out_r, _err_r
    _frame_fd = os.dup(1)
    req_fd = os.dup(0)
    null = os.open("/dev/null", os.O_RDWR)
    os.dup2(null, 0)
    _out_r, out_w = os.pipe()
    _err_r, err_w = os.pipe()
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.close(out_w)
    os.close(err_w)
    os.close(null)
    os.set_blocking(_out_r, False)
    os.set_blocking(_err_r, False)
    _runner_pid[0] = os.getpid()
    os.register_at_fork(after_in_child=_after_fork_in_child)
    sys.stdout = sys.__stdout__ = stdout
    sys.stderr = sys.__stderr__ = stderr
    sys.stdin = sys.__stdin__ = _NoInput()


def become_runner():
    """This process now runs the blocks (a kernel's live process, forked from a checkpoint)."""
    _runner_pid[0] = os.getpid()


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


def leave_if_forked(exc=None):
    """A process forked by user code must never continue as a second runner."""
    if os.getpid() != _runner_pid[0]:
        if exc is not None:
            try:
                emit_output("stderr", "%s in a forked process: %s\n" % (type(exc).__name__, exc))
            except BaseException:
                pass
        os._exit(1 if exc is not None else 0)


def write_frame(s):
    data = (s + "\n").encode("utf-8", "surrogatepass")
    view = memoryview(data)
    while view:
        n = os.write(_frame_fd, view)
        view = view[n:]


def begin_block(run_id, block, limit):
    """Output from now on belongs to this block, which may send `limit` bytes of it."""
    with _lock:
        _state[:] = [run_id, block, 0, False, limit]


def set_rate(rate, limit):
    """The request's output rate (bytes per second, 0: none), starting with one block's cap of credit."""
    if rate != _rate[0]:
        _rate[:] = [rate, float(limit), _clock()]


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


def emit_output(kind, text, mime=None):
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
                write_frame('{"type":"%s","runId":%s,"block":%d,"text":%s}' % (kind, _enc(run_id), block, _enc(text[:room])))
            _state[2] = limit
            _state[3] = True
            write_frame('{"type":"truncated","runId":%s,"block":%d,"limitBytes":%d}' % (_enc(run_id), block, limit))
            return max(room, 0)
        _state[2] = used + size
        if mime is None:
            write_frame('{"type":"%s","runId":%s,"block":%d,"text":%s}' % (kind, _enc(run_id), block, _enc(text)))
        else:
            write_frame('{"type":"display","runId":%s,"block":%d,"mime":%s,"data":%s}' % (_enc(run_id), block, _enc(mime), _enc(text)))
        return size


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
            emit_output(kind, b"".join(chunks).decode("utf-8", "replace"))
            chunks = []
        if reads > 64:
            break
    if chunks:
        emit_output(kind, b"".join(chunks).decode("utf-8", "replace"))


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


def start_pump():
    """Starts this process's thread that turns fd 1/2 output into frames as it comes."""
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


def stop_pump():
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
            emit_output(self._kind, text)

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


stdout = _Stream("stdout", 1)
stderr = _Stream("stderr", 2)


def flush_streams():
    """Sends what sys.stdout/sys.stderr buffer and what waits in the fd 1/2 pipes."""
    stdout.flush()
    stderr.flush()
    if _out_r >= 0:
        _drain_fd(_out_r, "stdout")
        _drain_fd(_err_r, "stderr")
