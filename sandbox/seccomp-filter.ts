// The seccomp filter every jail gets: the system calls notebooks never need (kernel keyrings,
// io_uring, userfaultfd, ptrace and its relatives, mounts and namespaces, kexec, BPF, perf,
// modules, reboot, swap, clocks), as one table compiled two ways: a classic-BPF program for
// bubblewrap's --seccomp FD and a kafel policy for nsjail's --seccomp_string. A denied call fails
// with EPERM (clone3 with ENOSYS, so the C library falls back to clone, whose flags can be checked),
// so Python raises a clear OSError instead of the process being killed.

export type SeccompArch = "x86_64" | "aarch64";

interface Denied {
  name: string;
  x86_64: number;
  aarch64: number;
}

/** name, x86_64 number, aarch64 (asm-generic) number */
const TABLE: readonly (readonly [string, number, number])[] = [
  // kernel keyrings: per uid, so shared by every jail that maps to the same host uid
  ["add_key", 248, 217],
  ["request_key", 249, 218],
  ["keyctl", 250, 219],
  // io_uring and userfaultfd: large kernel attack surface, nothing in Python uses them
  ["io_uring_setup", 425, 425],
  ["io_uring_enter", 426, 426],
  ["io_uring_register", 427, 427],
  ["userfaultfd", 323, 282],
  // reaching into other processes (the jail's own init included)
  ["ptrace", 101, 117],
  ["process_vm_readv", 310, 270],
  ["process_vm_writev", 311, 271],
  ["process_madvise", 440, 440],
  ["pidfd_getfd", 438, 438],
  ["kcmp", 312, 272],
  // mounts, namespaces, root changes
  ["mount", 165, 40],
  ["umount2", 166, 39],
  ["pivot_root", 155, 41],
  ["chroot", 161, 51],
  ["unshare", 272, 97],
  ["setns", 308, 268],
  ["open_tree", 428, 428],
  ["move_mount", 429, 429],
  ["fsopen", 430, 430],
  ["fsconfig", 431, 431],
  ["fsmount", 432, 432],
  ["fspick", 433, 433],
  ["mount_setattr", 442, 442],
  ["name_to_handle_at", 303, 264],
  ["open_by_handle_at", 304, 265],
  // the kernel itself
  ["kexec_load", 246, 104],
  ["kexec_file_load", 320, 294],
  ["bpf", 321, 280],
  ["perf_event_open", 298, 241],
  ["init_module", 175, 105],
  ["finit_module", 313, 273],
  ["delete_module", 176, 106],
  ["reboot", 169, 142],
  ["swapon", 167, 224],
  ["swapoff", 168, 225],
  ["acct", 163, 89],
  ["quotactl", 179, 60],
  ["quotactl_fd", 443, 443],
  ["lookup_dcookie", 212, 18],
  ["syslog", 103, 116],
  ["fanotify_init", 300, 262],
  // host clocks and names
  ["settimeofday", 164, 170],
  ["clock_settime", 227, 112],
  ["clock_adjtime", 305, 266],
  ["sethostname", 170, 161],
  ["setdomainname", 171, 162],
  ["vhangup", 153, 58],
];

/** x86_64 only: port I/O and long-removed calls. */
const X86_ONLY: readonly (readonly [string, number])[] = [
  ["iopl", 172],
  ["ioperm", 173],
  ["uselib", 134],
  ["_sysctl", 156],
  ["nfsservctl", 180],
];

/** The x32 ABI's own numbers for denied calls (x32 numbers carry X32_BIT; these differ from x86_64's). */
const X32_OWN = [521 /* ptrace */, 528 /* kexec_load */, 539 /* process_vm_readv */, 540 /* process_vm_writev */];
const X32_BIT = 0x40000000;

export const EPERM = 1;
export const ENOSYS = 38;

/** clone() flags that make namespaces: refused, like unshare and setns (clone3 is ENOSYS, see above). */
export const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const CLONE = { x86_64: 56, aarch64: 220 } as const;
const CLONE3 = 435;

export const AUDIT_ARCH = { x86_64: 0xc000003e, aarch64: 0xc00000b7 } as const;

