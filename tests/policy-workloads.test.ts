// Workload rules of the policy pack: Pod Security restricted, read-only root, resources, probes,
// pinned images, replicas left to the HPA, Pod Security labels on namespaces, no `default`.
import * as assert from "node:assert/strict";
import { deploymentSpec, hpaSpec, namespaceLabels } from "../components/backend";
import { monitoringNamespaceLabels } from "../components/monitoring";
import {
    containerProbes,
    containerResources,
    imagePinned,
    imagePinning,
    namespacePodSecurityLabels,
    noDefaultNamespace,
    noReplicasUnderHpa,
    podSecurityRestricted,
    readOnlyRootFilesystem,
    targetNamespace,
} from "../policy/rules";
import { checkResource, checkStack, StackResourceInput } from "../testing/policy";

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const IMAGE = `111122223333.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"a".repeat(64)}`;

/** The backend's Deployment, exactly as components/backend.ts builds it. */
const backend = (): Record<string, any> => ({
    metadata: { name: "backend", namespace: "backend" },
    spec: deploymentSpec({
        name: "backend",
        stack: "prod",
        image: IMAGE,
        serviceAccountName: "backend",
        resources: { cpuRequest: "250m", memoryRequest: "256Mi", memoryLimit: "512Mi" },
    }),
});

/** A pod spec with one container, for the failing cases. */
const pod = (container: Record<string, unknown>, spec: Record<string, unknown> = {}) => ({
    metadata: { name: "p", namespace: "apps" },
    spec: { containers: [{ name: "app", image: "nginx:1.27.3", ...container }], ...spec },
});

