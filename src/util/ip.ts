/** IP addresses and CIDR blocks as numbers, for validation and for evaluating `networks`. */
import { memo } from "./memo.js";

export interface Ip {
  family: 4 | 6;
  value: bigint;
}

export interface Cidr {
  family: 4 | 6;
  base: bigint;
  prefix: number;
}

export function parseIpv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p) || Number(p) > 255) return null;
    v = (v << 8n) | BigInt(p);
  }
  return v;
}

export function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split("::").length > 2) return null;
  let groups: string[];
  let tail: bigint | null = null;
  let s = text;
  // A trailing dotted quad (::ffff:10.0.0.1) stands for the last two groups.
  const dotted = /:([0-9.]+)$/.exec(s);
  if (dotted && dotted[1]?.includes(".")) {
    tail = parseIpv4(dotted[1]);
    if (tail === null) return null;
    s = s.slice(0, s.length - dotted[1].length) + "0:0";
  }
  if (s.includes("::")) {
    const [head = "", rest = ""] = s.split("::");
    const h = head ? head.split(":") : [];
    const r = rest ? rest.split(":") : [];
    if (h.length + r.length > 7) return null;
    groups = [...h, ...Array(8 - h.length - r.length).fill("0"), ...r];
  } else {
    groups = s.split(":");
  }
  if (groups.length !== 8) return null;
  let v = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  if (tail !== null) v = (v & ~0xffffffffn) | tail;
  return v;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** Parses an address; an IPv4-mapped IPv6 address (`::ffff:10.8.1.2`) is normalised to IPv4, so
 * one policy matches both spellings of the same client. */
export function parseIp(text: unknown): Ip | null {
  return typeof text === "string" ? ipOf(text) : null;
}
const ipOf = memo((text: string): Ip | null => {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseIpv6(text);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 - MAPPED_PREFIX };
  return { family: 6, value: v6 };
});

export type CidrResult = { ok: true; cidr: Cidr } | { ok: false; reason: string; suggestion?: string };

export function parseCidr(text: string): CidrResult {
  const m = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not a CIDR block (address/prefix, e.g. 10.8.0.0/16)` };
  const addr = m[1] ?? "";
  const prefix = Number(m[2]);
  const v4 = parseIpv4(addr);
  const family: 4 | 6 | null = v4 !== null ? 4 : parseIpv6(addr) !== null ? 6 : null;
  if (family === null) return { ok: false, reason: `"${addr}" is not an IPv4 or IPv6 address` };
  const bits = family === 4 ? 32 : 128;
  if (prefix > bits) return { ok: false, reason: `prefix /${prefix} is longer than ${bits} bits` };
  const value = family === 4 ? (v4 as bigint) : (parseIpv6(addr) as bigint);
  const hostBits = BigInt(bits - prefix);
  const base = (value >> hostBits) << hostBits;
  if (base !== value) {
    return {
      ok: false,
      reason: `"${text}" has host bits set`,
      suggestion: `${formatIp({ family, value: base })}/${prefix}`,
    };
  }
  return { ok: true, cidr: { family, base, prefix } };
}

export function cidrContains(c: Cidr, ip: Ip): boolean {
  if (c.family !== ip.family) return false;
  const hostBits = BigInt((c.family === 4 ? 32 : 128) - c.prefix);
  return ip.value >> hostBits === c.base >> hostBits;
}

export function formatIp(ip: Ip): string {
  if (ip.family === 4) {
    return [24n, 16n, 8n, 0n].map((s) => ((ip.value >> s) & 0xffn).toString()).join(".");
  }
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((ip.value >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === "0") j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  if (best < 0) return groups.join(":");
  return `${groups.slice(0, best).join(":")}::${groups.slice(best + bestLen).join(":")}`;
}
