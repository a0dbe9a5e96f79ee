import { describe, expect, test } from 'vitest';
import { blockedAddressClass, isIpLiteral } from '#app/integrations/address-rules';

// The SSRF classifier: every address a webhook host resolves to passes through it in production.
describe('blockedAddressClass', () => {
  test.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.10', 'private'],
    ['169.254.10.1', 'link-local'],
    ['169.254.169.254', 'metadata'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.254', 'cgnat'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fd00:ec2::254', 'metadata'],
    ['ff02::1', 'multicast'],
    // IPv4-mapped IPv6: the IPv4 address inside decides, in dotted and in hex form.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'metadata'],
    ['::FFFF:A9FE:A9FE', 'metadata'],
    ['64:ff9b::192.168.0.1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['[::1]', 'loopback'],
  ])('%s is refused (%s)', (address, expected) => {
    expect(blockedAddressClass(address)).toBe(expected);
  });

  test.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '192.169.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2a00:1450:4001:80b::200e'])('%s is public', (address) => {
    expect(blockedAddressClass(address)).toBeNull();
  });

  test.each(['', 'localhost', '1.2.3', '256.1.1.1', '1::2::3', '1:2:3:4:5:6:7:8:9', 'example.com'])('%s is not an address, so it is refused', (text) => {
    expect(blockedAddressClass(text)).toBe('invalid');
  });

  test('tells IP literals from host names', () => {
    expect(isIpLiteral('10.0.0.1')).toBe(true);
    expect(isIpLiteral('[::1]')).toBe(true);
    expect(isIpLiteral('hooks.example.com')).toBe(false);
  });
});
