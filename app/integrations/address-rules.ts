// Which IP addresses an outgoing webhook may never reach in production (SSRF): a URL an admin
// types, or a DNS name that resolves to an inside address, must not make Kept call its own
// network, the cloud's metadata service, or itself. Pure: the caller resolves names
// (deliver.server.ts checks every address a name resolves to and connects to the checked one).

/** Why an address is refused; null when it is a public unicast address. */
export type AddressClass = 'loopback' | 'private' | 'link-local' | 'cgnat' | 'multicast' | 'metadata' | 'unspecified' | 'reserved' | 'invalid';

type V4Range = { base: number; bits: number; class: AddressClass };
const v4 = (cidr: string, cls: AddressClass): V4Range => {
  const [addr, bits] = cidr.split('/');
  return { base: parseV4(addr)!, bits: Number(bits), class: cls };
};

// Most specific first: the metadata address sits inside link-local.
const V4_BLOCKED: V4Range[] = [
  v4('169.254.169.254/32', 'metadata'),
  v4('100.100.100.200/32', 'metadata'),
  v4('0.0.0.0/8', 'unspecified'),
  v4('10.0.0.0/8', 'private'),
  v4('100.64.0.0/10', 'cgnat'),
  v4('127.0.0.0/8', 'loopback'),
  v4('169.254.0.0/16', 'link-local'),
  v4('172.16.0.0/12', 'private'),
  v4('192.0.0.0/24', 'reserved'),
  v4('192.168.0.0/16', 'private'),
  v4('198.18.0.0/15', 'reserved'),
  v4('224.0.0.0/4', 'multicast'),
  v4('240.0.0.0/4', 'reserved'),
];

/** a.b.c.d as an unsigned 32-bit number, or null. */
function parseV4(text: string): number | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return null;
    n = n * 256 + Number(part);
  }
  return n;
}

/** An IPv6 address as 8 groups of 16 bits (an embedded dotted IPv4 tail and a %zone allowed), or null. */
function parseV6(text: string): number[] | null {
  let s = text.replace(/^\[|\]$/g, '');
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!/^[0-9a-f:.]+$/i.test(s)) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.')) {
    const v4n = parseV4(s.slice(lastColon + 1));
    if (v4n === null) return null;
    tail = [Math.floor(v4n / 65536), v4n % 65536];
    s = s.slice(0, lastColon);
    if (s.endsWith(':')) s += ':';
  }
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const group = (h: string) => (h === '' ? [] : h.split(':'));
  const head = group(halves[0]);
  const rest = halves.length === 2 ? group(halves[1]) : [];
  const parse = (g: string) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN);
  const headN = head.map(parse);
  const restN = rest.map(parse);
  if ([...headN, ...restN].some(Number.isNaN)) return null;
  const missing = 8 - headN.length - restN.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  return [...headN, ...Array(halves.length === 2 ? missing : 0).fill(0), ...restN, ...tail];
}

function classifyV4(n: number): AddressClass | null {
  for (const r of V4_BLOCKED) {
    const size = 2 ** (32 - r.bits);
    if (Math.floor(n / size) === Math.floor(r.base / size)) return r.class;
  }
  return null;
}

function classifyV6(g: number[]): AddressClass | null {
  const embedded = () => classifyV4(g[6] * 65536 + g[7]) ?? null;
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-translated (::ffff:0:a.b.c.d): the IPv4 address decides.
  if (zeros(0, 5) && g[5] === 0xffff) return embedded();
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return embedded();
  // IPv4-compatible (::a.b.c.d, deprecated): never a public route.
  if (zeros(0, 6)) return 'reserved';
  // NAT64 (64:ff9b::a.b.c.d): reaches the IPv4 address through the gateway.
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded();
  // 6to4 (2002:aabb:ccdd::): the IPv4 address in groups 1-2.
  if (g[0] === 0x2002) return classifyV4(g[1] * 65536 + g[2]);
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && zeros(2, 7) && g[7] === 0x254) return 'metadata';
  if ((g[0] & 0xfe00) === 0xfc00) return 'private';
  if ((g[0] & 0xffc0) === 0xfe80) return 'link-local';
  if ((g[0] & 0xffc0) === 0xfec0) return 'private';
  if ((g[0] & 0xff00) === 0xff00) return 'multicast';
  return null;
}

/** Why Kept must not connect to `address` (IPv4 or IPv6 text), or null when it may. */
export function blockedAddressClass(address: string): AddressClass | null {
  const n = parseV4(address);
  if (n !== null) return classifyV4(n);
  const groups = parseV6(address);
  if (groups) return classifyV6(groups);
  return 'invalid';
}

/** True when `host` is written as an IP address (v4, or v6 with or without brackets). */
export const isIpLiteral = (host: string) => parseV4(host) !== null || (host.includes(':') && parseV6(host) !== null);
