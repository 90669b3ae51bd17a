// config/cluster.ts: Kubernetes version, API endpoint access, admins, control-plane logs, node
// groups and EKS add-on pins.
import { CLUSTER_LOG_TYPES, INSTANCE_FAMILIES, LOG_RETENTION_DAYS, SUPPORTED_KUBERNETES_VERSIONS } from "../config";
import { EXPECTED_DEV } from "./config-expected";
import type { StackConfig } from "../config";
import { accepts, both, drop, Rejection, rejects, rename, set } from "./config-helpers";

describe("config: Kubernetes version", () => {
    rejects([
        {
            title: '"1.3" (an unquoted 1.30 read by YAML as a number)',
            edit: set("kubernetesVersion", "1.3"),
            key: "kubernetesVersion",
            says: ['is "1.3", not of the form 1.NN'],
            expects: ["a quoted string such as", "(unquoted, YAML reads 1.30 as the number 1.3)"],
        },
        {
            title: 'an unsupported "1.29"',
            edit: set("kubernetesVersion", "1.29"),
            key: "kubernetesVersion",
            says: ['is "1.29", which this program does not support'],
            expects: [`one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`, "one of 1.34, 1.35, 1.36"],
        },
        {
            title: '"v1.35"',
            edit: set("kubernetesVersion", "v1.35"),
            key: "kubernetesVersion",
            says: ['is "v1.35", not of the form 1.NN'],
            expects: ["a quoted string such as"],
        },
    ]);
});

