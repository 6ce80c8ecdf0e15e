// Peers in the same sync state get the same answer. With many editors on one document most of them
// are in step: each edit would otherwise cost one Automerge call per peer to tell every one of them
// the same thing, and another per peer to take in their identical acknowledgements. A state's key
// is its whole content, so two peers share an answer only when Automerge could not tell them apart.
import { A } from "./automerge.ts";

/** Answers larger than this are not kept. */
const KEEP_MAX_BYTES = 64 * 1024;

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");

export const sameBytes = (a: Uint8Array, b: Uint8Array) =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

/** Everything a sync state holds, as one string (equal strings: equal states). */
export function syncStateKey(s: A.SyncState): string {
  return JSON.stringify(s, (_k, v) => (v instanceof Uint8Array ? hex(v) : v));
}

/** The answers Automerge gave at one set of heads, for states and acknowledgements seen before. */
export class SyncAnswers {
  private heads = "";
  private readonly generated = new Map<string, [A.SyncState, Uint8Array | null]>();
  /** The same answers by the state object itself: peers told the same thing share one state, and no key is made. */
  private readonly byState = new Map<A.SyncState, [A.SyncState, Uint8Array | null]>();
  private readonly received = new Map<string, A.SyncState>();
  private lastAcknowledgement:
    | { heads: string; state: A.SyncState; message: Uint8Array; next: A.SyncState | undefined }
    | undefined;

  constructor(private readonly max = 512) {}

  private at(heads: string): void {
    if (heads === this.heads) return;
    this.heads = heads;
    this.generated.clear();
    this.byState.clear();
    this.received.clear();
    this.lastAcknowledgement = undefined;
  }

  /**
   * `A.generateSyncMessage(doc, state)`, from memory when a peer in the same state asked at these
   * heads; `doc` may be a function, called only when Automerge has to answer.
   */
  generate<T>(
    doc: A.Doc<T> | (() => A.Doc<T>),
    heads: string,
    state: A.SyncState,
    /** An answer worked out without Automerge, when it can be (undefined: it cannot). */
    shortcut?: (state: A.SyncState) => [A.SyncState, Uint8Array | null] | undefined,
  ): [A.SyncState, Uint8Array | null] {
    this.at(heads);
    const same = this.byState.get(state);
    if (same) return same;
    const key = syncStateKey(state);
    const known = this.generated.get(key);
    if (known) {
      this.keepByState(state, known);
      return known;
    }
    const answer = shortcut?.(state) ?? A.generateSyncMessage(typeof doc === "function" ? doc() : doc, state);
    // a message carrying much (a newcomer's whole history) is rarely asked for twice: not kept
    if ((answer[1]?.length ?? 0) > KEEP_MAX_BYTES) return answer;
    if (this.generated.size >= this.max) this.generated.clear();
    this.generated.set(key, answer);
    this.keepByState(state, answer);
    return answer;
  }

  private keepByState(state: A.SyncState, answer: [A.SyncState, Uint8Array | null]): void {
    if (this.byState.size >= this.max) this.byState.clear();
    this.byState.set(state, answer);
  }

  /**
   * What `take()` gives for an acknowledgement, from memory when the last one taken in at these heads
   * came in the same bytes to a peer in the very same state (49 peers acknowledge one edit alike).
   */
  acknowledge(
    heads: string,
    state: A.SyncState,
    message: Uint8Array,
    take: () => A.SyncState | undefined,
  ): A.SyncState | undefined {
    this.at(heads);
    const last = this.lastAcknowledgement;
    if (last && last.state === state && sameBytes(last.message, message)) return last.next;
    const next = take();
    this.lastAcknowledgement = { heads, state, message: message.slice(), next };
    return next;
  }

  /**
   * `A.receiveSyncMessage(doc, state, message)`. A message that carries no changes leaves the
   * document as it is: its outcome is taken from memory when a peer in the same state sent the
   * same message at these heads.
   */
  receive<T>(
    doc: A.Doc<T>,
    heads: string,
    state: A.SyncState,
    message: Uint8Array,
    carriesChanges: boolean,
  ): [A.Doc<T>, A.SyncState] {
    if (carriesChanges) {
      const [d, s] = A.receiveSyncMessage(doc, state, message);
      return [d, s];
    }
    this.at(heads);
    const key = `${syncStateKey(state)}|${hex(message)}`;
    const known = this.received.get(key);
    if (known) return [doc, known];
    const [d, s] = A.receiveSyncMessage(doc, state, message);
    if (this.received.size >= this.max) this.received.clear();
    this.received.set(key, s);
    return [d, s];
  }
}
