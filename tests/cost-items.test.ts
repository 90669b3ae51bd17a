// The estimate item by item, on hand-made records, against figures computed by hand from the
// eu-west-1 list prices (us-east-1 where said): 730 hours a month, monthly rounded to cents.
import * as assert from "node:assert/strict";
import { withOverrides } from "../cost/assumptions";
import { supportOf } from "../cost/control-plane";
import { scopeOf } from "../cost/model";
import { DEFAULT_ASSUMPTIONS } from "../cost/assumptions";
import { billableValues, gibOf } from "../cost/volumes";
import { keptImages } from "../cost/images";
import { estimateOf, fedBy, resource, rows, TABLE, unknowns } from "./cost-helpers";

const EKS = "eks:index:Cluster";
const NODE_GROUP = "eks:index:ManagedNodeGroup";
const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";
const SERVICE = "kubernetes:core/v1:Service";
const SUBNET = "aws:ec2/subnet:Subnet";
const RELEASE = "kubernetes:helm.sh/v3:Release";
const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";

const cluster = (inputs: Record<string, any> = {}) =>
    resource(EKS, "eks", { name: "c", version: "1.35", upgradePolicy: { supportType: "STANDARD" }, ...inputs });

describe("cost: the EKS control plane", () => {
    const plane = (inputs: Record<string, any>, at?: string) => {
        const e = estimateOf([cluster(inputs)], { at });
        return { row: rows(e)[0], assumption: e.items[0]?.assumption, unknown: unknowns(e) };
    };

    it("is $0.10 an hour in standard support, and states the date EKS forces the upgrade with STANDARD", () => {
        const { row, assumption } = plane({});
        assert.deepEqual(row, ["eks", "EKS control plane (Kubernetes 1.35, standard support)", 0.1, 73, 73, 73]);
        assert.equal(
            assumption,
            "Kubernetes 1.35 is in standard support until 2027-03-27: with upgradePolicy.supportType STANDARD EKS will force an upgrade to the next minor on 2027-03-27, never billing extended support",
        );
    });

    it("is $0.60 an hour in total once an EXTENDED cluster's version leaves standard support, from that day", () => {
        const extended = { upgradePolicy: { supportType: "EXTENDED" } };
        assert.deepEqual(plane(extended, "2027-03-26").row.slice(2), [0.1, 73, 73, 73]);
        assert.match(plane(extended, "2027-03-26").assumption!, /then stays, in extended support .* until 2028-03-27/);
        const { row, assumption } = plane(extended, "2027-03-27");
        // 0.60 x 730 = 438.
        assert.deepEqual(row, ["eks", "EKS control plane (Kubernetes 1.35, extended support)", 0.6, 438, 438, 438]);
        assert.equal(
            assumption,
            "Kubernetes 1.35 is in extended support from 2027-03-27 until 2028-03-27 (upgradePolicy.supportType EXTENDED), when EKS upgrades it",
        );
    });

    it("takes EKS's own default, EXTENDED, when the cluster sets no upgrade policy", () => {
        assert.equal(plane({ upgradePolicy: undefined }, "2027-04-01").row[2], 0.6);
    });

    it("stays at standard with STANDARD past the date (EKS upgraded it), and for everyone past extended support", () => {
        const { row, assumption } = plane({}, "2027-04-01");
        assert.deepEqual(row.slice(2), [0.1, 73, 73, 73]);
        assert.match(
            assumption!,
            /left standard support on 2027-03-27: with .*STANDARD EKS upgraded the control plane/,
        );
        const late = plane({ upgradePolicy: { supportType: "EXTENDED" } }, "2028-03-27");
        assert.deepEqual(late.row.slice(2), [0.1, 73, 73, 73]);
        assert.match(late.assumption!, /extended support ended on 2028-03-27: EKS has upgraded/);
    });

    it("prices a version without dates at standard only with STANDARD, and leaves it unknown with EXTENDED", () => {
        assert.deepEqual(plane({ version: "1.40" }).row.slice(2), [0.1, 73, 73, 73]);
        assert.match(plane({ version: "1.40" }).assumption!, /no support dates for Kubernetes 1\.40: with .*STANDARD/);
        const extended = plane({ version: "1.40", upgradePolicy: { supportType: "EXTENDED" } });
        assert.equal(extended.row, undefined);
        assert.deepEqual(extended.unknown, [
            [
                "eks",
                "EKS control plane (Kubernetes 1.40)",
                "the price table has no support dates for Kubernetes 1.40, so standard and extended support (upgradePolicy.supportType EXTENDED) cannot be told apart",
            ],
        ]);
    });

    it("judges support at the table's date unless told: never the clock", () => {
        const scope = scopeOf([], TABLE, DEFAULT_ASSUMPTIONS, TABLE.date);
        // 1.34 leaves standard support the day after the table's date.
        assert.deepEqual(supportOf(scope, "1.34", "EXTENDED"), {
            extended: false,
            phase: "standard",
            assumption:
                "Kubernetes 1.34 is in standard support until 2026-12-02; with upgradePolicy.supportType EXTENDED it then stays, in extended support at the extended price, until 2027-12-02",
        });
        assert.throws(() => estimateOf([], { at: "2026-12-32" }), /--at "2026-12-32": expected a date, YYYY-MM-DD/);
    });
});