describe("config: API endpoint", () => {
    const publicProd = set("endpointPublicAccess", "true");
    rejects([
        {
            title: "a public endpoint with no CIDRs",
            stack: "prod",
            edit: both(publicProd, set("publicAccessCidrs", [])),
            key: "publicAccessCidrs",
            says: ["is empty while the prod API endpoint is public, which opens it to the whole internet"],
            expects: ["your office/VPN/CI egress CIDRs, or endpointPublicAccess: false"],
        },
        {
            title: "a public endpoint open to 0.0.0.0/0",
            stack: "prod",
            edit: both(publicProd, set("publicAccessCidrs", ["0.0.0.0/0"])),
            key: "publicAccessCidrs",
            says: ["contains 0.0.0.0/0 in prod"],
            expects: ['specific CIDRs such as "203.0.113.0/24", or endpointPublicAccess: false'],
        },
        {
            title: "a public endpoint with 0.0.0.0/0 among specific CIDRs",
            stack: "prod",
            edit: both(publicProd, set("publicAccessCidrs", ["203.0.113.0/24", "0.0.0.0/0"])),
            key: "publicAccessCidrs",
            says: ["contains 0.0.0.0/0 in prod"],
            expects: ["or endpointPublicAccess: false"],
        },
        {
            title: "0.0.0.0/0 split into two halves",
            stack: "prod",
            edit: both(publicProd, set("publicAccessCidrs", ["0.0.0.0/1", "128.0.0.0/1"])),
            key: "publicAccessCidrs",
            says: ['contains "0.0.0.0/1", which opens the prod endpoint to a large part of the internet'],
            expects: ["CIDRs of /8 or narrower, or endpointPublicAccess: false"],
        },
        {
            title: "publicAccessCidrs set while endpointPublicAccess is false",
            edit: both(set("endpointPublicAccess", "false"), set("publicAccessCidrs", ["203.0.113.0/24"])),
            key: "publicAccessCidrs",
            says: ["is set but endpointPublicAccess is false"],
            expects: ["an empty list, or endpointPublicAccess: true"],
        },
        {
            title: "publicAccessCidrs set while the endpoint is private",
            stack: "prod",
            edit: both(set("endpointPublicAccess", "false"), set("apiAccess", { via: "inVpcRunner" })),
            key: "publicAccessCidrs",
            says: ["is set but endpointPublicAccess is false"],
            expects: ["an empty list, or endpointPublicAccess: true"],
        },
        ...(["dev", "prod"] as const).flatMap((stack) =>
            [["10.0.0.0/8"], ["172.16.8.0/22"], ["198.51.100.0/24", "192.168.1.0/24"]].map((cidrs) => ({
                title: `a private range among publicAccessCidrs ${JSON.stringify(cidrs)}`,
                stack,
                edit: set("publicAccessCidrs", cidrs),
                key: "publicAccessCidrs",
                says: [
                    `contains "${cidrs.at(-1)}", a private range: traffic to the public endpoint never comes from one`,
                ],
                expects: ["the public egress CIDRs of your office, VPN or CI runner"],
            })),
        ),
        {
            title: "a public access CIDR listed twice",
            stack: "prod",
            edit: set("publicAccessCidrs", ["198.51.100.0/24", "203.0.113.0/24", "198.51.100.0/24"]),
            key: "publicAccessCidrs",
            says: ['lists "198.51.100.0/24" twice'],
            expects: ["each CIDR once"],
        },
        {
            title: "a private-endpoint network listed twice",
            edit: set("privateEndpointAccessCidrs", ["172.16.8.0/22", "172.16.8.0/22"]),
            key: "privateEndpointAccessCidrs",
            says: ['lists "172.16.8.0/22" twice'],
            expects: ["each CIDR once"],
        },
        ...[
            ["dev", "10.10.0.0/16"],
            ["dev", "10.10.64.0/19"],
            ["prod", "10.20.0.0/16"],
            ["prod", "10.20.255.0/24"],
        ].map(([stack, cidr]) => ({
            title: `a private-endpoint network ${cidr} equal to or inside the VPC (${stack})`,
            stack: stack as "dev" | "prod",
            edit: set("privateEndpointAccessCidrs", ["172.16.8.0/22", cidr]),
            key: "privateEndpointAccessCidrs",
            says: [`contains "${cidr}", inside the VPC's own ${stack === "dev" ? "10.10.0.0/16" : "10.20.0.0/16"}`],
            expects: ["only networks outside the VPC"],
        })),
        ...(["dev", "prod"] as const).map((stack) => ({
            title: `a private-only endpoint without apiAccess, whatever privateEndpointAccessCidrs holds (${stack})`,
            stack,
            edit: both(
                set("endpointPublicAccess", "false"),
                set("publicAccessCidrs", []),
                set("privateEndpointAccessCidrs", ["172.16.8.0/22"]),
            ),
            key: "apiAccess",
            says: [
                "is missing while endpointPublicAccess is false: this program builds the VPC",
                "no machine outside it can reach a private-only API, whatever privateEndpointAccessCidrs holds",
            ],
            expects: [
                "endpointPublicAccess: true with publicAccessCidrs holding the deploy runner's egress CIDRs for the first pulumi up",
                'apiAccess: { via: "inVpcRunner" }',
                '"Private API endpoint"',
            ],
        })),
        {
            title: "apiAccess with a public endpoint",
            stack: "prod",
            edit: set("apiAccess", { via: "inVpcRunner" }),
            key: "apiAccess",
            says: ["is set but endpointPublicAccess is true"],
            expects: ["apiAccess only with a private-only endpoint"],
        },
        {
            title: "apiAccess by an unknown way",
            stack: "prod",
            edit: both(
                set("endpointPublicAccess", "false"),
                set("publicAccessCidrs", []),
                set("apiAccess", { via: "vpn" }),
            ),
            key: "apiAccess.via",
            says: ['is "vpn"'],
            expects: ['one of "inVpcRunner", "connectedNetwork"'],
        },
        {
            title: "apiAccess with an unknown key",
            stack: "prod",
            edit: both(
                set("endpointPublicAccess", "false"),
                set("publicAccessCidrs", []),
                set("apiAccess", { via: "inVpcRunner", runner: "x" }),
            ),
            key: "apiAccess.runner",
            says: ["is not a known key"],
            expects: ["only via"],
        },
        {
            title: "a connected network with no privateEndpointAccessCidrs",
            stack: "prod",
            edit: both(
                set("endpointPublicAccess", "false"),
                set("publicAccessCidrs", []),
                set("apiAccess", { via: "connectedNetwork" }),
            ),
            key: "privateEndpointAccessCidrs",
            says: ['is empty while apiAccess.via is "connectedNetwork"'],
            expects: ["the CIDRs of the VPN clients or peered networks"],
        },
        {
            title: "a public access CIDR with host bits set",
            edit: set("publicAccessCidrs", ["203.0.113.7/24"]),
            key: "publicAccessCidrs",
            says: ['is "203.0.113.7/24", not a valid network CIDR'],
            expects: ['an IPv4 network such as "203.0.113.0/24" (host bits zero)'],
        },
        {
            title: "publicAccessCidrs as a string",
            edit: set("publicAccessCidrs", "203.0.113.0/24"),
            key: "publicAccessCidrs",
            says: ["is not a list of strings"],
            expects: ["a YAML list of strings"],
        },
        ...["yes", "1", "True", "no", "0"].map((value) => ({
            title: `endpointPublicAccess ${JSON.stringify(value)}`,
            edit: set("endpointPublicAccess", value),
            key: "endpointPublicAccess",
            says: [`is ${JSON.stringify(value)}, not a boolean`],
            expects: ['true or false (not "yes", "no", "1" or "0")'],
        })),
        {
            title: "a public private-endpoint network",
            stack: "prod",
            edit: set("privateEndpointAccessCidrs", ["203.0.113.0/24"]),
            key: "privateEndpointAccessCidrs",
            says: ["contains a network outside the private ranges"],
            expects: ["private networks (VPN, peered VPCs)"],
        },
        {
            title: "a malformed private-endpoint network",
            edit: set("privateEndpointAccessCidrs", ["10.0.0.1/16"]),
            key: "privateEndpointAccessCidrs",
            says: ["not a valid network CIDR"],
            expects: ["IPv4 network"],
        },
    ]);

    accepts([
        ...(["inVpcRunner", "connectedNetwork"] as const).map((via) => ({
            title: `a private-only prod endpoint reached ${via === "inVpcRunner" ? "from inside the VPC" : "over a connected network"}`,
            stack: "prod" as const,
            edit: both(
                set("endpointPublicAccess", "false"),
                set("publicAccessCidrs", []),
                set("privateEndpointAccessCidrs", ["172.16.8.0/22"]),
                set("apiAccess", { via }),
            ),
            read: (c: StackConfig) => [c.cluster.endpointPublicAccess, c.cluster.privateEndpointAccessCidrs],
            expected: [false, ["172.16.8.0/22"]],
        })),
        {
            title: "a public prod endpoint limited to specific CIDRs",
            stack: "prod",
            edit: both(publicProd, set("publicAccessCidrs", ["203.0.113.0/24", "198.51.100.0/24"])),
            read: (c) => [c.cluster.endpointPublicAccess, c.cluster.publicAccessCidrs],
            expected: [true, ["203.0.113.0/24", "198.51.100.0/24"]],
        },
        {
            title: "private networks for the private endpoint",
            stack: "prod",
            edit: set("privateEndpointAccessCidrs", ["172.16.8.0/22", "192.168.0.0/24"]),
            read: (c) => c.cluster.privateEndpointAccessCidrs,
            expected: ["172.16.8.0/22", "192.168.0.0/24"],
        },
    ]);
});

