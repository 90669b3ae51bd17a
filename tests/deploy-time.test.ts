// tools/deploy-time.ts: the modeled cold `pulumi up`, on hand-made graphs and on the real stacks.
import * as assert from "node:assert/strict";
import type { RecordedResource, StackRun } from "../testing/engine";
import {
    CLUSTER_IP_SERVICE,
    CREATION_MINUTES,
    describeColdCreate,
    durationOf,
    modelColdCreate,
    UNGATED_DEPLOYMENT,
} from "../tools/deploy-time";
import { ephemeralRun, hostedRun, one, stackRun, STACKS } from "./helpers";

const urn = (type: string, name: string) => `urn:pulumi:t::p::${type}::${name}`;
/** A recorded resource with only what the model reads. */
function resource(type: string, name: string, extra: Partial<RecordedResource> = {}): RecordedResource {
    return {
        type,
        name,
        urn: urn(type, name),
        custom: !type.startsWith("scalable-backend:"),
        inputs: {},
        dependencies: [],
        ...extra,
    } as unknown as RecordedResource;
}
const runOf = (...resources: RecordedResource[]) => ({ resources }) as unknown as StackRun;
const VPC = "aws:ec2/vpc:Vpc";
const NAT = "aws:ec2/natGateway:NatGateway";
const EKS = "eks:index:Cluster";
const PREBUILT = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"b".repeat(64)}`;

describe("deploy time: the model", () => {
    it("starts each resource when its slowest dependency is done and reports that chain", () => {
        const vpc = resource(VPC, "vpc");
        const nat = resource(NAT, "nat", { dependencies: [vpc.urn] });
        const eks = resource(EKS, "eks", { dependencies: [vpc.urn] });
        const group = resource("eks:index:ManagedNodeGroup", "ng", { dependencies: [nat.urn, eks.urn] });
        const model = modelColdCreate(runOf(group, nat, eks, vpc));
        assert.equal(model.minutes, 0.1 + 10 + 3);
        assert.deepEqual(
            model.criticalPath.map((s) => [s.name, s.start, s.finish]),
            [
                ["vpc", 0, 0.1],
                ["eks", 0.1, 10.1],
                ["ng", 10.1, 13.1],
            ],
        );
    });

    it("waits for a resource a reference in the inputs names, and for the resource's provider", () => {
        const eks = resource(EKS, "eks");
        const provider = resource("pulumi:providers:kubernetes", "k8s", {
            inputs: { kubeconfig: "x" },
            dependencies: [eks.urn],
        });
        const namespace = resource("kubernetes:core/v1:Namespace", "ns", { provider: `${provider.urn}::id` });
        const group = resource("eks:index:ManagedNodeGroup", "ng", { inputs: { cluster: eks.urn } });
        assert.equal(modelColdCreate(runOf(eks, provider, namespace)).minutes, 10.05);
        assert.equal(modelColdCreate(runOf(eks, group)).minutes, 13);
    });

    it("takes a local component as done when its children are, and leaves it off the path", () => {
        const component = resource("scalable-backend:network:Network", "network");
        const vpc = resource(VPC, "vpc", { parent: component.urn });
        const nat = resource(NAT, "nat", { parent: component.urn, dependencies: [vpc.urn] });
        const after = resource(EKS, "eks", { dependencies: [component.urn] });
        const model = modelColdCreate(runOf(component, vpc, nat, after));
        assert.equal(model.minutes, 0.1 + 2 + 10);
        assert.deepEqual(
            model.criticalPath.map((s) => s.name),
            ["vpc", "nat", "eks"],
        );
    });

    it("times Helm releases by chart and add-ons by name, and refuses a type it has no figure for", () => {
        assert.equal(
            durationOf(resource("kubernetes:helm.sh/v3:Release", "r", { inputs: { chart: "kube-prometheus-stack" } }))
                .minutes,
            3.5,
        );
        assert.equal(
            durationOf(resource("aws:eks/addon:Addon", "a", { inputs: { addonName: "aws-ebs-csi-driver" } })).minutes,
            1.2,
        );
        assert.throws(
            () => durationOf(resource("aws:rds/instance:Instance", "db")),
            /no typical creation time for aws:rds\/instance:Instance db/,
        );
        assert.throws(
            () => durationOf(resource("kubernetes:helm.sh/v3:Release", "r", { inputs: { chart: "unknown" } })),
            /no typical creation time/,
        );
    });

    it("gates a Deployment only when a LoadBalancer Service in its namespace selects its pods", () => {
        const labels = { app: "a", tier: "api" };
        const deployment = resource("kubernetes:apps/v1:Deployment", "d", {
            inputs: { metadata: { namespace: "n" }, spec: { template: { metadata: { labels } } } },
        });
        const service = (type: string, namespace: string, selector: Record<string, string>) =>
            resource("kubernetes:core/v1:Service", `${type}-${namespace}`, {
                inputs: { metadata: { namespace }, spec: { type, selector } },
            });
        const gated = CREATION_MINUTES["kubernetes:apps/v1:Deployment"];
        assert.equal(gated.minutes, 2.5);
        assert.equal(durationOf(deployment, [deployment, service("LoadBalancer", "n", { app: "a" })]), gated);
        for (const other of [
            service("ClusterIP", "n", { app: "a" }),
            service("LoadBalancer", "m", { app: "a" }),
            service("LoadBalancer", "n", { app: "b" }),
            service("LoadBalancer", "n", {}),
        ])
            assert.equal(durationOf(deployment, [deployment, other]), UNGATED_DEPLOYMENT, other.name);
        assert.equal(UNGATED_DEPLOYMENT.minutes, 1);
        assert.equal(durationOf(service("ClusterIP", "n", { app: "a" })), CLUSTER_IP_SERVICE);
        assert.equal(durationOf(service("LoadBalancer", "n", { app: "a" })).minutes, 0.5);
    });

    it("says so when an image build is most of the path", () => {
        const repo = resource("aws:ecr/repository:Repository", "repo");
        const build = resource("docker-build:index:Image", "build", { dependencies: [repo.urn] });
        assert.equal(
            describeColdCreate(modelColdCreate(runOf(repo, build))),
            "Modeled cold create: 3.0 min; critical path: repo (0.05) -> build (3); the image build (build, 3.0 of the 3.0 min) dominates: a prebuilt image pinned by digest (backend.image) skips it",
        );
        const eks = resource(EKS, "eks", { dependencies: [build.urn] });
        assert.equal(
            describeColdCreate(modelColdCreate(runOf(repo, build, eks))),
            "Modeled cold create: 13.1 min; critical path: repo (0.05) -> build (3) -> eks (10)",
        );
    });

    it("refuses a dependency cycle instead of looping", () => {
        const a = resource(VPC, "a", { dependencies: [urn(VPC, "b")] });
        const b = resource(VPC, "b", { dependencies: [a.urn] });
        assert.throws(() => modelColdCreate(runOf(a, b)), /dependency cycle/);
    });
});

describe("deploy time: the real stacks", () => {
    it("has a figure for every resource the stacks record", async () => {
        const runs = [...(await Promise.all(STACKS.map(stackRun))), await ephemeralRun()];
        for (const options of [{}, { image: PREBUILT }, { sourceRanges: ["203.0.113.0/24"] }])
            runs.push(await hostedRun("eph-demo", options));
        runs.push(await hostedRun("tenant-demo"));
        for (const run of runs) {
            for (const r of run.resources)
                assert.doesNotThrow(() => durationOf(r, run.resources), `${run.stack}: ${r.type} ${r.name}`);
        }
    });

    it("models a shared app stack with a prebuilt image in under 3 minutes: the host read, its pods' rollout, no gate", async () => {
        const run = await hostedRun("eph-demo", { image: PREBUILT });
        const model = modelColdCreate(run);
        assert.deepEqual(
            model.criticalPath.map((s) =>
                [s.name, s.start, s.finish].map((v) => (typeof v === "number" ? v.toFixed(2) : v)),
            ),
            [
                ["host", "0.00", "0.05"],
                ["backend-sa", "0.05", "0.10"],
                ["backend-deployment", "0.10", "1.10"],
                ["backend-hpa", "1.10", "1.15"],
            ],
        );
        assert.ok(model.minutes <= 3);
        assert.equal(
            describeColdCreate(model),
            "Modeled cold create: 1.2 min; critical path: host (0.05) -> backend-sa (0.05) -> backend-deployment (1) -> backend-hpa (0.05)",
        );
        const deployment = one(run, "kubernetes:apps/v1:Deployment", "backend-deployment");
        assert.equal(durationOf(deployment, run.resources), UNGATED_DEPLOYMENT);
        assert.equal(durationOf(one(run, "kubernetes:core/v1:Service", "backend-service")), CLUSTER_IP_SERVICE);
    });

    it("models a shared app stack that builds its image as the build: it dominates", async () => {
        const model = modelColdCreate(await hostedRun("eph-demo"));
        assert.equal(model.minutes.toFixed(2), "4.10");
        assert.equal(
            describeColdCreate(model),
            "Modeled cold create: 4.1 min; critical path: backend-image-repo (0.05) -> backend-image-build (3) -> backend-deployment (1) -> backend-hpa (0.05); the image build (backend-image-build, 3.0 of the 4.1 min) dominates: a prebuilt image pinned by digest (backend.image) skips it",
        );
    });

    it("gates a public shared app's Deployment on its NLB, as dev's and prod's; a tenant is API writes only", async () => {
        const [publicRun, tenant, dev] = [
            await hostedRun("eph-demo", { sourceRanges: ["203.0.113.0/24"] }),
            await hostedRun("tenant-demo"),
            await stackRun("dev"),
        ];
        for (const run of [publicRun, dev])
            assert.equal(
                durationOf(one(run, "kubernetes:apps/v1:Deployment", "backend-deployment"), run.resources).minutes,
                2.5,
                run.stack,
            );
        assert.equal(
            describeColdCreate(modelColdCreate(tenant)),
            "Modeled cold create: 0.2 min; critical path: host (0.05) -> tenant-ns (0.05) -> tenant-limits (0.05)",
        );
    });

    for (const stack of STACKS) {
        it(`models ${stack}'s cold create as its floor: subnets, control plane, nodes, EBS CSI, the monitoring namespace, CRDs, kube-prometheus-stack`, async () => {
            const model = modelColdCreate(await stackRun(stack));
            assert.deepEqual(
                model.criticalPath.map((s) => s.name),
                [
                    "network-vpc",
                    "network-private-a",
                    "cluster-eks",
                    "cluster-general",
                    "cluster-aws-ebs-csi-driver",
                    // After the nodes and add-ons, so destroy deletes it (and its volume claims) while they run.
                    "monitoring-ns",
                    "monitoring-crds",
                    "monitoring-stack",
                ],
            );
            assert.equal(model.minutes.toFixed(2), "18.25");
            assert.equal(
                describeColdCreate(model),
                "Modeled cold create: 18.3 min; critical path: network-vpc (0.1) -> network-private-a (0.1) -> cluster-eks (10) -> cluster-general (3) -> cluster-aws-ebs-csi-driver (1.2) -> monitoring-ns (0.05) -> monitoring-crds (0.3) -> monitoring-stack (3.5)",
            );
        });
    }
});
