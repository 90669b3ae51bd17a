// config/network.ts: AZ count, the VPC's CIDR, NAT gateways.
import { accepts, rejects, set } from "./config-helpers";

describe("config: availability zones", () => {
    rejects([
        {
            title: 'an AZ count of "2"',
            stack: "prod",
            edit: set("availabilityZoneCount", "2"),
            key: "availabilityZoneCount",
            says: ["is 2; prod must survive the loss of one AZ with quorum"],
            expects: ["at least 3 in prod"],
        },
        ...["1", "7"].map((count) => ({
            title: `an AZ count of "${count}"`,
            edit: set("availabilityZoneCount", count),
            key: "availabilityZoneCount",
            says: [`is ${count}, out of range`],
            expects: ["an integer from 2 to 6"],
        })),
        {
            title: 'an AZ count of "three"',
            edit: set("availabilityZoneCount", "three"),
            key: "availabilityZoneCount",
            says: ['is "three", not a whole number'],
            expects: ["an integer from 2 to 6"],
        },
    ]);
});

describe("config: the VPC's CIDR", () => {
    const notACidr = ['an IPv4 network such as "203.0.113.0/24" (host bits zero)'];
    rejects([
        ...["10.0.0.0/33", "10.0.0.1/16", "300.0.0.0/16", "10.0.0.0", "10.0.0/16", "10.0.0.0/16 "].map((value) => ({
            title: `a malformed vpcCidr ${JSON.stringify(value)}`,
            edit: set("vpcCidr", value),
            key: "vpcCidr",
            says: [`is "${value}", not a valid network CIDR`],
            expects: notACidr,
        })),
        {
            title: "a CIDR with leading zeros, which some parsers read as octal",
            edit: set("vpcCidr", "010.20.0.0/16"),
            key: "vpcCidr",
            says: ['is "010.20.0.0/16", not a valid network CIDR'],
            expects: ["host bits zero"],
        },
        ...[
            ["10.10.0.0/24", "/24"],
            ["10.10.0.0/21", "/21"],
            ["10.0.0.0/8", "/8"],
        ].map(([value, prefix]) => ({
            title: `a ${prefix} VPC`,
            edit: set("vpcCidr", value),
            key: "vpcCidr",
            says: [`is "${value}", a ${prefix}`],
            expects: ["a /16 to /20 network"],
        })),
        ...["8.8.0.0/16", "172.32.0.0/16"].map((value) => ({
            title: `a VPC range outside the private ones (${value})`,
            edit: set("vpcCidr", value),
            key: "vpcCidr",
            says: [`is "${value}", outside the private ranges`],
            expects: ["a network inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"],
        })),
    ]);

    accepts(
        ["10.0.0.0/16", "10.255.240.0/20", "172.16.0.0/16", "172.31.0.0/16", "192.168.0.0/16", "192.168.16.0/20"].map(
            (value) => ({
                title: `the private VPC range ${value}`,
                edit: set("vpcCidr", value),
                read: (config) => [config.network.cidrBlock, config.cluster.vpcCidr],
                expected: [value, value],
            }),
        ),
    );
});

describe("config: NAT gateways", () => {
    rejects([
        {
            title: 'natGateways "single"',
            stack: "prod",
            edit: set("natGateways", "single"),
            key: "natGateways",
            says: [`is "single"; one NAT gateway makes one AZ's loss take egress from all nodes`],
            expects: ['"perAz" in prod'],
        },
        {
            title: 'natGateways "perAZ" (wrong case)',
            edit: set("natGateways", "perAZ"),
            key: "natGateways",
            says: ['is "perAZ"'],
            expects: ['one of "single", "perAz"'],
        },
    ]);
    accepts([
        {
            title: "perAz in dev",
            edit: set("natGateways", "perAz"),
            read: (c) => c.network.natGateways,
            expected: "perAz",
        },
    ]);
});
