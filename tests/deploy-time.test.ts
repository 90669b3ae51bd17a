// tools/deploy-time.ts: the modeled cold `pulumi up`, on hand-made graphs and on the real stacks.
import * as assert from "node:assert/strict";
import type { RecordedResource, StackRun } from "../testing/engine";
import { describeColdCreate, durationOf, modelColdCreate } from "../tools/deploy-time";
import { ephemeralRun, stackRun, STACKS } from "./helpers";

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

    it("refuses a dependency cycle instead of looping", () => {
        const a = resource(VPC, "a", { dependencies: [urn(VPC, "b")] });
        const b = resource(VPC, "b", { dependencies: [a.urn] });
        assert.throws(() => modelColdCreate(runOf(a, b)), /dependency cycle/);
    });
});

describe("deploy time: the real stacks", () => {
    it("has a figure for every resource the stacks record", async () => {
        for (const run of [...(await Promise.all(STACKS.map(stackRun))), await ephemeralRun()]) {
            for (const r of run.resources) assert.doesNotThrow(() => durationOf(r), `${r.type} ${r.name}`);
        }
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
