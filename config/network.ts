// The network: how many AZs, the VPC's CIDR, NAT gateways.
import { isPrivateRange, parseCidr } from "../lib/cidr";
import type { NetworkSettings } from "../components/network";
import type { RawConfig, Reader } from "./reader";
import type { StackSettings } from "./stack";

export function parseNetwork(reader: Reader, raw: RawConfig, stack: StackSettings): NetworkSettings {
    const profile = stack.profile;
    const availabilityZoneCount = reader.integer("availabilityZoneCount", raw.availabilityZoneCount, 2, 6);
    if (profile === "prod" && availabilityZoneCount < 3) {
        reader.fail(
            "availabilityZoneCount",
            `is ${availabilityZoneCount}; prod must survive the loss of one AZ with quorum`,
            "at least 3 in prod",
        );
    }

    const vpcCidr = reader.cidr("vpcCidr", reader.string("vpcCidr", raw.vpcCidr));
    const vpc = parseCidr(vpcCidr)!;
    if (vpc.prefix < 16 || vpc.prefix > 20) {
        reader.fail(
            "vpcCidr",
            `is "${vpcCidr}", a /${vpc.prefix}`,
            "a /16 to /20 network (AWS allows no larger VPC; pods take VPC addresses, so no smaller)",
        );
    }
    if (!isPrivateRange(vpc)) {
        reader.fail(
            "vpcCidr",
            `is "${vpcCidr}", outside the private ranges`,
            "a network inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16",
        );
    }

    const natGateways = reader.oneOf("natGateways", raw.natGateways, ["single", "perAz"] as const);
    if (profile === "prod" && natGateways !== "perAz") {
        reader.fail(
            "natGateways",
            `is "${natGateways}"; one NAT gateway makes one AZ's loss take egress from all nodes`,
            `"perAz" in prod`,
        );
    }
    return Object.freeze({ cidrBlock: vpcCidr, availabilityZoneCount, natGateways, clusterName: stack.clusterName });
}
