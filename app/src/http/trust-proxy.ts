import { BlockList, isIP } from 'node:net';

/**
 * Express's `trust proxy` for the app behind nginx: the immediate peer (nginx, or whatever the app runs behind)
 * is always trusted, and beyond it only the load balancers in TRUSTED_PROXY_CIDRS, the same list nginx gets.
 * nginx already replaces its client address with the real one (set_real_ip_from) and appends it to
 * X-Forwarded-For, so req.ip is the real client, and a client cannot choose its address by sending the header.
 */
export function trustProxy(cidrs: readonly string[]): (address: string, hop: number) => boolean {
  const trusted = new BlockList();
  for (const cidr of cidrs) {
    const [address, bits] = cidr.split('/') as [string, string | undefined];
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(address, family);
    else trusted.addSubnet(address, Number(bits), family);
  }
  return (address, hop) => {
    if (hop === 0) return true;
    const plain = address.replace(/^::ffff:(?=\d+\.)/, '');
    return trusted.check(plain, isIP(plain) === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Parses TRUSTED_PROXY_CIDRS ("10.0.0.0/16, 172.31.0.0/16"): the list, or the problem with one entry. */
export function parseCidrs(raw: string): { ok: true; cidrs: string[] } | { ok: false; error: string } {
  const cidrs = raw
    .split(/[,\s]+/)
    .map((part) => part.trim())
    .filter(Boolean);
  for (const cidr of cidrs) {
    const [address, bits, extra] = cidr.split('/');
    const version = isIP(address ?? '');
    const max = version === 6 ? 128 : 32;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (!version || !bitsOk || extra !== undefined) {
      return {
        ok: false,
        error: `"${cidr}" is not an IP address or CIDR (example: 10.0.0.0/16,172.31.0.0/16)`,
      };
    }
  }
  return { ok: true, cidrs };
}
