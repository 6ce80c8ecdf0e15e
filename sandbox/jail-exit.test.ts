// How a jail's end is read: the host's own reason first, then the OOM killer, then the status.
import { describe, expect, test } from "bun:test";
import { exitStatus, type JailExit, jailEnd } from "./jail-exit.ts";

const exit = (over: Partial<JailExit>): JailExit => ({
  code: null,
  signal: null,
  hostReason: null,
  killedByHost: false,
  oomKilled: false,
  ...over,
});

describe("jailEnd", () => {
  test("the host's reason wins over everything the process's status says", () => {
    expect(
      jailEnd(exit({ signal: "SIGKILL", hostReason: "over its disk limit", killedByHost: true, oomKilled: true })),
    ).toEqual({
      kind: "host",
      reason: "over its disk limit",
      status: "SIGKILL",
    });
  });

  test("an OOM kill is the memory limit, whatever the signal", () => {
    expect(jailEnd(exit({ signal: "SIGKILL", oomKilled: true }))).toEqual({ kind: "memory", status: "SIGKILL" });
    expect(jailEnd(exit({ code: 1, oomKilled: true }))).toEqual({ kind: "memory", status: "1" });
  });

  test("SIGKILL or status 137: killed, by the host or by something else", () => {
    expect(jailEnd(exit({ signal: "SIGKILL", killedByHost: true }))).toEqual({
      kind: "killed",
      byHost: true,
      status: "SIGKILL",
    });
    expect(jailEnd(exit({ code: 137 }))).toEqual({ kind: "killed", byHost: false, status: "137" });
  });

  test("SIGXCPU or the runner's own status 152: the CPU time limit", () => {
    expect(jailEnd(exit({ signal: "SIGXCPU" }))).toEqual({ kind: "cpu", status: "SIGXCPU" });
    expect(jailEnd(exit({ code: 152 }))).toEqual({ kind: "cpu", status: "152" });
  });

  test("anything else ended on its own, with its status", () => {
    expect(jailEnd(exit({ code: 0 }))).toEqual({ kind: "ended", status: "0" });
    expect(jailEnd(exit({ code: 1 }))).toEqual({ kind: "ended", status: "1" });
    expect(jailEnd(exit({ signal: "SIGSEGV" }))).toEqual({ kind: "ended", status: "SIGSEGV" });
  });

  test("the status reads as the code, else the signal", () => {
    expect(exitStatus({ code: 3, signal: null })).toBe("3");
    expect(exitStatus({ code: null, signal: "SIGTERM" })).toBe("SIGTERM");
  });
});
