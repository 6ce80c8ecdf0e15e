// IP addresses and CIDR ranges: which peers are trusted reverse proxies, the client address a
// request speaks for (X-Forwarded-For only through trusted proxies), and the key sign-in limits use.

export interface IpAddress {
  version: 4 | 6;
  /** The address as a number: 32 bits for IPv4, 128 for IPv6. */
  value: bigint;
}

function parseV4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

function parseV6(s: string): bigint | null {
  let text = s;
  // An embedded IPv4 address in the last 32 bits (::ffff:192.0.2.1) becomes two hex groups.
  const lastColon = text.lastIndexOf(":");
  if (text.slice(lastColon + 1).includes(".")) {
    const v4 = parseV4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  const given = head.length + rest.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const all = [...head, ...new Array<string>(8 - given).fill("0"), ...rest];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/** Parses an IPv4 or IPv6 address; IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) become IPv4. */
export function parseIp(raw: string): IpAddress | null {
  let s = raw.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (s === "" || s.length > 45) return null;
  if (!s.includes(":")) {
    const v = parseV4(s);
    return v === null ? null : { version: 4, value: v };
  }
  const v = parseV6(s);
  if (v === null) return null;
  if (v >> 32n === 0xffffn) return { version: 4, value: v & 0xffffffffn };
  return { version: 6, value: v };
}

export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) return [24n, 16n, 8n, 0n].map((s) => String((ip.value >> s) & 0xffn)).join(".");
  const groups: string[] = [];
  for (let i = 7n; i >= 0n; i--) groups.push(((ip.value >> (i * 16n)) & 0xffffn).toString(16));
  return groups.join(":");
}

interface Range {
  version: 4 | 6;
  network: bigint;
  prefix: number;
}

const widthOf = (v: 4 | 6) => (v === 4 ? 32 : 128);
const maskOf = (v: 4 | 6, prefix: number) => {
  const w = BigInt(widthOf(v));
  return ((1n << w) - 1n) ^ ((1n << (w - BigInt(prefix))) - 1n);
};

/** A set of CIDR ranges, e.g. the trusted reverse proxies. */
export class IpRanges {
  private constructor(private readonly ranges: Range[]) {}

  static readonly NONE = new IpRanges([]);

  /** Parses "10.0.0.0/8, 192.168.1.7, fd00::/8"; throws an Error naming the bad entry. */
  static parse(raw: string): IpRanges {
    const ranges: Range[] = [];
    for (const item of raw.split(/[\s,]+/).filter(Boolean)) {
      const [addr, bits, extra] = item.split("/");
      const ip = extra === undefined ? parseIp(addr!) : null;
      if (!ip) throw new Error(`"${item}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 192.168.1.7, fd00::/8)`);
      const width = widthOf(ip.version);
      const prefix = bits === undefined ? width : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (!(prefix >= 0 && prefix <= width)) throw new Error(`"${item}": the prefix length must be 0–${width}`);
      ranges.push({ version: ip.version, network: ip.value & maskOf(ip.version, prefix), prefix });
    }
    return new IpRanges(ranges);
  }

  get size(): number {
    return this.ranges.length;
  }

  contains(address: string | IpAddress): boolean {
    const ip = typeof address === "string" ? parseIp(address) : address;
    if (!ip) return false;
    return this.ranges.some((r) => r.version === ip.version && (ip.value & maskOf(r.version, r.prefix)) === r.network);
  }

  toString(): string {
    return this.ranges.map((r) => `${formatIp({ version: r.version, value: r.network })}/${r.prefix}`).join(",");
  }
}

/**
 * The address a request comes from. X-Forwarded-For counts only when the direct peer is a trusted
 * proxy; then the chain is read from the right (the entries proxies appended) and the first hop that
 * is not itself a trusted proxy is the client. What a client wrote at the left cannot pick its address.
 */
export function clientAddress(peer: string, forwardedFor: string | null, trusted: IpRanges): string {
  const peerIp = parseIp(peer);
  if (!peerIp) return peer;
  const canonicalPeer = formatIp(peerIp);
  if (!forwardedFor || trusted.size === 0 || !trusted.contains(peerIp)) return canonicalPeer;
  let current = canonicalPeer;
  const hops = forwardedFor.split(",").slice(-32).reverse();
  for (const hop of hops) {
    const ip = parseIp(hop);
    // A malformed entry was written by the trusted hop before it or by the client: stop at what is known.
    if (!ip) return current;
    current = formatIp(ip);
    if (!trusted.contains(ip)) return current;
  }
  return current;
}

/** The key address limits count under: an IPv4 address, or the /64 an IPv6 address belongs to (one host's usual share). */
export function addressKey(address: string): string {
  const ip = parseIp(address);
  if (!ip) return address;
  if (ip.version === 4) return formatIp(ip);
  return `${formatIp({ version: 6, value: ip.value & maskOf(6, 64) })}/64`;
}
