import * as assert from "node:assert/strict";
import { clusterAutoscalerPolicy, irsaTrustPolicy, PolicyStatement } from "../components/iam";
import {
    clusterAutoscalerValues,
    loadBalancerControllerPolicy,
    loadBalancerControllerValues,
} from "../components/platform";
import { ephemeralRun, ofType, one, stackRun, STACKS } from "./helpers";

const actionsOf = (s: PolicyStatement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const statementWith = (action: string): PolicyStatement => {
    const found = loadBalancerControllerPolicy().Statement.filter(
        (s) => actionsOf(s).includes(action) && s.Resource === "*",
    );
    assert.equal(found.length, 1, action);
    return found[0];
};

describe("platform: pure helpers", () => {
    it("keeps the upstream load balancer controller policy's tag conditions on wildcard writes", () => {
        const policy = loadBalancerControllerPolicy();
        assert.equal(policy.Version, "2012-10-17");
        assert.equal(policy.Statement.length, 16);
        assert.deepEqual(statementWith("elasticloadbalancing:CreateLoadBalancer").Condition, {
            Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" },
        });
        assert.deepEqual(statementWith("elasticloadbalancing:DeleteLoadBalancer").Condition, {
            Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" },
        });
        assert.deepEqual(statementWith("ec2:DeleteSecurityGroup").Condition, {
            Null: { "aws:ResourceTag/elbv2.k8s.aws/cluster": "false" },
        });
        assert.deepEqual(statementWith("iam:CreateServiceLinkedRole").Condition, {
            StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" },
        });
        assert.ok(
            policy.Statement.every((s) => !actionsOf(s).includes("*")),
            "no Action: *",
        );
    });

    it("lets the Cluster Autoscaler write only to groups this cluster owns", () => {
        const policy = clusterAutoscalerPolicy("c1");
        const writes = policy.Statement.filter((s) => actionsOf(s).some((a) => /Set|Terminate/.test(a)));
        assert.deepEqual(writes, [
            {
                Sid: "ScaleOwnedGroupsOnly",
                Effect: "Allow",
                Action: ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
                Resource: "*",
                Condition: { StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/c1": "owned" } },
            },
        ]);
        const reads = policy.Statement.filter((s) => s !== writes[0]).flatMap(actionsOf);
        assert.ok(
            reads.every((a) => /:(Describe|Get)/.test(a)),
            `reads only: ${reads.join(", ")}`,
        );
    });

    it("gives the controller its region and VPC explicitly (pods cannot reach IMDS at hop limit 1) and keeps its webhook certificate", () => {
        assert.deepEqual(
            loadBalancerControllerValues({
                clusterName: "c1",
                region: "eu-west-1",
                vpcId: "vpc-1",
                roleArn: "arn:r",
                replicas: 2,
            }),
            {
                clusterName: "c1",
                region: "eu-west-1",
                vpcId: "vpc-1",
                replicaCount: 2,
                serviceAccount: {
                    create: true,
                    name: "aws-load-balancer-controller",
                    annotations: { "eks.amazonaws.com/role-arn": "arn:r" },
                },
                podDisruptionBudget: { maxUnavailable: 1 },
                resources: { requests: { cpu: "50m", memory: "128Mi" }, limits: { memory: "256Mi" } },
                enableServiceMutatorWebhook: false,
                keepTLSSecret: true,
            },
        );
    });

    it("points the autoscaler at this cluster's tagged node groups with its own region and image", () => {
        const values = clusterAutoscalerValues({
            clusterName: "c1",
            region: "eu-west-1",
            roleArn: "arn:r",
            imageTag: "v1.35.2",
        });
        assert.deepEqual(values.autoDiscovery, { clusterName: "c1" });
        assert.equal(values.awsRegion, "eu-west-1");
        assert.equal(values.cloudProvider, "aws");
        assert.deepEqual(values.image, { tag: "v1.35.2" });
        assert.deepEqual(values.rbac, {
            serviceAccount: {
                create: true,
                name: "cluster-autoscaler",
                annotations: { "eks.amazonaws.com/role-arn": "arn:r" },
            },
        });
        assert.equal((values.extraArgs as Record<string, unknown>)["balance-similar-node-groups"], true);
        assert.equal((values.extraArgs as Record<string, unknown>)["balancing-ignore-label"], "node-group");
    });
});

for (const stack of STACKS) {
    const clusterName = `scalable-backend-${stack}`;
    const issuer = `oidc.eks.eu-west-1.amazonaws.com/id/<oidc-id of ${clusterName}>`;
    const oidcArn = `arn:aws:iam::<account-id>:oidc-provider/${issuer}`;

    describe(`platform: ${stack} stack`, () => {
        it("installs the AWS Load Balancer Controller, pinned, with its IRSA role, after the nodes and the EKS add-ons", async () => {
            const run = await stackRun(stack);
            const release = one(run, "kubernetes:helm.sh/v3:Release", "platform-lbc");
            assert.equal(release.inputs.chart, "aws-load-balancer-controller");
            assert.equal(release.inputs.version, "3.5.0");
            assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://aws.github.io/eks-charts" });
            assert.equal(release.inputs.namespace, "kube-system");
            assert.deepEqual(
                release.inputs.values,
                loadBalancerControllerValues({
                    clusterName,
                    region: "eu-west-1",
                    vpcId: "<id of network-vpc>",
                    roleArn: "arn:aws:iam::<account-id>:role/platform-lbc-role",
                    replicas: 2,
                }),
            );
            // Two everywhere but in review stacks: dev's spot nodes are interrupted, too.
            assert.equal(release.inputs.values.replicaCount, 2);
            // Nodes, DNS and its own CRDs only: without the Service mutator webhook nothing else must wait for it.
            assert.deepEqual(release.options.dependsOn, [
                "cluster-general",
                "cluster-coredns",
                "platform-crd-albtargetcontrolconfigs.elbv2.k8s.aws",
                "platform-crd-globalaccelerators.aga.k8s.aws",
                "platform-crd-ingressclassparams.elbv2.k8s.aws",
                "platform-crd-targetgroupbindings.elbv2.k8s.aws",
                "platform-crd-listenerruleconfigurations.gateway.k8s.aws",
                "platform-crd-loadbalancerconfigurations.gateway.k8s.aws",
                "platform-crd-targetgroupconfigurations.gateway.k8s.aws",
            ]);
            const crds = ofType(run, "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
            assert.equal(crds.length, 7);
            for (const crd of crds) assert.ok(release.dependencies.includes(crd.urn), crd.name);
            // Helm would install them on first install only, and this program owns them.
            assert.equal(release.inputs.skipCrds, true);
            assert.ok(release.dependencies.includes(one(run, "eks:index:ManagedNodeGroup", "cluster-general").urn));
            assert.ok(!release.dependencies.includes(one(run, "aws:eks/addon:Addon", "cluster-metrics-server").urn));
            assert.ok(
                !release.dependencies.includes(one(run, "aws:eks/addon:Addon", "cluster-aws-ebs-csi-driver").urn),
            );
            const role = one(run, "aws:iam/role:Role", "platform-lbc-role");
            assert.deepEqual(
                JSON.parse(role.inputs.assumeRolePolicy),
                irsaTrustPolicy(oidcArn, issuer, { namespace: "kube-system", name: "aws-load-balancer-controller" }),
            );
            assert.deepEqual(
                JSON.parse(one(run, "aws:iam/policy:Policy", "platform-lbc-policy").inputs.policy),
                loadBalancerControllerPolicy(),
            );
            // The release sees the role only once its policy is attached.
            assert.ok(
                release.dependencies.includes(
                    one(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment", "platform-lbc-policy").urn,
                ),
            );
        });

        it("installs the Cluster Autoscaler, pinned to the cluster's minor, after the nodes and not the controller", async () => {
            const run = await stackRun(stack);
            const release = one(run, "kubernetes:helm.sh/v3:Release", "platform-autoscaler");
            assert.equal(release.inputs.chart, "cluster-autoscaler");
            assert.equal(release.inputs.version, "9.59.0");
            assert.deepEqual(release.inputs.repositoryOpts, { repo: "https://kubernetes.github.io/autoscaler" });
            assert.deepEqual(
                release.inputs.values,
                clusterAutoscalerValues({
                    clusterName,
                    region: "eu-west-1",
                    roleArn: "arn:aws:iam::<account-id>:role/platform-autoscaler-role",
                    imageTag: "v1.35.2",
                }),
            );
            assert.deepEqual(release.options.dependsOn, ["cluster-general"]);
            assert.ok(!release.dependencies.includes(one(run, "kubernetes:helm.sh/v3:Release", "platform-lbc").urn));
            const role = one(run, "aws:iam/role:Role", "platform-autoscaler-role");
            assert.deepEqual(
                JSON.parse(role.inputs.assumeRolePolicy),
                irsaTrustPolicy(oidcArn, issuer, { namespace: "kube-system", name: "cluster-autoscaler" }),
            );
            assert.deepEqual(
                JSON.parse(one(run, "aws:iam/policy:Policy", "platform-autoscaler-policy").inputs.policy),
                clusterAutoscalerPolicy(clusterName),
            );
        });

        it("waits for releases to become ready and rolls back failed installs", async () => {
            const run = await stackRun(stack);
            for (const name of ["platform-lbc", "platform-autoscaler"]) {
                const release = one(run, "kubernetes:helm.sh/v3:Release", name);
                assert.equal(release.inputs.atomic, true);
                assert.equal(release.inputs.timeout, 600);
                assert.equal(release.inputs.skipAwait, undefined);
            }
        });
    });
}

describe("platform: ephemeral stack", () => {
    it("runs one controller replica in a review cluster of hours", async () => {
        const release = one(await ephemeralRun(), "kubernetes:helm.sh/v3:Release", "platform-lbc");
        assert.equal(release.inputs.values.replicaCount, 1);
    });
});
