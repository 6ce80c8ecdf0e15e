// Host uids for jails when the server runs as root: each live jail (or workspace, whose kernels
// reuse it) holds a uid of its own from a fixed range, so kernel keyrings, key quotas and any
// per-uid accounting are per jail instead of shared by every tenant. An unprivileged server can
// only map its own uid (a user namespace maps the caller's ids), so its jails share that one.
import { readdirSync, readFileSync } from "node:fs";

/**
 * 65,536 uids well above ordinary accounts (1000-60000), nobody (65534), systemd's dynamic users
 * and the usual /etc/subuid ranges of container tools (100000 onwards, 65,536 per user).
 */
export const JAIL_UID_RANGE = { first: 1_610_612_736, count: 65_536 } as const;

export function isJailUid(uid: number): boolean {
  return uid >= JAIL_UID_RANGE.first && uid < JAIL_UID_RANGE.first + JAIL_UID_RANGE.count;
}

const held = new Set<number>();

/** uids of processes on this host that are in the range (another server's jails, say). */
function uidsInUse(): Set<number> {
  const out = new Set<number>();
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return out;
  }
  for (const n of names) {
    if (n.charCodeAt(0) > 57) continue;
    try {
      const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${n}/status`, "utf8"));
      const uid = m ? Number(m[1]) : -1;
      if (isJailUid(uid)) out.add(uid);
    } catch {}
  }
  return out;
}

export interface JailUid {
  uid: number;
  release(): void;
}

/** A uid no live jail of this server holds, and (checked in /proc) no process on the host runs as. */
export function acquireJailUid(): JailUid {
  const busy = uidsInUse();
  let uid = -1;
  // a random start keeps two servers on one host (or parallel test runs) apart
  const start = Math.floor(Math.random() * JAIL_UID_RANGE.count);
  for (let i = 0; i < JAIL_UID_RANGE.count; i++) {
    const candidate = JAIL_UID_RANGE.first + ((start + i) % JAIL_UID_RANGE.count);
    if (!held.has(candidate) && !busy.has(candidate)) {
      uid = candidate;
      break;
    }
  }
  if (uid < 0)
    throw new Error(
      `every jail uid in ${JAIL_UID_RANGE.first}..${JAIL_UID_RANGE.first + JAIL_UID_RANGE.count - 1} is in use`,
    );
  held.add(uid);
  let released = false;
  return {
    uid,
    release() {
      if (released) return;
      released = true;
      held.delete(uid);
    },
  };
}

/** Whether a jail or workspace of this server holds the uid now. */
export function isJailUidHeld(uid: number): boolean {
  return held.has(uid);
}