describe("config: admin principals", () => {
    const ROLE = "arn:aws:iam::123456789012:role/platform-admins";
    const assumed = "arn:aws:sts::123456789012:assumed-role/platform-admins/alice";
    rejects([
        {
            title: "an admin principal that is not an ARN",
            edit: set("adminPrincipalArns", [ROLE, "platform-admins"]),
            key: "adminPrincipalArns",
            says: ['has "platform-admins", not an IAM role or user ARN'],
            expects: ['ARNs like "arn:aws:iam::123456789012:role/platform-admins"'],
        },
        {
            title: "an STS assumed-role ARN",
            edit: set("adminPrincipalArns", [assumed]),
            key: "adminPrincipalArns",
            says: [`has "${assumed}", not an IAM role or user ARN`],
            expects: ["ARNs like"],
        },
        {
            title: "an admin principal listed twice",
            edit: set("adminPrincipalArns", [ROLE, ROLE]),
            key: "adminPrincipalArns",
            says: ["lists a principal twice"],
            expects: ["each ARN once"],
        },
    ]);
    const arns = [
        ROLE,
        "arn:aws:iam::123456789012:user/ops/alice",
        "arn:aws-us-gov:iam::123456789012:role/admins/platform",
    ];
    accepts([
        {
            title: "role and user ARNs, with paths and in other partitions",
            stack: "prod",
            edit: set("adminPrincipalArns", arns),
            read: (c) => c.cluster.adminPrincipalArns,
            expected: arns,
        },
    ]);
});