describe("cost: nodes, their root volumes and detailed monitoring", () => {
    const template = (ebs: Record<string, any> = { volumeSize: 30, volumeType: "gp3" }, monitoring = true) =>
        resource(LAUNCH_TEMPLATE, "lt", {
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs }],
            monitoring: { enabled: monitoring },
        });
    const group = (inputs: Record<string, any>, lt = template()) =>
        resource(
            NODE_GROUP,
            "ng",
            {
                instanceTypes: ["t3.large", "t3a.large"],
                capacityType: "SPOT",
                scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 4 },
                ...inputs,
            },
            fedBy("launchTemplate", lt),
        );

    it("prices SPOT nodes at min/desired/max at the first type less the assumed discount, on-demand alongside", () => {
        const lt = template();
        const e = estimateOf([lt, group({}, lt)]);
        // t3.large 0.0912 x 0.4 = 0.03648/h; x 730 = 26.6304 a node. On-demand: 66.576 a node.
        assert.deepEqual(rows(e), [
            ["ng", "nodes: t3.large SPOT", 0.03648, 26.63, 53.26, 106.52],
            ["lt", "root volumes of ng's nodes (/dev/xvda): 30 GiB gp3 each", 0.088, 2.64, 5.28, 10.56],
            ["lt", "EC2 detailed monitoring of ng's nodes", 0.3, 2.1, 4.2, 8.4],
        ]);
        assert.deepEqual(e.items[0].onDemandMonthly, { min: 66.58, expected: 133.15, max: 266.3 });
        assert.deepEqual(e.items[0].quantity, { min: 1, expected: 2, max: 4 });
        assert.equal(e.items[0].type, NODE_GROUP);
        assert.equal(e.items[1].type, LAUNCH_TEMPLATE);
        assert.equal(
            e.items[0].assumption,
            "min/desired/max of the group's scaling config; priced as t3.large, the first of t3.large, t3a.large; SPOT at an assumed 60% below on-demand",
        );
        assert.deepEqual(e.items[2].quantity, { min: 7, expected: 14, max: 28 });
        assert.deepEqual(e.onDemandMonthly, {
            min: 66.58 + 2.64 + 2.1,
            expected: 133.15 + 5.28 + 4.2,
            max: 266.3 + 10.56 + 8.4,
        });
    });

    it("takes the discount from the assumptions, and prices on-demand nodes as listed (us-east-1)", () => {
        const lt = template();
        const spot = estimateOf([lt, group({}, lt)], { assumptions: withOverrides({ "--spot-discount": "0.7" }) });
        assert.equal(spot.items[0].unitPrice, 0.02736);
        const onDemand = estimateOf(
            [
                lt,
                group(
                    {
                        instanceTypes: ["m6i.large"],
                        capacityType: "ON_DEMAND",
                        scalingConfig: { minSize: 3, desiredSize: 3, maxSize: 10 },
                    },
                    lt,
                ),
            ],
            {},
            "us-east-1",
        );
        // m6i.large 0.096 x 730 = 70.08 a node; gp3 0.08.
        assert.deepEqual(rows(onDemand).slice(0, 2), [
            ["ng", "nodes: m6i.large on-demand", 0.096, 210.24, 210.24, 700.8],
            ["lt", "root volumes of ng's nodes (/dev/xvda): 30 GiB gp3 each", 0.08, 7.2, 7.2, 24],
        ]);
        assert.equal(onDemand.items[0].onDemandMonthly, undefined);
        assert.equal(onDemand.onDemandMonthly, undefined);
    });

    it("counts a group without a desired size at its minimum, and leaves out monitoring the template does not enable", () => {
        const lt = template({ volumeSize: 20, volumeType: "gp3" }, false);
        const e = estimateOf([lt, group({ scalingConfig: { minSize: 2, maxSize: 5 } }, lt)]);
        assert.deepEqual(e.items[0].quantity, { min: 2, expected: 2, max: 5 });
        assert.equal(e.items.length, 2);
    });

    it("leaves unknown a type the table lacks, gp2 or over-provisioned gp3 volumes, and a group without a template", () => {
        const gp2 = template({ volumeSize: 30, volumeType: "gp2" });
        assert.deepEqual(unknowns(estimateOf([gp2, group({ instanceTypes: ["m9.large"] }, gp2)])), [
            [
                "lt",
                "root volumes of ng's nodes (/dev/xvda): 30 GiB gp2 each",
                "only gp3 volumes of a stated size are in the price table",
            ],
            ["ng", "nodes: m9.large SPOT", "the price table has no eu-west-1 price for m9.large"],
        ]);
        const fast = template({ volumeSize: 30, volumeType: "gp3", iops: 6000 });
        assert.match(
            unknowns(estimateOf([fast, group({}, fast)]))[0][2]!,
            /above gp3's included 3000 IOPS and 125 MB\/s/,
        );
        const bare = resource(NODE_GROUP, "ng", {
            instanceTypes: ["t3.large"],
            scalingConfig: { minSize: 1, maxSize: 1 },
        });
        assert.deepEqual(unknowns(estimateOf([bare])), [
            [
                "ng",
                "nodes' root volumes",
                "without a launch template EKS gives nodes gp2 root volumes, which the price table does not hold",
            ],
        ]);
        // EKS's default type and on-demand capacity when the group names neither.
        assert.deepEqual(rows(estimateOf([bare]))[0], ["ng", "nodes: t3.large on-demand", 0.0912, 66.58, 66.58, 66.58]);
        assert.equal(
            rows(estimateOf([resource(NODE_GROUP, "d", {}, fedBy("launchTemplate", template()))]))[0][1],
            "nodes: t3.medium on-demand",
        );
    });
});