/** The calls the filter denies on an architecture, by name and number. */
export function deniedSyscalls(arch: SeccompArch): Denied[] {
  const out = TABLE.map(([name, x86_64, aarch64]) => ({ name, x86_64, aarch64 }));
  if (arch === "x86_64") for (const [name, nr] of X86_ONLY) out.push({ name, x86_64: nr, aarch64: -1 });
  return out;
}

function numbers(arch: SeccompArch): number[] {
  return deniedSyscalls(arch).map((d) => d[arch]);
}

/** The host's architecture as the filter knows it, or null where there is no table for it. */
export function hostSeccompArch(): SeccompArch | null {
  if (process.arch === "x64") return "x86_64";
  if (process.arch === "arm64") return "aarch64";
  return null;
}

// classic BPF opcodes (linux/bpf_common.h) and seccomp return values (linux/seccomp.h)
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_ERRNO = 0x00050000;
// struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6]
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LOW = 16; // little-endian: the low half of args[0]

export interface BpfInsn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The filter as classic-BPF instructions. */
export function seccompInstructions(arch: SeccompArch): BpfInsn[] {
  const p: BpfInsn[] = [];
  const op = (code: number, k: number, jt = 0, jf = 0) => p.push({ code, jt, jf, k: k >>> 0 });
  op(LD_W_ABS, OFF_ARCH);
  // another ABI (i386 through int 0x80, 32-bit ARM) gets no system calls at all
  op(JEQ_K, AUDIT_ARCH[arch], 1, 0);
  op(RET_K, RET_ERRNO | ENOSYS);
  op(LD_W_ABS, OFF_NR);
  if (arch === "x86_64") {
    // the x32 ABI shares x86_64's arch value; notebooks never use it
    op(JGE_K, X32_BIT, 0, 1);
    op(RET_K, RET_ERRNO | ENOSYS);
  }
  for (const nr of numbers(arch)) {
    op(JEQ_K, nr, 0, 1);
    op(RET_K, RET_ERRNO | EPERM);
  }
  op(JEQ_K, CLONE3, 0, 1);
  op(RET_K, RET_ERRNO | ENOSYS);
  op(JEQ_K, CLONE[arch], 0, 3);
  op(LD_W_ABS, OFF_ARG0_LOW);
  op(JSET_K, CLONE_NAMESPACE_FLAGS, 0, 1);
  op(RET_K, RET_ERRNO | EPERM);
  op(RET_K, RET_ALLOW);
  return p;
}

/** struct sock_filter[] as bubblewrap reads it from --seccomp FD (host byte order: little-endian on both arches). */
export function seccompProgram(arch: SeccompArch): Uint8Array {
  const insns = seccompInstructions(arch);
  const buf = new DataView(new ArrayBuffer(insns.length * 8));
  insns.forEach((ins, i) => {
    buf.setUint16(i * 8, ins.code, true);
    buf.setUint8(i * 8 + 2, ins.jt);
    buf.setUint8(i * 8 + 3, ins.jf);
    buf.setUint32(i * 8 + 4, ins.k, true);
  });
  return new Uint8Array(buf.buffer);
}

/**
 * The same filter as a kafel policy for nsjail. Numbers rather than names: kafel's own table
 * predates io_uring and the new mount calls. nsjail's kafel checks the architecture itself.
 */
export function kafelPolicy(arch: SeccompArch): string {
  const denied = numbers(arch);
  if (arch === "x86_64") denied.push(...numbers(arch).map((n) => n | X32_BIT), ...X32_OWN.map((n) => n | X32_BIT));
  const eperm = denied.map((n) => `SYSCALL[${n}]`);
  eperm.push(`SYSCALL[${CLONE[arch]}](flags) { (flags & ${CLONE_NAMESPACE_FLAGS}) != 0 }`);
  return `POLICY pymd { ERRNO(${EPERM}) { ${eperm.join(", ")} }, ERRNO(${ENOSYS}) { SYSCALL[${CLONE3}] } } USE pymd DEFAULT ALLOW`;
}
