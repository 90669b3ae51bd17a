// A VPC from plain aws.ec2 resources: the control plane can start as soon as the subnets exist,
// while NAT gateways (needed by nodes, not by the control plane) come up in parallel.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { formatCidr, parseCidr } from "../lib/cidr";

export interface SubnetPlan {
    readonly privateCidrs: string[];
    readonly publicCidrs: string[];
}

/**
 * Carves the VPC: large private subnets (the VPC CNI gives every pod a VPC address), small public
 * ones (only load balancers and NAT gateways live there). For a /16: private /19s, public /22s.
 */
export function planSubnets(vpcCidr: string, azCount: number): SubnetPlan {
    const vpc = parseCidr(vpcCidr);
    if (!vpc) throw new Error(`planSubnets: "${vpcCidr}" is not a CIDR`);
    const privatePrefix = vpc.prefix + 3;
    const publicPrefix = vpc.prefix + 6;
    const privateSize = 2 ** (32 - privatePrefix);
    const publicSize = 2 ** (32 - publicPrefix);
    // Up to 6 private blocks fill 6/8 of the VPC; public blocks start in the 7th eighth.
    if (azCount > 6) throw new Error(`planSubnets: at most 6 AZs fit, got ${azCount}`);
    const publicBase = vpc.address + 6 * privateSize;
    return {
        privateCidrs: Array.from({ length: azCount }, (_, i) =>
            formatCidr(vpc.address + i * privateSize, privatePrefix),
        ),
        publicCidrs: Array.from({ length: azCount }, (_, i) => formatCidr(publicBase + i * publicSize, publicPrefix)),
    };
}