describe("config: viewer principals", () => {
    const ADMIN = "arn:aws:iam::123456789012:role/platform-admins";
    const PREVIEW = "arn:aws:iam::123456789012:role/dev-preview";
    const assumed = "arn:aws:sts::123456789012:assumed-role/dev-preview/ci";
    const like = ['ARNs like "arn:aws:iam::123456789012:role/dev-preview"'];
    rejects([
        {
            title: "a viewer principal that is not an ARN",
            edit: set("viewerPrincipalArns", [PREVIEW, "dev-preview"]),
            key: "viewerPrincipalArns",
            says: ['has "dev-preview", not an IAM role or user ARN'],
            expects: like,
        },
        {
            title: "an STS assumed-role ARN as a viewer",
            stack: "prod",
            edit: set("viewerPrincipalArns", [assumed]),
            key: "viewerPrincipalArns",
            says: [`has "${assumed}", not an IAM role or user ARN`],
            expects: like,
        },
        {
            title: "a group ARN as a viewer",
            edit: set("viewerPrincipalArns", ["arn:aws:iam::123456789012:group/readers"]),
            key: "viewerPrincipalArns",
            says: ['has "arn:aws:iam::123456789012:group/readers", not an IAM role or user ARN'],
            expects: like,
        },
        {
            title: "a viewer principal listed twice",
            edit: set("viewerPrincipalArns", [PREVIEW, PREVIEW]),
            key: "viewerPrincipalArns",
            says: ["lists a principal twice"],
            expects: ["each ARN once"],
        },
        {
            title: "viewerPrincipalArns as a string",
            edit: set("viewerPrincipalArns", PREVIEW),
            key: "viewerPrincipalArns",
            says: ["is not a list of strings"],
            expects: ["a YAML list of strings"],
        },
        ...(["dev", "prod"] as const).map((stack) => ({
            title: "a principal that is both admin and viewer",
            stack,
            edit: both(
                set("adminPrincipalArns", ["arn:aws:iam::123456789012:user/alice", ADMIN]),
                set("viewerPrincipalArns", [PREVIEW, ADMIN]),
            ),
            key: "viewerPrincipalArns",
            says: [
                `lists "${ADMIN}", which adminPrincipalArns lists too`,
                "EKS takes one access entry per principal, so the second would fail with ResourceInUseException",
            ],
            expects: [
                "each principal in one list: adminPrincipalArns for cluster admin (which can view too), viewerPrincipalArns for read-only access without Secrets, auditorPrincipalArns for read access to everything, Secrets included (a refresh)",
            ],
        })),
    ]);
    const DRIFT = "arn:aws:iam::123456789012:role/drift";
    const overlap = (first: string, second: string, arn: string, edit: ReturnType<typeof set>) => ({
        title: `a principal in both ${first} and ${second}`,
        edit,
        key: second,
        says: [
            `lists "${arn}", which ${first} lists too`,
            "EKS takes one access entry per principal, so the second would fail with ResourceInUseException",
        ],
        expects: ["each principal in one list: adminPrincipalArns for cluster admin"],
    });
    rejects([
        {
            title: "an auditor principal that is not an ARN",
            edit: set("auditorPrincipalArns", ["drift"]),
            key: "auditorPrincipalArns",
            says: ['has "drift", not an IAM role or user ARN'],
            expects: ['ARNs like "arn:aws:iam::123456789012:role/drift"'],
        },
        {
            title: "an auditor listed twice",
            edit: set("auditorPrincipalArns", [DRIFT, DRIFT]),
            key: "auditorPrincipalArns",
            says: ["lists a principal twice"],
            expects: ["each ARN once"],
        },
        overlap(
            "adminPrincipalArns",
            "auditorPrincipalArns",
            ADMIN,
            both(set("adminPrincipalArns", [ADMIN]), set("auditorPrincipalArns", [DRIFT, ADMIN])),
        ),
        overlap(
            "viewerPrincipalArns",
            "auditorPrincipalArns",
            DRIFT,
            both(set("viewerPrincipalArns", [PREVIEW, DRIFT]), set("auditorPrincipalArns", [DRIFT])),
        ),
    ]);
    const arns = [PREVIEW, "arn:aws:iam::123456789012:user/ops/auditor", "arn:aws-us-gov:iam::123456789012:role/a/b"];
    accepts([
        {
            title: "auditors beside viewers and admins, and none when the key is absent",
            stack: "prod",
            edit: both(set("viewerPrincipalArns", [PREVIEW]), set("auditorPrincipalArns", [DRIFT])),
            read: (c) => [c.cluster.viewerPrincipalArns, c.cluster.auditorPrincipalArns],
            expected: [[PREVIEW], [DRIFT]],
        },
        {
            title: "a stack file without auditorPrincipalArns as no auditors",
            read: (c) => c.cluster.auditorPrincipalArns,
            edit: drop("auditorPrincipalArns"),
            expected: [],
        },
        {
            title: "a stack file without viewerPrincipalArns (neither sets it) as no viewers",
            read: (c) => c.cluster.viewerPrincipalArns,
            edit: drop("viewerPrincipalArns"),
            expected: [],
        },
        {
            title: "role and user ARNs as viewers, with paths and in other partitions, beside different admins",
            stack: "prod",
            edit: both(set("adminPrincipalArns", [ADMIN]), set("viewerPrincipalArns", arns)),
            read: (c) => [c.cluster.adminPrincipalArns, c.cluster.viewerPrincipalArns],
            expected: [[ADMIN], arns],
        },
        {
            title: "an empty list of viewers",
            edit: set("viewerPrincipalArns", []),
            read: (c) => c.cluster.viewerPrincipalArns,
            expected: [],
        },
    ]);
});

