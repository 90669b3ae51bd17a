// Whole-stack properties: provider wiring, outputs and secrets, config refused before any
// resource, schema validity of every Kubernetes object, and the offline plan's reproducibility.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as k8s from "@pulumi/kubernetes";
import { stackConfig, StackRun } from "../testing/engine";
import { renderTree, writePlan } from "../tools/plan";
import { EPHEMERAL_META, EPHEMERAL_STACK, ephemeralRun, evaluate, ofType, one, stackRun, STACKS } from "./helpers";

/** kubernetes-models class for an object, e.g. storage.k8s.io/v1 StorageClass. */
function modelFor(apiVersion: string, kind: string): new (data: unknown) => { validate(): void } {
    // Upstream Kubernetes kinds, and the Prometheus operator's CRDs from the same project.
    const from = apiVersion.startsWith("monitoring.coreos.com/")
        ? `@kubernetes-models/prometheus-operator/${apiVersion}`
        : `kubernetes-models/${apiVersion}`;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(from);
    assert.ok(module[kind], `kubernetes-models has no ${apiVersion} ${kind}`);
    return module[kind];
}

const kubernetesObjects = (run: StackRun) =>
    run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:") && r.inputs.apiVersion);

for (const stack of STACKS) {
    describe(`stack: ${stack}`, () => {
        it("puts every Kubernetes resource (objects and Helm releases) on the cluster's provider", async () => {
            const run = await stackRun(stack);
            const provider = one(run, "pulumi:providers:kubernetes", "cluster-k8s");
            const kubernetesResources = run.resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
            assert.ok(kubernetesResources.length >= 3);
            for (const resource of kubernetesResources) {
                assert.equal(
                    resource.provider,
                    `${provider.urn}::<id of cluster-k8s>`,
                    `${resource.type} ${resource.name}`,
                );
            }
            assert.equal(ofType(run, "pulumi:providers:kubernetes").length, 1, "exactly one Kubernetes provider");
        });

        it("exports the outputs later issues and operators need, with the kubeconfig secret", async () => {
            const run = await stackRun(stack);
            const clusterName = `scalable-backend-${stack}`;
            const issuer = `oidc.eks.eu-west-1.amazonaws.com/id/<oidc-id of ${clusterName}>`;
            // dev's hostContract is held exactly by tests/host-contract.test.ts.
            const { kubeconfig, hostContract, ...plainOutputs } = run.outputs;
            assert.equal(hostContract !== undefined, stack === "dev");
            assert.deepEqual(plainOutputs, {
                clusterName,
                region: "eu-west-1",
                vpcId: "<id of network-vpc>",
                vpcCidr: stack === "dev" ? "10.10.0.0/16" : "10.20.0.0/16",
                privateSubnetIds: ["a", "b", "c"]
                    .slice(0, stack === "dev" ? 2 : 3)
                    .map((l) => `<id of network-private-${l}>`),
                oidcProviderArn: `arn:aws:iam::<account-id>:oidc-provider/${issuer}`,
                oidcIssuer: issuer,
                backendUrl:
                    stack === "dev"
                        ? "http://<nlb hostname of backend>.elb.eu-west-1.amazonaws.com"
                        : "https://api.example.com",
                backendImage: `<account-id>.dkr.ecr.eu-west-1.amazonaws.com/${clusterName}/backend@${one(run, "docker-build:index:Image", "backend-image-build").outputs.digest}`,
                grafanaPortForward: "kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80",
            });
            assert.match(plainOutputs.backendImage as string, /@sha256:[a-f0-9]{64}$/);
            assert.equal(JSON.parse(kubeconfig as string).kind, "Config");
            assert.deepEqual(run.secretOutputs, stack === "dev" ? ["hostContract", "kubeconfig"] : ["kubeconfig"]);
        });

        it("creates only Kubernetes objects that validate against the upstream OpenAPI schema", async () => {
            const run = await stackRun(stack);
            const objects = kubernetesObjects(run);
            assert.ok(objects.length > 0);
            for (const object of objects) {
                const Model = modelFor(object.inputs.apiVersion, object.inputs.kind);
                assert.doesNotThrow(() => new Model(object.inputs).validate(), `${object.inputs.kind} ${object.name}`);
            }
        });

        it("protects exactly the cluster and its key in prod, nothing in dev", async () => {
            const run = await stackRun(stack);
            const protectedNames = run.resources
                .filter((r) => r.protect)
                .map((r) => `${r.type}::${r.name}`)
                .sort();
            assert.deepEqual(
                protectedNames,
                stack === "prod" ? ["aws:kms/key:Key::cluster-secrets", "eks:index:Cluster::cluster-eks"] : [],
            );
        });
    });
}

