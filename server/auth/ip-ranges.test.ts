// Address parsing, CIDR ranges, the client address behind proxies, and the key address limits use.
import { describe, expect, test } from "bun:test";
import { addressKey, clientAddress, formatIp, IpRanges, parseIp } from "./ip-ranges.ts";

describe("addresses", () => {
  test("IPv4, IPv6 and IPv4-mapped IPv6 parse; junk does not", () => {
    expect(formatIp(parseIp("192.0.2.1")!)).toBe("192.0.2.1");
    expect(formatIp(parseIp("::ffff:192.0.2.1")!)).toBe("192.0.2.1");
    expect(formatIp(parseIp("2001:db8::1")!)).toBe("2001:db8:0:0:0:0:0:1");
    expect(formatIp(parseIp("[::1]")!)).toBe("0:0:0:0:0:0:0:1");
    expect(formatIp(parseIp("fe80::1%eth0")!)).toBe("fe80:0:0:0:0:0:0:1");
    for (const bad of [
      "",
      "1.2.3",
      "1.2.3.256",
      "1.2.3.4.5",
      "::1::2",
      "2001:db8::g",
      "1:2:3:4:5:6:7:8:9",
      "unknown",
      "01234.1.1.1",
    ])
      expect(parseIp(bad)).toBeNull();
  });

  test("ranges contain what they should", () => {
    const r = IpRanges.parse("10.0.0.0/8, 192.168.1.7 fd00::/8");
    expect(r.contains("10.200.3.4")).toBe(true);
    expect(r.contains("::ffff:10.1.2.3")).toBe(true);
    expect(r.contains("11.0.0.1")).toBe(false);
    expect(r.contains("192.168.1.7")).toBe(true);
    expect(r.contains("192.168.1.8")).toBe(false);
    expect(r.contains("fd12::1")).toBe(true);
    expect(r.contains("fe80::1")).toBe(false);
    expect(r.toString()).toBe("10.0.0.0/8,192.168.1.7/32,fd00:0:0:0:0:0:0:0/8");
    expect(() => IpRanges.parse("10.0.0.0/33")).toThrow("prefix length must be 0–32");
    expect(() => IpRanges.parse("proxy.example")).toThrow('"proxy.example" is not an IP address');
  });
});

describe("clientAddress", () => {
  const trusted = IpRanges.parse("10.0.0.0/8");
  test("X-Forwarded-For counts only from a trusted peer, read from the right", () => {
    expect(clientAddress("203.0.113.9", "1.1.1.1", trusted)).toBe("203.0.113.9");
    expect(clientAddress("10.0.0.2", "1.1.1.1, 198.51.100.4", trusted)).toBe("198.51.100.4");
    expect(clientAddress("10.0.0.2", "198.51.100.4, 10.0.0.3", trusted)).toBe("198.51.100.4");
    expect(clientAddress("10.0.0.2", "10.0.0.4, 10.0.0.3", trusted)).toBe("10.0.0.4");
    expect(clientAddress("10.0.0.2", null, trusted)).toBe("10.0.0.2");
    expect(clientAddress("10.0.0.2", "garbage, 10.0.0.3", trusted)).toBe("10.0.0.3");
    expect(clientAddress("::ffff:10.0.0.2", "198.51.100.4", trusted)).toBe("198.51.100.4");
    expect(clientAddress("10.0.0.2", "1.1.1.1", IpRanges.NONE)).toBe("10.0.0.2");
  });

  test("limits key IPv6 by /64", () => {
    expect(addressKey("2001:db8:1:2:3:4:5:6")).toBe(addressKey("2001:db8:1:2::9"));
    expect(addressKey("2001:db8:1:2::1")).not.toBe(addressKey("2001:db8:1:3::1"));
    expect(addressKey("192.0.2.1")).toBe("192.0.2.1");
  });
});
