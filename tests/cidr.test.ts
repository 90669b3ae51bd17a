// lib/cidr.ts: the CIDR maths config validation and the subnet plan share.
import assert from "node:assert/strict";
import { formatCidr, isPrivateRange, isWithin, parseCidr } from "../lib/cidr";

describe("cidr: parseCidr and formatCidr", () => {
    it("parses a network into its 32-bit address and prefix", () => {
        assert.deepEqual(parseCidr("10.0.0.0/16"), { address: 10 * 2 ** 24, prefix: 16 });
        assert.deepEqual(parseCidr("192.168.1.0/24"), { address: ((192 * 256 + 168) * 256 + 1) * 256, prefix: 24 });
        assert.deepEqual(parseCidr("0.0.0.0/0"), { address: 0, prefix: 0 });
        assert.deepEqual(parseCidr("255.255.255.255/32"), { address: 2 ** 32 - 1, prefix: 32 });
    });

    it("formats an address and prefix, including addresses above 2^31 (no sign trouble)", () => {
        assert.equal(formatCidr(10 * 2 ** 24, 16), "10.0.0.0/16");
        assert.equal(formatCidr(2 ** 32 - 1, 32), "255.255.255.255/32");
        assert.equal(formatCidr(0xc0a80100, 24), "192.168.1.0/24");
        assert.equal(formatCidr(0, 0), "0.0.0.0/0");
    });

    for (const cidr of [
        "0.0.0.0/0",
        "10.0.0.0/8",
        "10.10.0.0/16",
        "10.20.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "203.0.113.0/24",
        "198.51.100.128/25",
        "255.255.255.255/32",
        "128.0.0.0/1",
    ]) {
        it(`round-trips ${cidr}`, () => {
            const parsed = parseCidr(cidr);
            assert.ok(parsed, `${cidr} did not parse`);
            assert.equal(formatCidr(parsed.address, parsed.prefix), cidr);
        });
    }

    const rejected: [string, string][] = [
        ["10.0.0.0/33", "prefix above 32"],
        ["10.0.0.1/16", "host bits set"],
        ["11.0.0.0/7", "host bits set for a /7"],
        ["1.2.3.4/0", "host bits set for a /0"],
        ["300.0.0.0/16", "octet above 255"],
        ["10.0.256.0/24", "octet above 255"],
        ["10.0.0.0", "no prefix"],
        ["10.0.0/16", "three octets"],
        ["10.0.0.0.0/16", "five octets"],
        ["1000.0.0.0/8", "four-digit octet"],
        ["10.0.0.0/100", "three-digit prefix"],
        ["10.0.0.0/-1", "negative prefix"],
        [" 10.0.0.0/16", "leading space"],
        ["10.0.0.0/16 ", "trailing space"],
        ["10.0.0.0/16\n", "trailing newline"],
        ["a.b.c.d/16", "letters"],
        ["::/0", "IPv6"],
        ["", "empty"],
    ];
    for (const [cidr, why] of rejected) {
        it(`rejects ${JSON.stringify(cidr)} (${why})`, () => {
            assert.equal(parseCidr(cidr), undefined);
        });
    }
});

describe("cidr: octal traps", () => {
    it("refuses leading zeros, which some parsers read as octal", () => {
        assert.equal(parseCidr("010.20.0.0/16"), undefined);
        assert.equal(parseCidr("10.0.0.0/08"), undefined);
    });
});

describe("cidr: containment and private ranges", () => {
    const net = (cidr: string) => parseCidr(cidr)!;

    it("tells a network inside another, the same one included, from one that overlaps or lies outside", () => {
        assert.equal(isWithin(net("10.10.0.0/16"), net("10.10.0.0/16")), true);
        assert.equal(isWithin(net("10.10.32.0/19"), net("10.10.0.0/16")), true);
        assert.equal(isWithin(net("10.10.255.0/24"), net("10.10.0.0/16")), true);
        assert.equal(isWithin(net("10.11.0.0/24"), net("10.10.0.0/16")), false);
        assert.equal(isWithin(net("10.0.0.0/8"), net("10.10.0.0/16")), false, "a wider network is not inside");
        assert.equal(isWithin(net("10.10.0.0/16"), net("0.0.0.0/0")), true);
    });

    it("knows the three RFC 1918 ranges and nothing around them", () => {
        for (const cidr of [
            "10.0.0.0/8",
            "10.255.0.0/16",
            "172.16.0.0/12",
            "172.31.255.0/24",
            "192.168.0.0/16",
            "192.168.7.0/24",
        ]) {
            assert.equal(isPrivateRange(net(cidr)), true, cidr);
        }
        for (const cidr of [
            "0.0.0.0/0",
            "8.0.0.0/7",
            "11.0.0.0/8",
            "172.32.0.0/16",
            "172.0.0.0/8",
            "192.169.0.0/16",
            "203.0.113.0/24",
        ]) {
            assert.equal(isPrivateRange(net(cidr)), false, cidr);
        }
    });
});