describe("cost: NAT gateways and public IPv4 addresses", () => {
    const eip = resource("aws:ec2/eip:Eip", "nat-a", { domain: "vpc" });
    const nat = resource(
        "aws:ec2/natGateway:NatGateway",
        "nat-a",
        { connectivityType: "public" },
        fedBy("allocationId", eip),
    );

    it("prices each gateway's hours and assumed data, and each Elastic IP's address-hours", () => {
        const e = estimateOf([nat, eip]);
        // 0.048 x 730 = 35.04; 20 GB x 0.048 = 0.96; 0.005 x 730 = 3.65.
        assert.deepEqual(rows(e), [
            ["nat-a", "NAT gateway", 0.048, 35.04, 35.04, 35.04],
            ["nat-a", "NAT gateway data processing", 0.048, 0.96, 0.96, 0.96],
            ["nat-a", "public IPv4 address of NAT gateway nat-a", 0.005, 3.65, 3.65, 3.65],
        ]);
        assert.equal(
            e.items[1].assumption,
            "20 GB a month through each gateway (assumed: image pulls, updates, AWS API calls)",
        );
        assert.equal(e.items[2].type, "aws:ec2/eip:Eip");
        const more = estimateOf([nat], { assumptions: withOverrides({ "--nat-gb": "100" }) }, "us-east-1");
        // us-east-1: 0.045 x 730 = 32.85; 100 x 0.045 = 4.50.
        assert.deepEqual(rows(more), [
            ["nat-a", "NAT gateway", 0.045, 32.85, 32.85, 32.85],
            ["nat-a", "NAT gateway data processing", 0.045, 4.5, 4.5, 4.5],
        ]);
        assert.equal(rows(estimateOf([eip]))[0][1], "public IPv4 address", "an unattached address is billed too");
    });
});