describe("config: control-plane logs", () => {
    rejects([
        {
            title: 'an unknown log type "audits" with a suggestion',
            edit: set("clusterLogTypes", ["api", "audits"]),
            key: "clusterLogTypes",
            says: ['has unknown log type "audits" (did you mean "audit"?)'],
            expects: [`a subset of ${CLUSTER_LOG_TYPES.join(", ")}`],
        },
        {
            title: 'log types without "scheduler"',
            stack: "prod",
            edit: set("clusterLogTypes", ["api", "audit", "authenticator", "controllerManager"]),
            key: "clusterLogTypes",
            says: ["misses scheduler in prod"],
            expects: ["all five: api, audit, authenticator, controllerManager, scheduler"],
        },
        {
            title: "no log types",
            stack: "prod",
            edit: set("clusterLogTypes", []),
            key: "clusterLogTypes",
            says: ["misses api, audit, authenticator, controllerManager, scheduler in prod"],
            expects: ["all five"],
        },
        {
            // Five entries, one a duplicate: the count matches but "scheduler" is still missing.
            title: 'five log types with "api" twice and no "scheduler"',
            stack: "prod",
            edit: set("clusterLogTypes", ["api", "api", "audit", "authenticator", "controllerManager"]),
            key: "clusterLogTypes",
            says: ["lists a log type twice"],
            expects: ["each log type once"],
        },
        {
            title: "all five log types plus a duplicate",
            stack: "prod",
            edit: set("clusterLogTypes", [...CLUSTER_LOG_TYPES, "audit"]),
            key: "clusterLogTypes",
            says: ["lists a log type twice"],
            expects: ["each log type once"],
        },
        {
            title: "log types given as a string",
            edit: set("clusterLogTypes", "api"),
            key: "clusterLogTypes",
            says: ["is not a list of strings"],
            expects: ["a YAML list of strings"],
        },
        {
            title: 'a retention of "10" days',
            edit: set("logRetentionDays", "10"),
            key: "logRetentionDays",
            says: ["is 10, which CloudWatch does not accept"],
            expects: [`one of ${LOG_RETENTION_DAYS.join(", ")}`],
        },
        {
            title: 'a retention of "0" days',
            edit: set("logRetentionDays", "0"),
            key: "logRetentionDays",
            says: ["is 0, out of range"],
            expects: ["an integer from 1 to 3653"],
        },
    ]);
});

