import { describe, expect, it } from 'vitest';
import { checkPublicUrl, isPublicIp, parseIpv6 } from '../../workers/domain/public-address';

const prod = { environment: 'production', label: 'The webhook URL' };
const dev = { environment: 'development', label: 'The webhook URL' };

describe('isPublicIp', () => {
  it('public addresses pass', () => {
    for (const ip of [
      '1.1.1.1',
      '8.8.8.8',
      '203.0.114.1',
      '172.32.0.1',
      '100.128.0.1',
      '2606:4700:4700::1111',
      '2001:4860:4860::8888',
    ]) {
      expect(isPublicIp(ip), ip).toBe(true);
    }
  });

  it('security: private, loopback, link-local, CGNAT, documentation, multicast and reserved IPv4 are refused', () => {
    for (const ip of [
      '0.0.0.0',
      '10.1.2.3',
      '100.64.0.1',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.0.0.8',
      '192.0.2.1',
      '192.168.1.1',
      '198.18.0.1',
      '198.51.100.7',
      '203.0.113.9',
      '224.0.0.1',
      '240.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPublicIp(ip), ip).toBe(false);
    }
  });

  it('security: IPv6 loopback, ULA, link-local, multicast, documentation and IPv4 hidden inside IPv6 are refused', () => {
    for (const ip of [
      '::',
      '::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1%eth0',
      'ff02::1',
      '2001:db8::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2002:c0a8:0101::1',
      '::127.0.0.1',
      '2001::1',
    ]) {
      expect(isPublicIp(ip), ip).toBe(false);
    }
    expect(isPublicIp('::ffff:8.8.8.8')).toBe(true);
    expect(isPublicIp('64:ff9b::808:808')).toBe(true);
  });

  it('parses IPv6 forms', () => {
    expect(parseIpv6('::1')).toEqual([0, 0, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6('[2001:db8::1]')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(parseIpv6('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x0102, 0x0304]);
    expect(parseIpv6('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const bad of ['1::2::3', '12345::', '1:2:3', 'g::1', '::1.2.3.256'])
      expect(parseIpv6(bad), bad).toBeNull();
  });
});

describe('checkPublicUrl', () => {
  it('happy: an https URL on a public name or address', () => {
    expect(checkPublicUrl('https://hooks.example.com/in?x=1', prod).ok).toBe(true);
    expect(checkPublicUrl('https://8.8.8.8:8443/hook', prod).ok).toBe(true);
  });

  it('error: not https, not a URL, or carrying credentials', () => {
    const reason = (u: string) => {
      const r = checkPublicUrl(u, prod);
      return r.ok ? 'ok' : r.reason;
    };
    expect(reason('http://hooks.example.com/')).toMatch(/must use https/);
    expect(reason('ftp://hooks.example.com/')).toMatch(/must use https/);
    expect(reason('hooks.example.com')).toMatch(/not a valid URL/);
    expect(reason('https://user:pass@hooks.example.com/')).toMatch(/user name or password/);
  });

  it('security: loopback and private addresses in every spelling, and internal names, are refused in production', () => {
    for (const u of [
      'https://127.0.0.1/',
      'https://0x7f.1/',
      'https://2130706433/',
      'https://017700000001/',
      'https://[::1]/',
      'https://[::ffff:127.0.0.1]/',
      'https://169.254.169.254/latest/meta-data',
      'https://10.0.0.5/',
      'https://localhost/',
      'https://api.localhost/',
      'https://printer.local/',
      'https://metadata.google.internal/',
      'https://intranet/',
      'https://router.home.arpa/',
    ]) {
      expect(checkPublicUrl(u, prod).ok, u).toBe(false);
    }
  });

  it('development accepts http only for localhost, and private receivers', () => {
    expect(checkPublicUrl('http://localhost:9000/hook', dev).ok).toBe(true);
    expect(checkPublicUrl('http://127.0.0.1:9000/hook', dev).ok).toBe(true);
    expect(checkPublicUrl('https://192.168.1.20/hook', dev).ok).toBe(true);
    expect(checkPublicUrl('http://hooks.example.com/', dev).ok).toBe(false);
    expect(checkPublicUrl('http://localhost/', { ...dev, environment: 'test' }).ok).toBe(false);
  });
});
