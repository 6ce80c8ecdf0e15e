# A kernel's checkpoints. The state before each block of an exact run is kept as a paused fork()
# child (a copy-on-write checkpoint). A run from block k resumes the one taken before k: it forks
# a new live process and the current one exits. The first process of the jail never runs a
# block: it stays the pristine state before block 1, forwards interrupts to the live process and
# is pid 1 of the jail's namespace under nsjail. Every process waits for messages on an abstract
# unix socket of the jail's own network namespace, named after the kernel and its pid.
#
# Imported only by a runner started as a kernel that keeps checkpoints. Importing it only
# defines things; start() forks the first live process and serves requests.
import sys
import os
import time
import _signal
import _socket

import pymd_exec
import pymd_io
from pymd_exec import reader_buf, state_key
from pymd_io import _clock, _enc

_ckpt_cap = 0          # checkpoints kept at most (besides the pristine root); set by start()
_mem_budget = 0        # the jail's memory limit, which the checkpoints must leave room in
_token = b""
_root_pid = [0]
_live_pid = [0]        # (root) the process running blocks, for interrupts
_ck_table = []         # [key, pid] of the checkpoints, least recently used first
_ck_missing = {}       # state key -> why no checkpoint of it is kept


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
    p.register(pymd_io.req_fd, 0)
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
            if fd == pymd_io.req_fd:
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
            _signal.signal(_signal.SIGINT, pymd_exec.on_sigint)
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


def take_checkpoint(key):
    """Keeps the namespace's state now (after the block whose state key this is) as a paused fork."""
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
        raise pymd_exec.Resume(payload)
    _ck_table.append([key, pid])
    _ck_missing.pop(key, None)
    if len(_ck_table) >= _ckpt_cap:
        _drop(_ck_table.pop(0), "it was the oldest of the %d kept" % _ckpt_cap)


def catch_up_note(count, why):
    blocks = "the block above" if count == 1 else "the %d blocks above" % count
    return "*Kernel: %s ran first, from %s, so that this block sees the state a top-down run gives it.*" % (blocks, why)


def _hand_over(pid, req, start, note):
    """Has the checkpoint `pid` fork the next live process for this request; None when it did."""
    import marshal
    pymd_io.stop_pump()
    payload = marshal.dumps({
        "req": req, "start": start, "note": note, "table": _ck_table, "missing": _ck_missing, "buf": reader_buf[0],
    })
    try:
        reply = _send(pid, b"R" + payload)
    except OSError as e:
        reply = b"err:" + str(e).encode()
    if reply == b"ok":
        return None
    pymd_io.start_pump()
    return reply[4:].decode("utf-8", "replace") or "no answer"


def handle_exact(req):
    """An exact run: resume the state before the first requested block, then run from there.

    Only states this kernel has had are resumed: a checkpoint of that state, or when none was kept
    (threads, fork refused, dropped) the nearest earlier one, running the blocks in between again.
    A state the kernel never had (it is fresh, or a block above was edited and not run) is not made
    up: the blocks run in the namespace as it is, as in a notebook, until a run from the top.
    """
    run_request = pymd_exec.run_request
    prefix = req.get("prefix") or []
    keys = req.get("keys")
    first = len(prefix)
    if not isinstance(keys, list) or len(keys) != first + len(req.get("blocks") or []):
        return run_request(req, first, exact=False)
    before = [""] + keys[:-1]
    wanted = before[first]
    if req.get("restarted"):
        # a fresh kernel the host started because nothing could be resumed: run from the top
        note = catch_up_note(first, "a fresh state (the kernel was restarted: %s)" % req["restarted"]) if first else None
        return run_request(req, 0, note)
    if wanted == state_key[0]:
        return run_request(req, first)
    known = wanted == "" or wanted in _ck_missing or any(e[0] == wanted for e in _ck_table)
    if not known:
        return run_request(req, first, exact=False)
    failures = []
    for s in range(first, -1, -1):
        k = before[s]
        here = k == state_key[0]
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
            note = catch_up_note(first - s, origin + cause)
        if here:
            return run_request(req, s, note)
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
    pymd_io.write_frame('{"type":"done","runId":%s,"durationMs":0,"restart":%s}' % (_enc(str(req.get("runId", ""))), _enc(reason)))


def become_live(payload):
    """This process now runs the blocks: its own pump, the kernel's table, the root told its pid."""
    pymd_io.become_runner()
    # what the process it was forked from had to reap is not this one's to reap
    del _dropped[:]
    pymd_io.start_pump()
    if payload is not None:
        _ck_table[:] = payload["table"]
        _ck_missing.clear()
        _ck_missing.update(payload["missing"])
        reader_buf[0] = payload["buf"]


def _on_sigxcpu_in_kernel(signum, frame):
    # the root ends the jail when the live process dies; it is told the status to end with
    try:
        _send(_root_pid[0], b"E152", reply=False)
    except BaseException:
        pass
    os._exit(152)


def start(checkpoints, memory):
    """Runs the kernel: this process stays the pristine root, a forked child serves the requests.

    `checkpoints` is how many states are kept at most, `memory` the jail's memory limit.
    """
    global _ckpt_cap, _mem_budget, _token
    import warnings

    _ckpt_cap = checkpoints
    _mem_budget = memory
    pymd_exec.attach_kernel(sys.modules[__name__])
    # Python 3.12+ warns on fork() in a process with threads; the runner's own pump thread is
    # stopped or re-made around every fork it does, and user threads stop checkpoints.
    warnings.filterwarnings("ignore", message=r".*fork\(\)", category=DeprecationWarning)
    _token = os.urandom(6).hex().encode()
    _root_pid[0] = os.getpid()
    _signal.signal(_signal.SIGXCPU, _on_sigxcpu_in_kernel)
    root_sock = _listen(_root_pid[0])
    first = os.fork()
    if first == 0:
        root_sock.close()
        become_live(None)
        pymd_exec.serve()
    else:
        _live_pid[0] = first
        pymd_exec.serve(_wait_here(root_sock, True))