/** Tags the AWS Load Balancer Controller uses to discover subnets. */
export function subnetTags(tier: "public" | "private", clusterName: string, name: string): Record<string, string> {
    return {
        Name: name,
        tier,
        [`kubernetes.io/cluster/${clusterName}`]: "shared",
        [tier === "public" ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb"]: "1",
    };
}

/** What config decides about the network (config/network.ts produces it). */
export interface NetworkSettings {
    /** The VPC's network: private (RFC 1918), a /16 to /20. */
    readonly cidrBlock: string;
    /** AZs the subnets, NAT gateways and nodes spread over: 2 to 6 (prod: at least 3). */
    readonly availabilityZoneCount: number;
    /** One NAT gateway for the VPC, or one per AZ (prod) so one AZ's loss leaves the others' egress. */
    readonly natGateways: "single" | "perAz";
    /** Used for the load-balancer discovery tag. */
    readonly clusterName: string;
}

export interface NetworkArgs extends NetworkSettings {
    /** The zones to use, one per subnet pair: looked up and checked before any resource (config/facts.ts). */
    readonly availabilityZones: readonly string[];
}

export class Network extends pulumi.ComponentResource {
    readonly vpc: aws.ec2.Vpc;
    readonly vpcId: pulumi.Output<string>;
    readonly vpcCidr: pulumi.Output<string>;
    readonly publicSubnetIds: pulumi.Output<string>[];
    /** The public subnets' networks, known before anything exists: an internet-facing NLB's addresses come from them. */
    readonly publicCidrs: readonly string[];
    readonly privateSubnetIds: pulumi.Output<string>[];
    /** The private subnets' default routes: nodes that start before these exist never join. */
    readonly privateEgressRoutes: aws.ec2.Route[];

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("scalable-backend:network:Network", name, {}, opts);
        const child = { parent: this };
        if (args.availabilityZones.length !== args.availabilityZoneCount)
            throw new Error(
                `Network: ${args.availabilityZones.length} zones given for availabilityZoneCount ${args.availabilityZoneCount}`,
            );
        const plan = planSubnets(args.cidrBlock, args.availabilityZoneCount);

        this.vpc = new aws.ec2.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: args.cidrBlock,
                enableDnsHostnames: true,
                enableDnsSupport: true,
                tags: { Name: `${name}-vpc` },
            },
            child,
        );
        // The default security group allows all traffic between its members: strip it of rules.
        new aws.ec2.DefaultSecurityGroup(
            `${name}-default-sg`,
            { vpcId: this.vpc.id, tags: { Name: `${name}-default-deny` } },
            child,
        );
        const internetGateway = new aws.ec2.InternetGateway(
            `${name}-igw`,
            { vpcId: this.vpc.id, tags: { Name: `${name}-igw` } },
            child,
        );

        const publicRouteTable = new aws.ec2.RouteTable(
            `${name}-public-rt`,
            { vpcId: this.vpc.id, tags: { Name: `${name}-public` } },
            child,
        );
        new aws.ec2.Route(
            `${name}-public-default`,
            { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: internetGateway.id },
            child,
        );

        const natCount = args.natGateways === "perAz" ? args.availabilityZoneCount : 1;
        const publicSubnets: aws.ec2.Subnet[] = [];
        const natGateways: aws.ec2.NatGateway[] = [];
        this.privateEgressRoutes = [];
        const privateSubnets: aws.ec2.Subnet[] = [];

        for (let i = 0; i < args.availabilityZoneCount; i++) {
            const availabilityZone = args.availabilityZones[i];
            const az = String.fromCharCode(97 + i);
            const publicSubnet = new aws.ec2.Subnet(
                `${name}-public-${az}`,
                {
                    vpcId: this.vpc.id,
                    cidrBlock: plan.publicCidrs[i],
                    availabilityZone,
                    // Load balancers get their own addresses; nothing here needs an automatic public IP.
                    mapPublicIpOnLaunch: false,
                    tags: subnetTags("public", args.clusterName, `${name}-public-${az}`),
                },
                child,
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-public-${az}`,
                { subnetId: publicSubnet.id, routeTableId: publicRouteTable.id },
                child,
            );
            publicSubnets.push(publicSubnet);

            if (i < natCount) {
                const eip = new aws.ec2.Eip(
                    `${name}-nat-${az}`,
                    { domain: "vpc", tags: { Name: `${name}-nat-${az}` } },
                    child,
                );
                natGateways.push(
                    new aws.ec2.NatGateway(
                        `${name}-nat-${az}`,
                        {
                            allocationId: eip.id,
                            subnetId: publicSubnet.id,
                            connectivityType: "public",
                            tags: { Name: `${name}-nat-${az}` },
                        },
                        { parent: this, dependsOn: [internetGateway] },
                    ),
                );
            }

            const privateSubnet = new aws.ec2.Subnet(
                `${name}-private-${az}`,
                {
                    vpcId: this.vpc.id,
                    cidrBlock: plan.privateCidrs[i],
                    availabilityZone,
                    mapPublicIpOnLaunch: false,
                    tags: subnetTags("private", args.clusterName, `${name}-private-${az}`),
                },
                child,
            );
            const privateRouteTable = new aws.ec2.RouteTable(
                `${name}-private-${az}`,
                { vpcId: this.vpc.id, tags: { Name: `${name}-private-${az}` } },
                child,
            );
            new aws.ec2.RouteTableAssociation(
                `${name}-private-${az}`,
                { subnetId: privateSubnet.id, routeTableId: privateRouteTable.id },
                child,
            );
            this.privateEgressRoutes.push(
                new aws.ec2.Route(
                    `${name}-private-${az}-default`,
                    // perAz: each AZ egresses through its own NAT, so one AZ's loss leaves the others online.
                    {
                        routeTableId: privateRouteTable.id,
                        destinationCidrBlock: "0.0.0.0/0",
                        natGatewayId: natGateways[Math.min(i, natCount - 1)].id,
                    },
                    child,
                ),
            );
            privateSubnets.push(privateSubnet);
        }

        this.vpcId = this.vpc.id;
        this.vpcCidr = this.vpc.cidrBlock;
        this.publicSubnetIds = publicSubnets.map((s) => s.id);
        this.publicCidrs = Object.freeze([...plan.publicCidrs]);
        this.privateSubnetIds = privateSubnets.map((s) => s.id);
        this.registerOutputs({
            vpcId: this.vpcId,
            vpcCidr: this.vpcCidr,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
        });
    }
}