describe("config: node groups", () => {
    const general = "nodeGroups.general";
    const typeCase = (types: unknown[], says: string, expects: string): Rejection => ({
        title: `instanceTypes ${JSON.stringify(types)}`,
        edit: set(`${general}.instanceTypes`, types),
        key: `${general}.instanceTypes`,
        says: [says],
        expects: [expects],
    });
    const families = `a family from ${INSTANCE_FAMILIES.join(", ")}`;
    const range = (min: number, max: number) => [`an integer from ${min} to ${max}`];
    const order = ["minSize <= desiredSize <= maxSize"];
    rejects([
        typeCase(["t3large"], 'has "t3large", not a family.size instance type', 'names like "m6i.large"'),
        typeCase(["T3.large"], 'has "T3.large", not a family.size instance type', 'names like "m6i.large"'),
        typeCase(["p4d.24xlarge"], 'has "p4d.24xlarge" from family "p4d", which is not allowed', families),
        typeCase(["m7g.large"], 'has "m7g.large" from family "m7g", which is not allowed', families),
        typeCase(["x1e.large"], 'has "x1e.large" from family "x1e"', "a family from"),
        typeCase(
            ["m5.large", "m5.xlarge"],
            "mixes sizes (large, xlarge)",
            'instance types of one size, e.g. ["m6i.large", "m5.large"]',
        ),
        typeCase(
            ["c5.large", "r5.large"],
            "mixes instance classes (c5.large, r5.large)",
            'types of one class and size, e.g. ["m6i.large", "m5.large", "t3.large"]',
        ),
        typeCase(["m5.large", "c6i.large"], "mixes instance classes", "types of one class and size"),
        typeCase([], "is empty", 'at least one instance type, e.g. ["t3.large"]'),
        typeCase(["m5.large", "m6i.large", "m5.large"], 'lists "m5.large" twice', "each instance type once"),
        typeCase(["m5.large", 5], "is not a list of strings", "a YAML list of strings"),
        {
            title: 'capacityType "spot"',
            edit: set(`${general}.capacityType`, "spot"),
            key: `${general}.capacityType`,
            says: ['is "spot"'],
            expects: ['one of "ON_DEMAND", "SPOT"'],
        },
        {
            title: "spot nodes",
            stack: "prod",
            edit: set(`${general}.capacityType`, "SPOT"),
            key: `${general}.capacityType`,
            says: ["is SPOT in prod"],
            expects: ['"ON_DEMAND" in prod'],
        },
        {
            title: 'a non-integer minSize "2.5"',
            edit: set(`${general}.minSize`, "2.5"),
            key: `${general}.minSize`,
            says: ['is "2.5", not a whole number'],
            expects: range(0, 100),
        },
        {
            title: 'a non-integer maxSize "two"',
            edit: set(`${general}.maxSize`, "two"),
            key: `${general}.maxSize`,
            says: ['is "two", not a whole number'],
            expects: range(1, 100),
        },
        {
            title: "a non-integer desiredSize 2.5",
            edit: set(`${general}.desiredSize`, 2.5),
            key: `${general}.desiredSize`,
            says: ["is 2.5, not a whole number"],
            expects: range(0, 100),
        },
        {
            title: "desiredSize above maxSize",
            edit: set(`${general}.desiredSize`, 5),
            key: general,
            says: ["has minSize 1, desiredSize 5, maxSize 4"],
            expects: order,
        },
        {
            title: "minSize above desiredSize",
            edit: set(`${general}.minSize`, 3),
            key: general,
            says: ["has minSize 3, desiredSize 2, maxSize 4"],
            expects: order,
        },
        {
            title: "minSize above maxSize with desiredSize left out",
            edit: both(set(`${general}.minSize`, 5), drop(`${general}.desiredSize`)),
            key: general,
            says: ["has minSize 5, desiredSize 5, maxSize 4"],
            expects: order,
        },
        {
            title: "minSize 1",
            stack: "prod",
            edit: set(`${general}.minSize`, 1),
            key: `${general}.minSize`,
            says: ["is 1; prod needs at least 2 nodes so one node's loss is survivable"],
            expects: ["minSize >= 2 in prod"],
        },
        {
            title: "minSize 101",
            edit: both(
                set(`${general}.minSize`, 101),
                set(`${general}.desiredSize`, 101),
                set(`${general}.maxSize`, 101),
            ),
            key: `${general}.minSize`,
            says: ["is 101, out of range"],
            expects: range(0, 100),
        },
        {
            title: "maxSize 101",
            edit: set(`${general}.maxSize`, 101),
            key: `${general}.maxSize`,
            says: ["is 101, out of range"],
            expects: range(1, 100),
        },
        {
            title: "a 10 GiB disk",
            edit: set(`${general}.diskSizeGiB`, 10),
            key: `${general}.diskSizeGiB`,
            says: ["is 10, out of range"],
            expects: range(20, 1000),
        },
        {
            title: 'a misspelt key inside nodeGroups.general ("maxSzie")',
            edit: rename(`${general}.maxSize`, "maxSzie"),
            key: `${general}.maxSzie`,
            says: ['is not a known key (did you mean "maxSize"?)'],
            expects: ["only instanceTypes, capacityType, minSize, desiredSize, maxSize, diskSizeGiB"],
        },
        {
            title: "nodeGroups as a string",
            edit: set("nodeGroups", "general"),
            key: "nodeGroups",
            says: ["is not an object"],
            expects: ["a YAML mapping (see Pulumi.dev.yaml)"],
        },
        {
            title: "nodeGroups as a list",
            edit: set("nodeGroups", [{ instanceTypes: ["m5.large"], minSize: 1, maxSize: 2 }]),
            key: "nodeGroups",
            says: ["is not an object"],
            expects: ["a YAML mapping"],
        },
        {
            title: "nodeGroups {}",
            edit: set("nodeGroups", {}),
            key: "nodeGroups",
            says: ["is empty"],
            expects: ["at least one node group"],
        },
        {
            title: "a node group that is a string",
            edit: set(general, "m5.large"),
            key: general,
            says: ["is not an object"],
            expects: ["a YAML mapping"],
        },
        {
            title: "a node group with an invalid name",
            edit: rename(general, "General"),
            key: "nodeGroups.General",
            says: ["has an invalid name"],
            expects: ["lowercase letters, digits and dashes, at most 20 characters"],
        },
    ]);

    accepts([
        {
            title: "a node group without capacityType, desiredSize and diskSizeGiB: ON_DEMAND, minSize, 50 GiB",
            edit: drop(`${general}.capacityType`, `${general}.desiredSize`, `${general}.diskSizeGiB`),
            read: (c) => c.cluster.nodeGroups.general,
            expected: {
                ...EXPECTED_DEV.cluster.nodeGroups.general,
                capacityType: "ON_DEMAND",
                desiredSize: 1,
                diskSizeGiB: 50,
            },
        },
        {
            title: "a second node group, parsed like the first",
            edit: set("nodeGroups.memory", { instanceTypes: ["r6i.xlarge", "r5.xlarge"], minSize: 0, maxSize: 3 }),
            read: (c) => c.cluster.nodeGroups,
            expected: {
                general: EXPECTED_DEV.cluster.nodeGroups.general,
                memory: {
                    instanceTypes: ["r6i.xlarge", "r5.xlarge"],
                    capacityType: "ON_DEMAND",
                    minSize: 0,
                    desiredSize: 0,
                    maxSize: 3,
                    diskSizeGiB: 50,
                },
            },
        },
    ]);
});