describe("cost: each LoadBalancer Service's NLB", () => {
    const subnets = ["a", "b", "c"].map((az) =>
        resource(SUBNET, `public-${az}`, {
            availabilityZone: `eu-west-1${az}`,
            tags: { "kubernetes.io/role/elb": "1" },
        }),
    );
    const privateSubnet = resource(SUBNET, "private-a", {
        availabilityZone: "eu-west-1a",
        tags: { "kubernetes.io/role/internal-elb": "1" },
    });
    const service = (annotations: Record<string, string>, spec: Record<string, any> = {}) =>
        resource(SERVICE, "svc", {
            metadata: { annotations },
            spec: { type: "LoadBalancer", loadBalancerClass: "service.k8s.aws/nlb", ...spec },
        });
    const internetFacing = { "service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing" };

    it("prices the NLB, one LCU an hour on its TCP listener and a public IPv4 per zone", () => {
        const e = estimateOf([service(internetFacing), ...subnets, privateSubnet]);
        // 0.0252 x 730 = 18.396; 0.006 x 730 = 4.38; 3 x 0.005 x 730 = 10.95.
        assert.deepEqual(rows(e), [
            ["svc", "NLB (internet-facing, TCP listener)", 0.0252, 18.4, 18.4, 18.4],
            ["svc", "NLB capacity units", 0.006, 4.38, 4.38, 4.38],
            ["svc", "NLB public IPv4 addresses", 0.005, 10.95, 10.95, 10.95],
        ]);
        assert.equal(
            e.items[1].assumption,
            "1 LCU an hour on the TCP listener (assumed; one TCP LCU: 800 new TCP flows/s, 100,000 active flows or 1 GB/h processed)",
        );
        assert.equal(e.items[2].assumption, "one per zone: 3 zone(s) with a subnet tagged kubernetes.io/role/elb");
        assert.equal(e.items[0].type, SERVICE);
    });

    it("names a TLS listener's capacity unit, takes the LCU assumption, and counts the subnets a Service names", () => {
        const tls = service({
            ...internetFacing,
            "service.beta.kubernetes.io/aws-load-balancer-ssl-cert": "arn:cert",
            "service.beta.kubernetes.io/aws-load-balancer-subnets": "s-1, s-2",
        });
        const e = estimateOf([tls, ...subnets], { assumptions: withOverrides({ "--lcu": "2" }) });
        assert.deepEqual(rows(e), [
            ["svc", "NLB (internet-facing, TLS listener)", 0.0252, 18.4, 18.4, 18.4],
            ["svc", "NLB capacity units", 0.006, 8.76, 8.76, 8.76],
            ["svc", "NLB public IPv4 addresses", 0.005, 7.3, 7.3, 7.3],
        ]);
        assert.match(
            e.items[1].assumption!,
            /^2 LCU an hour on the TLS listener .*50 new TLS connections\/s, 3,000 active TLS connections or 1 GB\/h/,
        );
    });

    it("gives an internal NLB (the controller's default scheme) no public addresses; an in-tree NLB is internet-facing", () => {
        assert.deepEqual(
            rows(estimateOf([service({}), ...subnets])).map((r) => r[1]),
            ["NLB (internal, TCP listener)", "NLB capacity units"],
        );
        const inTree = resource(SERVICE, "svc", {
            metadata: { annotations: { "service.beta.kubernetes.io/aws-load-balancer-type": "nlb" } },
            spec: { type: "LoadBalancer" },
        });
        assert.deepEqual(
            rows(estimateOf([inTree, ...subnets])).map((r) => r[1]),
            ["NLB (internet-facing, TCP listener)", "NLB capacity units", "NLB public IPv4 addresses"],
        );
    });

    it("leaves unknown a Classic Load Balancer and an internet-facing NLB without tagged subnets; ignores ClusterIP", () => {
        const classic = resource(SERVICE, "classic", { metadata: {}, spec: { type: "LoadBalancer" } });
        assert.deepEqual(unknowns(estimateOf([classic])), [
            [
                "classic",
                "load balancer of a LoadBalancer Service",
                "without loadBalancerClass service.k8s.aws/nlb or an NLB type annotation the in-tree controller creates a Classic Load Balancer, which the price table does not hold",
            ],
        ]);
        assert.deepEqual(unknowns(estimateOf([service(internetFacing)])), [
            [
                "svc",
                "NLB public IPv4 addresses",
                "no subnet is tagged kubernetes.io/role/elb, so the zones it spans are unknown",
            ],
        ]);
        const clusterIp = resource(SERVICE, "plain", { spec: { type: "ClusterIP" } });
        assert.deepEqual(estimateOf([clusterIp]).items, []);
    });
});

