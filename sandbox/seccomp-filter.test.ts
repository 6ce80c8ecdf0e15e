// Tests the seccomp filter's program: its numbers against the kernel's own headers where they are
// installed, and its decisions for both architectures through a small classic-BPF evaluator (the
// real jails run it in isolation.test.ts).
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import {
  AUDIT_ARCH,
  CLONE_NAMESPACE_FLAGS,
  deniedSyscalls,
  ENOSYS,
  EPERM,
  kafelPolicy,
  seccompInstructions,
  seccompProgram,
  type BpfInsn,
  type SeccompArch,
} from "./seccomp-filter.ts";

/** Runs a seccomp program on one system call the way the kernel does; returns the action word. */
function evaluate(prog: BpfInsn[], call: { arch: number; nr: number; arg0?: number }): number {
  let acc = 0;
  for (let pc = 0; pc < prog.length; pc++) {
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case 0x20:
        acc = k === 0 ? call.nr >>> 0 : k === 4 ? call.arch >>> 0 : k === 16 ? (call.arg0 ?? 0) >>> 0 : 0;
        break;
      case 0x15:
        pc += acc === k ? jt : jf;
        break;
      case 0x35:
        pc += acc >= k ? jt : jf;
        break;
      case 0x45:
        pc += (acc & k) !== 0 ? jt : jf;
        break;
      case 0x06:
        return k;
      default:
        throw new Error(`unexpected opcode ${code}`);
    }
  }
  throw new Error("program fell off its end");
}

const ALLOW = 0x7fff0000;
const ERRNO = (e: number) => (0x00050000 | e) >>> 0;

const NATIVE_CALLS = {
  // getpid, read, write, mmap, futex, execve
  x86_64: [39, 0, 1, 9, 202, 59],
  aarch64: [172, 63, 64, 222, 98, 221],
};
const CLONE = { x86_64: 56, aarch64: 220 };
// what glibc passes for a thread and for fork()
const THREAD_FLAGS = 0x3d0f00;
const FORK_FLAGS = 0x01200011;
const CLONE_NEWUSER = 0x10000000;
const CLONE_NEWNET = 0x40000000;

for (const arch of ["x86_64", "aarch64"] as SeccompArch[])
  describe(`seccomp program (${arch})`, () => {
    const prog = seccompInstructions(arch);
    const me = AUDIT_ARCH[arch];
    test("every denied call fails with EPERM", () => {
      for (const d of deniedSyscalls(arch))
        expect([d.name, evaluate(prog, { arch: me, nr: d[arch] })]).toEqual([d.name, ERRNO(EPERM)]);
    });
    test("what programs use is allowed", () => {
      for (const nr of NATIVE_CALLS[arch]) expect(evaluate(prog, { arch: me, nr })).toBe(ALLOW);
    });
    test("clone may make threads and processes, never namespaces; clone3 is ENOSYS so the C library uses clone", () => {
      expect(evaluate(prog, { arch: me, nr: CLONE[arch], arg0: THREAD_FLAGS })).toBe(ALLOW);
      expect(evaluate(prog, { arch: me, nr: CLONE[arch], arg0: FORK_FLAGS })).toBe(ALLOW);
      expect(evaluate(prog, { arch: me, nr: CLONE[arch], arg0: FORK_FLAGS | CLONE_NEWUSER })).toBe(ERRNO(EPERM));
      expect(evaluate(prog, { arch: me, nr: CLONE[arch], arg0: CLONE_NEWNET | 17 })).toBe(ERRNO(EPERM));
      expect(evaluate(prog, { arch: me, nr: 435 })).toBe(ERRNO(ENOSYS));
      expect(CLONE_NAMESPACE_FLAGS & THREAD_FLAGS).toBe(0);
    });
    test("another ABI gets no system calls", () => {
      const other = arch === "x86_64" ? 0x40000003 /* i386 */ : 0x40000028; /* 32-bit ARM */
      expect(evaluate(prog, { arch: other, nr: NATIVE_CALLS[arch][0]! })).toBe(ERRNO(ENOSYS));
    });
    test("the program bwrap reads is 8 bytes per instruction, little-endian", () => {
      const bytes = seccompProgram(arch);
      expect(bytes.length).toBe(prog.length * 8);
      const view = new DataView(bytes.buffer);
      expect(view.getUint16(0, true)).toBe(0x20);
      expect(view.getUint32(8 + 4, true)).toBe(me);
      expect(prog.length).toBeLessThan(4096);
    });
    test("the kafel policy names the same numbers", () => {
      const policy = kafelPolicy(arch);
      for (const d of deniedSyscalls(arch)) expect(policy).toContain(`SYSCALL[${d[arch]}]`);
      expect(policy).toContain(`SYSCALL[${CLONE[arch]}](flags) { (flags & ${CLONE_NAMESPACE_FLAGS}) != 0 }`);
    });
  });

describe("the table matches the kernel's headers", () => {
  const headers: Record<SeccompArch, { path: string; re: (name: string) => RegExp }> = {
    x86_64: {
      path: "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
      re: (n) => new RegExp(`#define __NR_${n}\\s+(\\d+)\\n`),
    },
    aarch64: {
      path: "/usr/include/asm-generic/unistd.h",
      re: (n) => new RegExp(`#define __NR(?:3264)?_${n}\\s+(\\d+)\\n`),
    },
  };
  for (const arch of ["x86_64", "aarch64"] as SeccompArch[]) {
    const { path, re } = headers[arch];
    const present = existsSync(path);
    if (!present)
      console.warn(
        `seccomp table check: ${path} is missing (apt-get install linux-libc-dev), the ${arch} numbers are not checked`,
      );
    test.if(present)(`${arch} numbers`, () => {
      const text = readFileSync(path, "utf8");
      for (const d of deniedSyscalls(arch)) {
        const m = re(d.name).exec(text);
        expect([d.name, m ? Number(m[1]) : "absent"]).toEqual([d.name, d[arch]]);
      }
    });
  }
});