describe("config: EKS add-on versions", () => {
    const only = ["only vpcCni, kubeProxy, coredns, ebsCsiDriver, metricsServer"];
    const exact = ['an exact version such as "v1.19.2-eksbuild.1"'];
    rejects([
        {
            title: "a kube-proxy add-on built for Kubernetes 1.34",
            edit: set("addonVersions.kubeProxy", "v1.34.1-eksbuild.2"),
            key: "addonVersions.kubeProxy",
            says: ['is "v1.34.1-eksbuild.2", built for Kubernetes 1.34'],
            expects: ['a kube-proxy version for Kubernetes 1.35 ("v1.35.x-eksbuild.N")'],
        },
        {
            title: "a Kubernetes version bump without a matching kube-proxy",
            edit: set("kubernetesVersion", "1.36"),
            key: "addonVersions.kubeProxy",
            says: ['is "v1.35.3-eksbuild.13", built for Kubernetes 1.35'],
            expects: ['a kube-proxy version for Kubernetes 1.36 ("v1.36.x-eksbuild.N")'],
        },
        {
            title: 'add-on version "latest"',
            edit: set("addonVersions.coredns", "latest"),
            key: "addonVersions.coredns",
            says: ['is "latest", not a pinned EKS add-on version'],
            expects: exact,
        },
        {
            title: "an add-on version without its eksbuild suffix",
            edit: set("addonVersions.vpcCni", "v1.23.1"),
            key: "addonVersions.vpcCni",
            says: ['is "v1.23.1", not a pinned EKS add-on version'],
            expects: exact,
        },
        {
            title: "a missing add-on version",
            edit: drop("addonVersions.metricsServer"),
            key: "addonVersions.metricsServer",
            says: ["is missing or empty"],
            expects: ["a non-empty string"],
        },
        {
            title: 'a misspelt key inside addonVersions ("kubeProxi")',
            edit: rename("addonVersions.kubeProxy", "kubeProxi"),
            key: "addonVersions.kubeProxi",
            says: ['is not a known key (did you mean "kubeProxy"?)'],
            expects: only,
        },
        {
            title: "an extra add-on in addonVersions",
            edit: set("addonVersions.podIdentityAgent", "v1.3.4-eksbuild.1"),
            key: "addonVersions.podIdentityAgent",
            says: ["is not a known key"],
            expects: only,
        },
        {
            title: "addonVersions null",
            edit: set("addonVersions", null),
            key: "addonVersions",
            says: ["is not an object"],
            expects: ["a YAML mapping"],
        },
    ]);
});