describe("stack: the schema check itself", () => {
    it("rejects an object the API server would reject", () => {
        const Model = modelFor("storage.k8s.io/v1", "StorageClass");
        assert.throws(() =>
            new Model({
                apiVersion: "storage.k8s.io/v1",
                kind: "StorageClass",
                metadata: { name: "x" },
                provisioner: 42,
            }).validate(),
        );
    });
});

describe("stack: refusals before any resource exists", () => {
    it("refuses a bad config with the stack, key and fix, having registered nothing", async () => {
        await assert.rejects(
            evaluate("dev", { config: { "scalable-backend:kubernetesVersion": "1.3" } }),
            (error: Error & { registrations?: string[] }) => {
                assert.match(
                    error.message,
                    /Stack "dev": config key "scalable-backend:kubernetesVersion" is "1.3", not of the form 1.NN\. Expected a quoted string such as "1.35"/,
                );
                assert.deepEqual(
                    error.registrations?.filter((type) => type !== "pulumi:pulumi:Stack"),
                    [],
                );
                return true;
            },
        );
    });

    for (const [stack, region, count, says] of [
        [
            "prod",
            "eu-west-1",
            "4",
            "is 4, but eu-west-1 has 3 usable availability zones (eu-west-1a, eu-west-1b, eu-west-1c)",
        ],
        ["dev", "us-west-1", "3", "is 3, but us-west-1 has 2 usable availability zones (us-west-1b, us-west-1c)"],
    ] as const) {
        it(`refuses more zones than ${region} has (${stack}), having registered only the stack and the AWS provider`, async () => {
            await assert.rejects(
                evaluate(stack, {
                    config: { "aws:region": region, "scalable-backend:availabilityZoneCount": count },
                }),
                (error: Error & { registrations?: string[] }) => {
                    assert.equal(
                        error.message,
                        `Stack "${stack}": config key "scalable-backend:availabilityZoneCount" ${says}. ` +
                            `Expected at most ${region === "us-west-1" ? 2 : 3}, or a region with ${count} zones.`,
                    );
                    // The stack registers before the program runs; the engine records what the program constructs.
                    assert.deepEqual(error.registrations, ["pulumi:providers:aws"]);
                    return true;
                },
            );
        });
    }

    it("uses the zones the provider's region answers, in order", async () => {
        const run = await evaluate("prod", { config: { "aws:region": "us-east-1" } });
        assert.deepEqual(
            ["a", "b", "c"].map(
                (az) =>
                    run.resources.find((r) => r.type === "aws:ec2/subnet:Subnet" && r.name === `network-private-${az}`)
                        ?.inputs.availabilityZone,
            ),
            ["us-east-1a", "us-east-1b", "us-east-1c"],
        );
    });

    it("refuses a stack that lacks a key Pulumi.yaml declares, as the CLI does", async () => {
        await assert.rejects(
            evaluate("dev", { without: ["scalable-backend:owner"] }),
            /Stack 'dev' is missing configuration values: scalable-backend:owner/,
        );
    });

    it("refuses a stack name that is neither dev, prod nor eph-*", async () => {
        await assert.rejects(
            evaluate("staging", { config: stackConfig("dev") }),
            /Stack "staging" is not one this program knows/,
        );
    });

    it("fails a Kubernetes resource registered without the cluster's provider, as the engine does", async () => {
        const program = () => {
            new k8s.core.v1.ConfigMap("forgot-provider", { data: { a: "b" } });
            return {};
        };
        await assert.rejects(
            evaluate("dev", { program }),
            /kubernetes:core\/v1:ConfigMap "forgot-provider" was registered without an explicit provider/,
        );
    });
});

