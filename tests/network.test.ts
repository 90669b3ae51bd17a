import * as assert from "node:assert/strict";
import { planSubnets, subnetTags } from "../components/network";
import { ofType, one, stackRun, STACKS } from "./helpers";

describe("network: pure helpers", () => {
    it("carves a /16 into private /19s and public /22s that do not overlap", () => {
        assert.deepEqual(planSubnets("10.0.0.0/16", 3), {
            privateCidrs: ["10.0.0.0/19", "10.0.32.0/19", "10.0.64.0/19"],
            publicCidrs: ["10.0.192.0/22", "10.0.196.0/22", "10.0.200.0/22"],
        });
    });

    it("scales the carving with the VPC prefix and supports six AZs", () => {
        const plan = planSubnets("172.16.0.0/20", 6);
        assert.deepEqual(plan.privateCidrs, [
            "172.16.0.0/23",
            "172.16.2.0/23",
            "172.16.4.0/23",
            "172.16.6.0/23",
            "172.16.8.0/23",
            "172.16.10.0/23",
        ]);
        assert.equal(plan.publicCidrs[0], "172.16.12.0/26");
        assert.equal(plan.publicCidrs[5], "172.16.13.64/26");
        assert.throws(() => planSubnets("10.0.0.0/16", 7), /at most 6 AZs/);
        assert.throws(() => planSubnets("10.0.0/16", 2), /not a CIDR/);
    });

    it("tags public subnets for internet-facing and private ones for internal load balancers", () => {
        assert.deepEqual(subnetTags("public", "c1", "n"), {
            Name: "n",
            tier: "public",
            "kubernetes.io/cluster/c1": "shared",
            "kubernetes.io/role/elb": "1",
        });
        assert.deepEqual(subnetTags("private", "c1", "n"), {
            Name: "n",
            tier: "private",
            "kubernetes.io/cluster/c1": "shared",
            "kubernetes.io/role/internal-elb": "1",
        });
    });
});

const EXPECTED = {
    dev: { azs: 2, nats: 1, cidr: "10.10.0.0/16", cluster: "scalable-backend-dev" },
    prod: { azs: 3, nats: 3, cidr: "10.20.0.0/16", cluster: "scalable-backend-prod" },
} as const;

for (const stack of STACKS) {
    const expected = EXPECTED[stack];
    describe(`network: ${stack} stack`, () => {
        it(`builds a DNS-enabled VPC on ${expected.cidr}`, async () => {
            const run = await stackRun(stack);
            const vpc = one(run, "aws:ec2/vpc:Vpc", "network-vpc");
            assert.equal(vpc.inputs.cidrBlock, expected.cidr);
            assert.equal(vpc.inputs.enableDnsHostnames, true);
            assert.equal(vpc.inputs.enableDnsSupport, true);
            // The default security group is adopted with no rules at all.
            const sg = one(run, "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "network-default-sg");
            assert.equal(sg.inputs.ingress, undefined);
            assert.equal(sg.inputs.egress, undefined);
        });

        it(`spreads a public and a private subnet over each of ${expected.azs} AZs, without public IPs`, async () => {
            const run = await stackRun(stack);
            const subnets = ofType(run, "aws:ec2/subnet:Subnet");
            const plan = planSubnets(expected.cidr, expected.azs);
            const letters = ["a", "b", "c"].slice(0, expected.azs);
            assert.deepEqual(
                subnets.map((s) => s.name).sort(),
                [...letters.map((l) => `network-private-${l}`), ...letters.map((l) => `network-public-${l}`)].sort(),
            );
            letters.forEach((letter, i) => {
                const privateSubnet = one(run, "aws:ec2/subnet:Subnet", `network-private-${letter}`);
                const publicSubnet = one(run, "aws:ec2/subnet:Subnet", `network-public-${letter}`);
                assert.equal(privateSubnet.inputs.cidrBlock, plan.privateCidrs[i]);
                assert.equal(publicSubnet.inputs.cidrBlock, plan.publicCidrs[i]);
                assert.equal(privateSubnet.inputs.availabilityZone, `eu-west-1${letter}`);
                assert.equal(publicSubnet.inputs.availabilityZone, `eu-west-1${letter}`);
                assert.equal(privateSubnet.inputs.mapPublicIpOnLaunch, false);
                assert.equal(publicSubnet.inputs.mapPublicIpOnLaunch, false);
                assert.equal(privateSubnet.inputs.tags["kubernetes.io/role/internal-elb"], "1");
                assert.equal(publicSubnet.inputs.tags["kubernetes.io/role/elb"], "1");
                assert.equal(publicSubnet.inputs.tags[`kubernetes.io/cluster/${expected.cluster}`], "shared");
                assert.equal(privateSubnet.inputs.vpcId, "<id of network-vpc>");
            });
        });

        it(`runs ${expected.nats} NAT gateway(s) and routes every private subnet through one in its own AZ when it can`, async () => {
            const run = await stackRun(stack);
            const nats = ofType(run, "aws:ec2/natGateway:NatGateway");
            assert.equal(nats.length, expected.nats);
            nats.forEach((nat, i) => {
                const letter = "abc"[i];
                assert.equal(nat.inputs.subnetId, `<id of network-public-${letter}>`);
                assert.equal(nat.inputs.allocationId, `<id of network-nat-${letter}>`);
                assert.deepEqual(nat.options.dependsOn, ["network-igw"]);
            });
            for (const letter of ["a", "b", "c"].slice(0, expected.azs)) {
                const route = one(run, "aws:ec2/route:Route", `network-private-${letter}-default`);
                const natLetter = expected.nats === 1 ? "a" : letter;
                assert.equal(route.inputs.natGatewayId, `<id of network-nat-${natLetter}>`);
                assert.equal(route.inputs.destinationCidrBlock, "0.0.0.0/0");
                assert.equal(route.inputs.routeTableId, `<id of network-private-${letter}>`);
                const association = one(
                    run,
                    "aws:ec2/routeTableAssociation:RouteTableAssociation",
                    `network-private-${letter}`,
                );
                assert.deepEqual(
                    [association.inputs.subnetId, association.inputs.routeTableId],
                    [`<id of network-private-${letter}>`, `<id of network-private-${letter}>`],
                );
            }
            const publicRoute = one(run, "aws:ec2/route:Route", "network-public-default");
            assert.equal(publicRoute.inputs.gatewayId, "<id of network-igw>");
        });
    });
}
