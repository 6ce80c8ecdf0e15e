# The jailed side of a terminal: starts a shell on a new pseudo-terminal inside the jail and relays
# it to the host over stdin/stdout in small binary frames. Standard library only; given to the
# interpreter with -c, never read from a host path.
#
# A frame is one type byte, a 4-byte big-endian payload length, then the payload.
#   host -> jail: D data for the terminal, R rows+cols (two big-endian u16), S a signal number
#                 for the terminal's foreground process group; end of stdin hangs the shell up.
#   jail -> host: O terminal output, X the shell's exit status (signed big-endian i32; a signal
#                 is -signum), sent once, last.
import errno
import os
import pty
import resource
import select
import signal
import struct
import sys
import termios
import fcntl

HEADER = struct.Struct(">cI")
# a frame from the host is at most this large (the host sends far smaller ones)
MAX_IN = 64 * 1024
# output read from the terminal per frame, and what may wait unsent before the terminal is no longer read
READ_CHUNK = 16 * 1024
OUT_HIGH = 64 * 1024
SIGNALS = {int(signal.SIGINT), int(signal.SIGTERM), int(signal.SIGHUP), int(signal.SIGKILL), int(signal.SIGQUIT), int(signal.SIGTSTP), int(signal.SIGCONT)}


def arg(name, default):
    argv = sys.argv[1:]
    if name in argv:
        i = argv.index(name)
        if i + 1 < len(argv):
            return argv[i + 1]
    return default


def winsize(rows, cols):
    return struct.pack("HHHH", rows, cols, 0, 0)


def clamp(v, lo, hi):
    return max(lo, min(hi, v))


def main():
    shell = arg("--shell", "/bin/bash")
    rows = clamp(int(arg("--rows", "24")), 1, 1000)
    cols = clamp(int(arg("--cols", "80")), 1, 1000)
    cpu = int(arg("--cpu", "30"))
    home = os.getcwd()
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "SHELL": shell,
        "USER": "sandbox",
        "PWD": home,
        "MPLBACKEND": os.environ.get("MPLBACKEND", "Agg"),
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # bash reads no profile (--norc): a prompt that says where one is
        "PS1": "\\[\\e[32m\\]sandbox\\[\\e[0m\\]:\\[\\e[34m\\]\\w\\[\\e[0m\\]$ ",
        "HISTFILE": "/tmp/.bash_history",
    }
    # this relay moves a flood's bytes, so it is not held to a command's CPU allowance
    try:
        hard = resource.getrlimit(resource.RLIMIT_CPU)[1]
        resource.setrlimit(resource.RLIMIT_CPU, (hard, hard))
    except (ValueError, OSError):
        pass

    pid, fd = pty.fork()
    if pid == 0:
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, winsize(rows, cols))
            # every process the shell starts may use a block's CPU allowance, no more
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
            if shell.endswith("bash"):
                args = [shell, "--norc", "--noprofile", "-i"]
            else:
                # a POSIX shell knows no bash prompt escapes
                env["PS1"] = "sandbox$ "
                args = [shell, "-i"]
            os.execve(shell, args, env)
        except BaseException as e:  # noqa: BLE001 - whatever stops the exec is said on the terminal
            os.write(2, ("cannot start %s: %s\r\n" % (shell, e)).encode())
        os._exit(127)

    fcntl.ioctl(fd, termios.TIOCSWINSZ, winsize(rows, cols))
    for f in (0, 1, fd):
        fl = fcntl.fcntl(f, fcntl.F_GETFL)
        fcntl.fcntl(f, fcntl.F_SETFL, fl | os.O_NONBLOCK)

    inbuf = bytearray()   # frames from the host, not yet parsed
    topty = bytearray()   # keystrokes not yet written to the terminal
    out = bytearray()     # frames not yet written to the host
    host_open = True
    pty_open = True
    status = None

    def frame(kind, payload):
        out.extend(HEADER.pack(kind, len(payload)))
        out.extend(payload)

    def handle(kind, payload):
        if kind == b"D":
            topty.extend(payload)
        elif kind == b"R" and len(payload) == 4:
            r, c = struct.unpack(">HH", payload)
            fcntl.ioctl(fd, termios.TIOCSWINSZ, winsize(clamp(r, 1, 1000), clamp(c, 1, 1000)))
        elif kind == b"S" and len(payload) == 1 and payload[0] in SIGNALS:
            try:
                os.killpg(os.tcgetpgrp(fd), payload[0])
            except OSError:
                pass

    while pty_open:
        rl, wl = [], []
        if host_open:
            rl.append(0)
        if len(out) < OUT_HIGH:
            rl.append(fd)
        if out:
            wl.append(1)
        if topty:
            wl.append(fd)
        try:
            r, w, _ = select.select(rl, wl, [], 1.0)
        except InterruptedError:
            continue
        if not r and not w and status is None:
            # the shell may have ended while a background job still holds the terminal open
            done, st = os.waitpid(pid, os.WNOHANG)
            if done:
                status = st
                break
            continue
        if 1 in w:
            try:
                n = os.write(1, out)
                del out[:n]
            except BlockingIOError:
                pass
            except BrokenPipeError:
                break
        if fd in w and topty:
            try:
                n = os.write(fd, topty)
                del topty[:n]
            except BlockingIOError:
                pass
            except OSError:
                pty_open = False
        if 0 in r:
            try:
                chunk = os.read(0, 65536)
            except BlockingIOError:
                chunk = None
            if chunk == b"":
                host_open = False
                break
            if chunk:
                inbuf.extend(chunk)
                while len(inbuf) >= HEADER.size:
                    kind, n = HEADER.unpack_from(inbuf)
                    if n > MAX_IN:
                        host_open = False
                        break
                    if len(inbuf) < HEADER.size + n:
                        break
                    payload = bytes(inbuf[HEADER.size:HEADER.size + n])
                    del inbuf[:HEADER.size + n]
                    handle(kind, payload)
                if not host_open:
                    break
        if fd in r:
            try:
                data = os.read(fd, READ_CHUNK)
            except BlockingIOError:
                data = None
            except OSError as e:
                if e.errno != errno.EIO:
                    raise
                data = b""
            if data == b"":
                pty_open = False
            elif data:
                frame(b"O", data)

    if not host_open:
        # the host hung up: so does the terminal, then whatever is left is ended
        for sig in (signal.SIGHUP, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except OSError:
                pass
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass
        return

    # the shell ended: drain what is left and say how it ended
    if status is None:
        _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    frame(b"X", struct.pack(">i", code))
    fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    try:
        while out:
            n = os.write(1, out)
            del out[:n]
    except OSError:
        pass


main()