describe("stack: ephemeral", () => {
    it("evaluates an eph-* stack with the config the stack tool writes: its own cluster, unprotected, tagged with its lifetime", async () => {
        const run = await ephemeralRun();
        const cluster = one(run, "eks:index:Cluster", "cluster-eks");
        assert.equal(cluster.inputs.name, `scalable-backend-${EPHEMERAL_STACK}`);
        assert.equal(cluster.protect, false);
        const tags = JSON.parse(one(run, "pulumi:providers:aws", "aws").inputs.defaultTags).tags;
        assert.deepEqual(tags, {
            project: "scalable-backend",
            stack: EPHEMERAL_STACK,
            environment: "ephemeral",
            owner: EPHEMERAL_META.owner,
            "managed-by": "pulumi",
            "created-at": EPHEMERAL_META.createdAt.toISOString(),
            "expires-at": EPHEMERAL_META.expiresAt.toISOString(),
        });
    });
});

describe("offline plan", () => {
    it("writes byte-identical output on two runs, with secrets redacted", async () => {
        const dirs = [
            fs.mkdtempSync(path.join(os.tmpdir(), "plan-a-")),
            fs.mkdtempSync(path.join(os.tmpdir(), "plan-b-")),
        ];
        try {
            const runs: StackRun[] = [];
            // Two evaluations: the shared one and a new one.
            runs.push(await writePlan("prod", dirs[0], await stackRun("prod")));
            runs.push(await evaluate("prod").then((run) => writePlan("prod", dirs[1], run)));
            const files = (dir: string): string[] =>
                fs.readdirSync(dir, { recursive: true, withFileTypes: false }).map(String).sort();
            assert.deepEqual(files(dirs[0]), files(dirs[1]));
            const k8sFiles = runs[0].resources
                .filter((r) => r.type.startsWith("kubernetes:") && r.inputs.apiVersion)
                .map((r) => `k8s/${r.name}.yaml`);
            assert.deepEqual(files(dirs[0]), [
                "helm",
                "helm/monitoring-crds.yaml",
                "helm/monitoring-stack.yaml",
                "helm/platform-autoscaler.yaml",
                "helm/platform-lbc.yaml",
                "k8s",
                ...k8sFiles.sort(),
                "plan.json",
            ]);
            assert.ok(
                !fs
                    .readFileSync(path.join(dirs[0], "k8s", "monitoring-grafana-admin.yaml"), "utf8")
                    .includes("generated password"),
                "no secret in the YAML",
            );
            assert.ok(k8sFiles.includes("k8s/backend-deployment.yaml") && k8sFiles.includes("k8s/cluster-gp3.yaml"));
            for (const file of files(dirs[0]).filter((f) => f.includes("."))) {
                assert.equal(
                    fs.readFileSync(path.join(dirs[0], file), "utf8"),
                    fs.readFileSync(path.join(dirs[1], file), "utf8"),
                    file,
                );
            }
            const plan = JSON.parse(fs.readFileSync(path.join(dirs[0], "plan.json"), "utf8"));
            assert.equal(plan.outputs.kubeconfig, "[secret]");
            assert.equal(
                plan.resources.find((r: { name: string }) => r.name === "cluster-k8s").inputs.kubeconfig,
                "[secret]",
            );
            assert.equal(plan.resourceCount, runs[0].resources.length);
            assert.equal(renderTree(runs[0]), renderTree(runs[1]));
            assert.match(
                renderTree(runs[0]),
                /^ {4}eks:index:Cluster {2}cluster-eks {2}\[protected; after: cluster-control-plane-logs\] {2}name=scalable-backend-prod version=1\.35/m,
            );
        } finally {
            for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
