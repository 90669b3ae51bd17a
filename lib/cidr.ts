// IPv4 CIDR maths shared by config (validation) and components/network.ts (subnet plans).

/** A network as a 32-bit address and a prefix length. */
export interface Ipv4Network {
    readonly address: number;
    readonly prefix: number;
}

/** Parses "a.b.c.d/n" into a 32-bit network address and prefix, or undefined if malformed. */
export function parseCidr(cidr: string): Ipv4Network | undefined {
    const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!match) return undefined;
    // Leading zeros are refused: some parsers read "010" as octal.
    if (match.slice(1).some((part) => part.length > 1 && part.startsWith("0"))) return undefined;
    const octets = match.slice(1, 5).map(Number);
    const prefix = Number(match[5]);
    if (octets.some((o) => o > 255) || prefix > 32) return undefined;
    const address = octets.reduce((acc, o) => acc * 256 + o, 0);
    const hostBits = 2 ** (32 - prefix);
    // Host bits must be zero: "10.0.0.1/16" is almost always a typo.
    if (address % hostBits !== 0) return undefined;
    return { address, prefix };
}

export function formatCidr(address: number, prefix: number): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefix}`;
}

/** True when `inner` is `outer` or a network inside it. */
export function isWithin(inner: Ipv4Network, outer: Ipv4Network): boolean {
    const size = 2 ** (32 - outer.prefix);
    return inner.prefix >= outer.prefix && inner.address >= outer.address && inner.address < outer.address + size;
}

const PRIVATE_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map((cidr) => parseCidr(cidr)!);

/** Inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16 (RFC 1918). */
export function isPrivateRange(network: Ipv4Network): boolean {
    return PRIVATE_RANGES.some((range) => isWithin(network, range));
}