describe("cost: volumes the charts' values and the Kubernetes objects claim", () => {
    const gp3 = resource(STORAGE_CLASS, "gp3", {
        metadata: { name: "gp3", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "ebs.csi.aws.com",
        parameters: { type: "gp3" },
    });
    /** null: no class named, so the default class. */
    const claim = (storage: string, storageClassName: string | null = "gp3") => ({
        volumeClaimTemplate: {
            spec: { ...(storageClassName ? { storageClassName } : {}), resources: { requests: { storage } } },
        },
    });
    const stack = (values: Record<string, any>, chart = "kube-prometheus-stack") =>
        resource(RELEASE, "monitoring", { chart, values });

    it("prices each claim template of kube-prometheus-stack as replicas x shards x size on gp3", () => {
        const values = {
            prometheus: { prometheusSpec: { replicas: 2, shards: 2, storageSpec: claim("10Gi") } },
            alertmanager: { alertmanagerSpec: { storage: claim("1Gi", null) } },
        };
        const e = estimateOf([gp3, stack(values)]);
        // 4 x 10 GiB x 0.088 = 3.52; 1 x 1 GiB (the default class) x 0.088 = 0.088.
        assert.deepEqual(rows(e), [
            ["monitoring", "Prometheus volumes: 4 x 10 GiB gp3", 0.088, 3.52, 3.52, 3.52],
            ["monitoring", "Alertmanager volumes: 1 x 1 GiB gp3", 0.088, 0.09, 0.09, 0.09],
        ]);
        assert.equal(e.items[0].assumption, "2 replica(s) x 2 shard(s), one 10 GiB volume each");
        assert.equal(e.items[0].type, RELEASE);
    });

    it("leaves unknown any other volume, persistence, Ingress or LoadBalancer in the values, and an unreviewed chart", () => {
        const values = {
            grafana: {
                persistence: { enabled: true, size: "10Gi" },
                service: { type: "LoadBalancer" },
                ingress: { enabled: true },
            },
            thanosRuler: { thanosRulerSpec: { storage: claim("5Gi") } },
            alertmanager: { alertmanagerSpec: { storage: claim("1Gi", "io2") } },
        };
        assert.deepEqual(unknowns(estimateOf([gp3, stack(values)])), [
            [
                "monitoring",
                "a persistent volume at grafana.persistence in chart kube-prometheus-stack's values",
                "no price rule for it (cost/volumes.ts CHART_CLAIM_TEMPLATES)",
            ],
            [
                "monitoring",
                "a LoadBalancer Service at grafana.service in chart kube-prometheus-stack's values",
                "no price rule for it (cost/volumes.ts CHART_CLAIM_TEMPLATES)",
            ],
            [
                "monitoring",
                "an Ingress (an ALB) at grafana.ingress in chart kube-prometheus-stack's values",
                "no price rule for it (cost/volumes.ts CHART_CLAIM_TEMPLATES)",
            ],
            [
                "monitoring",
                "a volume claim template at thanosRuler.thanosRulerSpec.storage.volumeClaimTemplate in chart kube-prometheus-stack's values",
                "no price rule for it (cost/volumes.ts CHART_CLAIM_TEMPLATES)",
            ],
            ["monitoring", "Alertmanager volumes", "StorageClass io2 is not one this program creates"],
        ]);
        assert.deepEqual(unknowns(estimateOf([stack({ persistence: { enabled: false } }, "redis")])), [
            [
                "monitoring",
                "chart redis",
                "its defaults were never read for volumes and load balancers (cost/volumes.ts REVIEWED_CHARTS)",
            ],
        ]);
        const gp2 = resource(STORAGE_CLASS, "gp2", {
            metadata: { name: "gp2" },
            provisioner: "ebs.csi.aws.com",
            parameters: { type: "gp2" },
        });
        const onGp2 = { prometheus: { prometheusSpec: { storageSpec: claim("10Gi", "gp2") } } };
        assert.deepEqual(
            unknowns(estimateOf([gp2, stack(onGp2)]))[0][2],
            "StorageClass gp2 does not make gp3 EBS volumes",
        );
        assert.deepEqual(
            unknowns(
                estimateOf([stack({ prometheus: { prometheusSpec: { storageSpec: claim("10Gi", null) } } })]),
            )[0][2],
            "no default StorageClass is recorded",
        );
        assert.deepEqual(
            unknowns(
                estimateOf([gp3, stack({ prometheus: { prometheusSpec: { storageSpec: claim("lots") } } })]),
            )[0][2],
            'its storage request "lots" is not a size',
        );
    });

    it("prices recorded claims and StatefulSet claim templates on the default gp3 class", () => {
        const pvc = resource("kubernetes:core/v1:PersistentVolumeClaim", "data", {
            spec: { resources: { requests: { storage: "5Gi" } } },
        });
        const set = resource("kubernetes:apps/v1:StatefulSet", "db", {
            spec: {
                replicas: 3,
                volumeClaimTemplates: [
                    { metadata: { name: "pgdata" }, spec: { resources: { requests: { storage: "2Gi" } } } },
                ],
            },
        });
        // 5 x 0.088 = 0.44; 3 x 2 x 0.088 = 0.528.
        assert.deepEqual(rows(estimateOf([gp3, pvc, set])), [
            ["data", "claimed volume: 1 x 5 GiB gp3", 0.088, 0.44, 0.44, 0.44],
            ["db", "pgdata volumes: 3 x 2 GiB gp3", 0.088, 0.53, 0.53, 0.53],
        ]);
    });

    it("reads sizes as the EBS CSI driver rounds them, and finds billable values by path", () => {
        assert.deepEqual(["10Gi", "500Mi", "1G", "1.5Ti", "20", "lots", "0", undefined].map(gibOf), [
            10,
            1,
            1,
            1536,
            1,
            undefined,
            undefined,
            undefined,
        ]);
        assert.deepEqual(
            billableValues({
                a: [{ volumeClaimTemplates: [{}, {}] }],
                b: { type: "LoadBalancer" },
                c: { persistence: { enabled: false } },
            }),
            [
                { path: "a.0.volumeClaimTemplates.0", what: "a volume claim template" },
                { path: "a.0.volumeClaimTemplates.1", what: "a volume claim template" },
                { path: "b", what: "a LoadBalancer Service" },
            ],
        );
    });
});

describe("cost: control-plane logs, KMS keys and ECR storage", () => {
    const logs = (inputs: Record<string, any>) =>
        resource("aws:cloudwatch/logGroup:LogGroup", "logs", { name: "/aws/eks/c/cluster", ...inputs });
    const twoTypes = cluster({ enabledClusterLogTypes: ["api", "audit"] });

    it("prices ingestion at the assumed GB per log type, and storage as the retention keeps it", () => {
        const e = estimateOf([twoTypes, logs({ retentionInDays: 30 })]);
        // 11 GB x 0.57 = 6.27; 11 / (730 / 24) x 30 = 10.8493 GB-month x 0.03 = 0.3255.
        assert.deepEqual(rows(e).slice(1), [
            ["logs", "control-plane log ingestion (api, audit)", 0.57, 6.27, 6.27, 6.27],
            ["logs", "control-plane log storage (kept 30 days)", 0.03, 0.33, 0.33, 0.33],
        ]);
        assert.deepEqual(e.items[2].quantity, { min: 10.8493, expected: 10.8493, max: 10.8493 });
        assert.equal(e.items[1].assumption, "api 1, audit 10 GB a month (assumed per enabled log type)");
        const more = estimateOf([twoTypes, logs({ retentionInDays: 30 })], {
            assumptions: withOverrides({ "--log-gb": "audit=20" }),
        });
        assert.equal(more.items[1].monthly.expected, 11.97);
    });

    it("states unbounded storage as not modelled, and leaves unknown other log groups and log classes", () => {
        const forever = estimateOf([twoTypes, logs({})]);
        assert.deepEqual(
            forever.unpriced.filter((u) => u.kind === "not modelled" && u.resource === "logs").map((u) => u.reason),
            ["the log group never expires: storage grows by 11 GB every month"],
        );
        assert.deepEqual(unknowns(estimateOf([twoTypes, logs({ name: "/app/logs" })])), [
            [
                "logs",
                "log group /app/logs",
                "only EKS control-plane log groups have an ingestion assumption (cost/assumptions.ts)",
            ],
        ]);
        assert.deepEqual(
            unknowns(estimateOf([twoTypes, logs({ logGroupClass: "INFREQUENT_ACCESS" })]))[0][2],
            "the INFREQUENT_ACCESS log class is not in the price table",
        );
        assert.deepEqual(
            unknowns(estimateOf([cluster({ enabledClusterLogTypes: ["api", "kubelet"] }), logs({})]))[0][2],
            "no ingestion assumption for log type(s) kubelet",
        );
    });

    it("prices a key-month per KMS key, and states its requests as not modelled", () => {
        const e = estimateOf([resource("aws:kms/key:Key", "key", { enableKeyRotation: true })]);
        assert.deepEqual(rows(e), [["key", "KMS customer managed key", 1, 1, 1, 1]]);
        assert.match(e.items[0].assumption!, /each of the first two yearly rotations adds \$1 a month/);
        assert.ok(e.unpriced.some((u) => u.description === "KMS requests" && u.kind === "not modelled"));
    });

    it("prices the images a stack pushes, from one to the lifecycle policy's cap", () => {
        const repo = resource("aws:ecr/repository:Repository", "repo", {
            name: "c/backend",
            encryptionConfigurations: [{ encryptionType: "KMS" }],
        });
        const policy = (count: number) =>
            resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "policy", {
                repository: "c/backend",
                policy: JSON.stringify({
                    rules: [
                        { selection: { tagStatus: "untagged", countType: "sinceImagePushed", countNumber: 7 } },
                        { selection: { tagStatus: "tagged", countType: "imageCountMoreThan", countNumber: count } },
                    ],
                }),
            });
        const image = resource("docker-build:index:Image", "build", {
            push: true,
            tags: ["<account>.dkr.ecr.eu-west-1.amazonaws.com/c/backend:src-1"],
        });
        const capped = estimateOf([repo, policy(5), image]);
        // 1/5/5 images x 0.08 GB x 0.10 = 0.008/0.04/0.04.
        assert.deepEqual(rows(capped), [["repo", "ECR storage of c/backend", 0.1, 0.01, 0.04, 0.04]]);
        assert.equal(
            capped.items[0].assumption,
            "1/5/5 images of 0.08 GB (layers shared between images are stored once: an upper bound); the lifecycle policy keeps 5; encrypted with the AWS managed key aws/ecr, which has no monthly charge",
        );
        assert.deepEqual(rows(estimateOf([repo, policy(30), image]))[0].slice(3), [0.01, 0.08, 0.24]);
        assert.match(
            estimateOf([repo, image]).items[0].assumption!,
            /1\/10\/10 images .*no lifecycle policy caps them/,
        );
        const prebuilt = estimateOf([repo, policy(30)]);
        assert.deepEqual(rows(prebuilt)[0].slice(3), [0, 0, 0]);
        assert.match(prebuilt.items[0].assumption!, /^nothing this stack records pushes to it/);
        assert.equal(
            keptImages(resource("aws:ecr/lifecyclePolicy:LifecyclePolicy", "p", { policy: "{not json" })),
            undefined,
        );
    });
});
