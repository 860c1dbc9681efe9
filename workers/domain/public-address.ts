// Whether a URL we are asked to fetch (webhook endpoints, MMS images) points at the public
// internet. Pure: the DNS half lives in workers/integrations/dns.ts.
//
// Refused: literal IPs in private, loopback, link-local, CGNAT, documentation, multicast and other
// special-purpose ranges (IPv4 and IPv6, including IPv4 embedded in IPv6), and host names that
// only exist inside a network (localhost, *.local, *.internal, single labels …). The WHATWG URL
// parser has already turned odd IPv4 spellings (0x7f.1, 2130706433) into dotted quads.

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

type Range4 = [number, number]; // [network as uint32, prefix length]

const ip4 = (a: number, b: number, c: number, d: number) => ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;

const NON_PUBLIC_V4: Range4[] = [
  [ip4(0, 0, 0, 0), 8], // "this" network
  [ip4(10, 0, 0, 0), 8], // private
  [ip4(100, 64, 0, 0), 10], // carrier-grade NAT
  [ip4(127, 0, 0, 0), 8], // loopback
  [ip4(169, 254, 0, 0), 16], // link-local (cloud metadata lives here)
  [ip4(172, 16, 0, 0), 12], // private
  [ip4(192, 0, 0, 0), 24], // IETF protocol assignments
  [ip4(192, 0, 2, 0), 24], // documentation
  [ip4(192, 88, 99, 0), 24], // 6to4 relay anycast
  [ip4(192, 168, 0, 0), 16], // private
  [ip4(198, 18, 0, 0), 15], // benchmarking
  [ip4(198, 51, 100, 0), 24], // documentation
  [ip4(203, 0, 113, 0), 24], // documentation
  [ip4(224, 0, 0, 0), 4], // multicast
  [ip4(240, 0, 0, 0), 4], // reserved, broadcast
];

/** Parses a dotted-quad IPv4 address (exactly four decimal parts); null otherwise. */
export function parseIpv4(s: string): number | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ip4(parts[0]!, parts[1]!, parts[2]!, parts[3]!);
}

function inRange4(addr: number, [net, bits]: Range4): boolean {
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (addr & mask) >>> 0 === (net & mask) >>> 0;
}

export function isPublicIpv4(addr: number): boolean {
  return !NON_PUBLIC_V4.some((r) => inRange4(addr, r));
}

/** Parses an IPv6 address (with `::` and a trailing dotted IPv4) into eight 16-bit groups. */
export function parseIpv6(input: string): number[] | null {
  let s = input.replace(/^\[|\]$/g, '').toLowerCase();
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  let v4Tail: number[] | null = null;
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (dotted) {
    const v4 = parseIpv4(dotted[2] ?? '');
    if (v4 === null) return null;
    v4Tail = [v4 >>> 16, v4 & 0xffff];
    const head = dotted[1] ?? '';
    s = head.endsWith('::') ? head : head.slice(0, -1);
  }
  const want = v4Tail ? 6 : 8;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const toNums = (part: string) =>
    part === ''
      ? []
      : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? Number.parseInt(g, 16) : Number.NaN));
  const head = toNums(halves[0] ?? '');
  let groups: number[];
  if (halves.length === 2) {
    const tail = toNums(halves[1] ?? '');
    const fill = want - head.length - tail.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    groups = head;
    if (groups.length !== want) return null;
  }
  if (groups.some(Number.isNaN)) return null;
  return v4Tail ? [...groups, ...v4Tail] : groups;
}

const v4FromGroups = (hi: number, lo: number) => ((hi << 16) | lo) >>> 0;

export function isPublicIpv6(g: number[]): boolean {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, h1 = 0, h2 = 0] = g;
  const zeroPrefix = a === 0 && b === 0 && c === 0 && d === 0 && e === 0;
  if (zeroPrefix && f === 0) return false; // ::, ::1, deprecated IPv4-compatible ::a.b.c.d
  if (zeroPrefix && f === 0xffff) return isPublicIpv4(v4FromGroups(h1, h2)); // IPv4-mapped
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) {
    return isPublicIpv4(v4FromGroups(h1, h2)); // NAT64 well-known prefix
  }
  if (a === 0x64 && b === 0xff9b && c === 1) return false; // local-use NAT64
  if (a === 0x2002) return isPublicIpv4(v4FromGroups(b, c)); // 6to4 embeds the IPv4 address
  if ((a & 0xe000) !== 0x2000) return false; // only global unicast 2000::/3 is public
  if (a === 0x2001 && b === 0x0db8) return false; // documentation
  if (a === 0x2001 && b < 0x0200) return false; // IETF protocol assignments (Teredo, ORCHID, …)
  if (a === 0x3fff && b < 0x1000) return false; // documentation (RFC 9637)
  return true;
}

/** True for a literal IP address (either family) that is on the public internet. */
export function isPublicIp(address: string): boolean {
  const v4 = parseIpv4(address);
  if (v4 !== null) return isPublicIpv4(v4);
  const v6 = parseIpv6(address);
  return v6 !== null && isPublicIpv6(v6);
}

export function isIpLiteral(hostname: string): boolean {
  return parseIpv4(hostname) !== null || (hostname.startsWith('[') && parseIpv6(hostname) !== null);
}

const INTERNAL_SUFFIXES = [
  '.localhost',
  '.local',
  '.internal',
  '.intranet',
  '.lan',
  '.home.arpa',
  '.invalid',
];

/** Host names that only mean something inside a network (or on this machine). */
export function isInternalHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || !h.includes('.')) return true;
  return INTERNAL_SUFFIXES.some((s) => h.endsWith(s));
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

export type UrlPolicy = {
  /** `development` accepts http://localhost and private addresses (a receiver on the developer's machine). */
  environment: string;
  /** What the URL is for, in messages ("The webhook URL", "The image URL"). */
  label: string;
  maxLength?: number;
};

/**
 * The static half of the check (no DNS): scheme, credentials, literal IPs and internal names.
 * Host names that pass still have to resolve to public addresses (integrations/dns.ts).
 */
export function checkPublicUrl(raw: string, policy: UrlPolicy): UrlCheck {
  const { label } = policy;
  if (raw.length > (policy.maxLength ?? 2000)) return { ok: false, reason: `${label} is too long.` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: `${label} is not a valid URL.` };
  }
  const dev = policy.environment === 'development';
  const host = url.hostname.toLowerCase();
  if (url.protocol === 'http:') {
    if (!(dev && LOOPBACK_HOSTS.has(host))) {
      return {
        ok: false,
        reason: `${label} must use https (http is accepted only for localhost in development).`,
      };
    }
  } else if (url.protocol !== 'https:') {
    return { ok: false, reason: `${label} must use https.` };
  }
  if (url.username || url.password) {
    return { ok: false, reason: `${label} must not contain a user name or password.` };
  }
  if (dev) return { ok: true, url };
  if (isIpLiteral(host)) {
    return isPublicIp(host)
      ? { ok: true, url }
      : { ok: false, reason: `${label} points at a private, loopback or reserved address (${host}).` };
  }
  if (isInternalHostname(host)) {
    return { ok: false, reason: `${label} must name a public host; ${host} only exists inside a network.` };
  }
  return { ok: true, url };
}