describe("policy: workload rules", () => {
    describe("pod-security-restricted", () => {
        it("passes the backend Deployment", async () => {
            assert.deepEqual(await checkResource(podSecurityRestricted, { type: DEPLOYMENT, props: backend() }), []);
        });

        it("passes settings made on the container instead of the pod, and NET_BIND_SERVICE", async () => {
            const securityContext = {
                runAsNonRoot: true,
                allowPrivilegeEscalation: false,
                capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] },
                seccompProfile: { type: "Localhost", localhostProfile: "p.json" },
            };
            assert.deepEqual(
                await checkResource(podSecurityRestricted, {
                    type: "kubernetes:core/v1:Pod",
                    props: pod({ securityContext }),
                }),
                [],
            );
        });

        it("fails a container with no security settings, naming each fix", async () => {
            assert.deepEqual(
                await checkResource(podSecurityRestricted, { type: "kubernetes:core/v1:Pod", props: pod({}) }),
                [
                    'container "app" may run as root: set runAsNonRoot: true (pod or container securityContext) and a non-zero runAsUser.',
                    'container "app" may escalate privileges: set securityContext.allowPrivilegeEscalation: false.',
                    'container "app" keeps Linux capabilities: set securityContext.capabilities.drop: ["ALL"].',
                    'container "app" has seccomp profile unset: set seccompProfile.type: RuntimeDefault (pod or container securityContext).',
                ],
            );
        });

        it("fails host access, privilege, root and extra capabilities, in init containers and CronJobs too", async () => {
            const spec = backend().spec.template.spec;
            const unsafe = {
                ...spec,
                hostNetwork: true,
                hostPID: true,
                volumes: [{ name: "docker", hostPath: { path: "/var/run/docker.sock" } }],
                initContainers: [
                    {
                        name: "setup",
                        image: "busybox:1.37",
                        ports: [{ containerPort: 80, hostPort: 80 }],
                        securityContext: {
                            privileged: true,
                            runAsUser: 0,
                            allowPrivilegeEscalation: false,
                            capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] },
                            seccompProfile: { type: "Unconfined" },
                        },
                    },
                ],
            };
            const cronJob = {
                metadata: { name: "c", namespace: "apps" },
                spec: { schedule: "@daily", jobTemplate: { spec: { template: { spec: unsafe } } } },
            };
            assert.deepEqual(
                await checkResource(podSecurityRestricted, { type: "kubernetes:batch/v1:CronJob", props: cronJob }),
                [
                    "The pod sets hostNetwork: true: remove it (host namespaces break isolation).",
                    "The pod sets hostPID: true: remove it (host namespaces break isolation).",
                    'Volume "docker" mounts a hostPath: use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim.',
                    'init container "setup" runs as user 0: run as a non-zero UID.',
                    'init container "setup" is privileged: remove securityContext.privileged.',
                    'init container "setup" adds capabilities SYS_ADMIN: only NET_BIND_SERVICE is allowed.',
                    'init container "setup" binds host port 80: expose it through a Service instead.',
                    'init container "setup" has seccomp profile Unconfined: set seccompProfile.type: RuntimeDefault (pod or container securityContext).',
                ],
            );
        });
    });

    describe("read-only-root-filesystem", () => {
        it("passes the backend Deployment", async () => {
            assert.deepEqual(await checkResource(readOnlyRootFilesystem, { type: DEPLOYMENT, props: backend() }), []);
        });

        it("fails a writable root filesystem", async () => {
            assert.deepEqual(
                await checkResource(readOnlyRootFilesystem, {
                    type: "kubernetes:apps/v1:StatefulSet",
                    props: {
                        spec: { template: { spec: pod({ securityContext: { readOnlyRootFilesystem: false } }).spec } },
                    },
                }),
                [
                    'container "app" can write to its root filesystem: set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it must write (e.g. /tmp).',
                ],
            );
        });
    });

    describe("container-resources", () => {
        it("passes the backend Deployment (no CPU limit on purpose)", async () => {
            assert.deepEqual(await checkResource(containerResources, { type: DEPLOYMENT, props: backend() }), []);
        });

        it("fails missing requests and memory limit, listing what is missing", async () => {
            assert.deepEqual(
                await checkResource(containerResources, {
                    type: "kubernetes:core/v1:Pod",
                    props: pod({ resources: { requests: { memory: "64Mi" } } }),
                }),
                [
                    'container "app" sets no resources.requests.cpu, resources.limits.memory: request CPU and memory (the scheduler and the HPA need them) and limit memory (a leak would otherwise starve the node).',
                ],
            );
        });
    });

    describe("container-probes", () => {
        it("passes the backend Deployment, and a Job without probes", async () => {
            assert.deepEqual(await checkResource(containerProbes, { type: DEPLOYMENT, props: backend() }), []);
            assert.deepEqual(
                await checkResource(containerProbes, {
                    type: "kubernetes:batch/v1:Job",
                    props: { spec: { template: pod({}) } },
                }),
                [],
            );
        });

        it("fails a long-running container without probes", async () => {
            assert.deepEqual(
                await checkResource(containerProbes, {
                    type: "kubernetes:apps/v1:DaemonSet",
                    props: { spec: { template: pod({ livenessProbe: { tcpSocket: { port: 80 } } }) } },
                }),
                [
                    'container "app" has no readinessProbe: add them, so traffic reaches only ready pods and hung ones restart.',
                ],
            );
            assert.deepEqual(await checkResource(containerProbes, { type: "kubernetes:core/v1:Pod", props: pod({}) }), [
                'container "app" has no readinessProbe or livenessProbe: add them, so traffic reaches only ready pods and hung ones restart.',
            ]);
        });
    });

    describe("image-pinned", () => {
        it("tells digests, tags, :latest and untagged references apart (a registry port is no tag)", () => {
            assert.deepEqual(
                [
                    IMAGE,
                    "nginx:1.27.3",
                    "registry.local:5000/team/app:v2",
                    "nginx:latest",
                    "nginx",
                    "registry.local:5000/team/app",
                    "",
                ].map(imagePinning),
                ["digest", "tag", "tag", "latest", "untagged", "untagged", "untagged"],
            );
        });

        it("passes the backend Deployment (by digest) and a version tag", async () => {
            assert.deepEqual(await checkResource(imagePinned, { type: DEPLOYMENT, props: backend() }), []);
            assert.deepEqual(await checkResource(imagePinned, { type: "kubernetes:core/v1:Pod", props: pod({}) }), []);
        });

        it("fails :latest and an untagged image", async () => {
            const props = pod(
                { image: "nginx:latest" },
                { initContainers: [{ name: "init", image: "registry.local:5000/busybox" }] },
            );
            assert.deepEqual(await checkResource(imagePinned, { type: "kubernetes:core/v1:Pod", props }), [
                'container "app" image "nginx:latest" uses :latest, which changes under you: pin it by digest (image@sha256:...) or an explicit version tag.',
                'init container "init" image "registry.local:5000/busybox" has no tag, so it means :latest, which changes under you: pin it by digest (image@sha256:...) or an explicit version tag.',
            ]);
        });
    });

    describe("no-replicas-under-hpa", () => {
        const hpa: StackResourceInput = {
            type: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
            name: "backend-hpa",
            urn: "urn:hpa",
            props: {
                metadata: { name: "backend", namespace: "backend" },
                spec: hpaSpec("backend", { minReplicas: 3, maxReplicas: 20, cpuTargetPercent: 60 }),
            },
        };
        const deployment = (
            props: Record<string, any>,
            extra: Partial<StackResourceInput> = {},
        ): StackResourceInput => ({
            type: DEPLOYMENT,
            name: "backend-deployment",
            urn: "urn:deployment",
            props,
            ...extra,
        });

        it("passes the backend Deployment, which leaves replicas to the HPA", async () => {
            assert.deepEqual(await checkStack(noReplicasUnderHpa, [hpa, deployment(backend())]), []);
        });

        it("passes replicas the cluster defaulted: the state keeps the program's inputs in __inputs", async () => {
            const live = { ...backend(), spec: { ...backend().spec, replicas: 3 }, __inputs: backend() };
            assert.deepEqual(await checkStack(noReplicasUnderHpa, [hpa, deployment(live)]), []);
        });

        it("passes a Deployment with replicas that no HPA targets", async () => {
            const other = {
                metadata: { name: "worker", namespace: "backend" },
                spec: { ...backend().spec, replicas: 2 },
            };
            assert.deepEqual(await checkStack(noReplicasUnderHpa, [hpa, deployment(other)]), []);
        });

        it("fails the targeted Deployment declaring replicas, blaming the Deployment", async () => {
            const props = { ...backend(), spec: { ...backend().spec, replicas: 2 } };
            assert.deepEqual(await checkStack(noReplicasUnderHpa, [hpa, deployment(props)]), [
                {
                    message:
                        "Deployment backend-deployment sets spec.replicas (2) while HPA backend-hpa scales it: every update resets the count the HPA chose; leave replicas unset.",
                    urn: "urn:deployment",
                },
            ]);
        });

        it("finds an auto-named target through the HPA's dependency on its name", async () => {
            const props = { metadata: { namespace: "backend" }, spec: { ...backend().spec, replicas: 2 } };
            const autoNamedHpa = {
                ...hpa,
                props: {
                    ...hpa.props,
                    spec: hpaSpec("backend-1a2b3c", { minReplicas: 1, maxReplicas: 4, cpuTargetPercent: 70 }),
                },
                propertyDependencies: { spec: ["urn:deployment"] },
            };
            assert.deepEqual(await checkStack(noReplicasUnderHpa, [autoNamedHpa, deployment(props)]), [
                {
                    message:
                        "Deployment backend-deployment sets spec.replicas (2) while HPA backend-hpa scales it: every update resets the count the HPA chose; leave replicas unset.",
                    urn: "urn:deployment",
                },
            ]);
        });
    });

    describe("namespace-pod-security-labels", () => {
        it("passes the backend namespace (restricted) and monitoring (privileged, warn and audit restricted)", async () => {
            assert.deepEqual(
                await checkResource(namespacePodSecurityLabels, {
                    type: "kubernetes:core/v1:Namespace",
                    props: { metadata: { name: "backend", labels: namespaceLabels("prod") } },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(namespacePodSecurityLabels, {
                    type: "kubernetes:core/v1:Namespace",
                    props: { metadata: { name: "monitoring", labels: monitoringNamespaceLabels() } },
                }),
                [],
            );
        });

        it("fails a namespace without (or with an invalid) enforce label", async () => {
            assert.deepEqual(
                await checkResource(namespacePodSecurityLabels, {
                    type: "kubernetes:core/v1:Namespace",
                    props: { metadata: { name: "apps" } },
                }),
                [
                    "The namespace has no pod-security.kubernetes.io/enforce label: label it restricted (or the lowest level its pods need, with warn and audit restricted).",
                ],
            );
            const invalid = { metadata: { labels: { "pod-security.kubernetes.io/enforce": "strict" } } };
            assert.deepEqual(
                await checkResource(namespacePodSecurityLabels, {
                    type: "kubernetes:core/v1:Namespace",
                    props: invalid,
                }),
                [
                    "The namespace has an invalid (strict) pod-security.kubernetes.io/enforce label: label it restricted (or the lowest level its pods need, with warn and audit restricted).",
                ],
            );
        });

        it("fails a namespace below restricted that hides what falls short", async () => {
            const baseline = {
                metadata: {
                    labels: {
                        "pod-security.kubernetes.io/enforce": "baseline",
                        "pod-security.kubernetes.io/audit": "restricted",
                    },
                },
            };
            assert.deepEqual(
                await checkResource(namespacePodSecurityLabels, {
                    type: "kubernetes:core/v1:Namespace",
                    props: baseline,
                }),
                [
                    "The namespace enforces only baseline: set pod-security.kubernetes.io/warn: restricted so what falls short of restricted stays visible.",
                ],
            );
        });
    });

    describe("no-default-namespace", () => {
        it("tells where each kind lands: its namespace, the provider's, default, or none", () => {
            assert.equal(
                targetNamespace("kubernetes:core/v1:ConfigMap", { metadata: { namespace: "apps" } }, undefined),
                "apps",
            );
            assert.equal(targetNamespace("kubernetes:core/v1:ConfigMap", { metadata: {} }, "team"), "team");
            assert.equal(
                targetNamespace("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", {}, undefined),
                "default",
            );
            assert.equal(
                targetNamespace("kubernetes:helm.sh/v3:Release", { namespace: "monitoring" }, undefined),
                "monitoring",
            );
            assert.equal(targetNamespace("kubernetes:storage.k8s.io/v1:StorageClass", {}, undefined), undefined);
            assert.equal(targetNamespace("kubernetes:core/v1:Namespace", {}, undefined), undefined);
            assert.equal(targetNamespace("kubernetes:apps/v1:DeploymentPatch", {}, undefined), undefined);
            assert.equal(targetNamespace("kubernetes:yaml/v2:ConfigGroup", {}, undefined), undefined);
            assert.equal(targetNamespace("aws:s3/bucket:Bucket", {}, undefined), undefined);
        });

        it("passes namespaced objects, a provider namespace and cluster-scoped kinds", async () => {
            assert.deepEqual(await checkResource(noDefaultNamespace, { type: DEPLOYMENT, props: backend() }), []);
            const provider = {
                type: "pulumi:providers:kubernetes",
                name: "k8s",
                urn: "urn:k8s",
                props: { namespace: "team" },
            };
            assert.deepEqual(
                await checkResource(noDefaultNamespace, {
                    type: "kubernetes:core/v1:ConfigMap",
                    props: { metadata: { name: "c" } },
                    provider,
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(noDefaultNamespace, {
                    type: "kubernetes:storage.k8s.io/v1:StorageClass",
                    props: { metadata: { name: "gp3" } },
                }),
                [],
            );
        });

        it("fails an object without a namespace, one in default, and a Helm release without one", async () => {
            const message =
                "This lands in the default namespace: set metadata.namespace (namespace for Helm) to the namespace the component owns.";
            assert.deepEqual(
                await checkResource(noDefaultNamespace, {
                    type: "kubernetes:core/v1:ConfigMap",
                    props: { metadata: { name: "c" } },
                }),
                [message],
            );
            assert.deepEqual(
                await checkResource(noDefaultNamespace, {
                    type: DEPLOYMENT,
                    props: { ...backend(), metadata: { name: "backend", namespace: "default" } },
                }),
                [message],
            );
            assert.deepEqual(
                await checkResource(noDefaultNamespace, {
                    type: "kubernetes:helm.sh/v3:Release",
                    props: { chart: "redis" },
                }),
                [message],
            );
        });
    });
});
