// Workload rules: the pod specs of every workload kind (Pod Security, root filesystem, resources,
// probes, images), HPA targets, namespaces' Pod Security labels and where objects land.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { Check, Props } from "./shared";
import { asList, declaredK8s, dependenciesOf, HELM_TYPES, resourcePolicy, TYPES } from "./shared";

const POD_SPEC: Readonly<Record<string, (props: Props) => Props | undefined>> = {
    "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
    "kubernetes:apps/v1:ReplicaSet": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:Job": (p) => p.spec?.template?.spec,
    "kubernetes:batch/v1:CronJob": (p) => p.spec?.jobTemplate?.spec?.template?.spec,
    "kubernetes:core/v1:Pod": (p) => p.spec,
};
export const WORKLOAD_TYPES = Object.keys(POD_SPEC);
/** Workloads that serve until replaced (Jobs finish: probes would only get in the way). */
const LONG_RUNNING_TYPES = WORKLOAD_TYPES.filter((type) => !type.startsWith("kubernetes:batch/"));

export function podSpecOf(type: string, props: Props): Props | undefined {
    return POD_SPEC[type]?.(props);
}

interface ContainerRef {
    readonly container: Props;
    readonly label: string;
}

type ContainerList = "containers" | "initContainers" | "ephemeralContainers";
const CONTAINER_LABELS: Readonly<Record<ContainerList, string>> = {
    containers: "container",
    initContainers: "init container",
    ephemeralContainers: "ephemeral container",
};

export function containersOf(podSpec: Props, lists: readonly ContainerList[]): ContainerRef[] {
    return lists.flatMap((list) =>
        asList(podSpec[list]).map((container) => ({
            container,
            label: `${CONTAINER_LABELS[list]} "${container?.name ?? "?"}"`,
        })),
    );
}

/** A check over a workload's pod spec. */
function workloadCheck(check: (podSpec: Props, type: string) => string[]): Check {
    return (props, args) => {
        const podSpec = podSpecOf(args.type, props);
        return podSpec === undefined ? [] : check(podSpec, args.type);
    };
}

const SECCOMP_OK = new Set(["RuntimeDefault", "Localhost"]);

/** Pod Security Standards `restricted` (which includes `baseline`), for one pod spec. */
export function podSecurityProblems(podSpec: Props): string[] {
    const pod = podSpec.securityContext ?? {};
    const problems: string[] = [];
    for (const field of ["hostNetwork", "hostPID", "hostIPC"]) {
        if (podSpec[field] === true)
            problems.push(`The pod sets ${field}: true: remove it (host namespaces break isolation).`);
    }
    for (const volume of asList(podSpec.volumes).filter((v) => v?.hostPath !== undefined)) {
        problems.push(
            `Volume "${volume.name}" mounts a hostPath: use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim.`,
        );
    }
    for (const { container, label } of containersOf(podSpec, ["containers", "initContainers", "ephemeralContainers"])) {
        const context = container.securityContext ?? {};
        if ((context.runAsNonRoot ?? pod.runAsNonRoot) !== true)
            problems.push(
                `${label} may run as root: set runAsNonRoot: true (pod or container securityContext) and a non-zero runAsUser.`,
            );
        if ((context.runAsUser ?? pod.runAsUser) === 0)
            problems.push(`${label} runs as user 0: run as a non-zero UID.`);
        if (context.privileged === true) problems.push(`${label} is privileged: remove securityContext.privileged.`);
        if (context.allowPrivilegeEscalation !== false)
            problems.push(`${label} may escalate privileges: set securityContext.allowPrivilegeEscalation: false.`);
        if (!asList(context.capabilities?.drop).includes("ALL"))
            problems.push(`${label} keeps Linux capabilities: set securityContext.capabilities.drop: ["ALL"].`);
        const added = asList(context.capabilities?.add).filter((capability) => capability !== "NET_BIND_SERVICE");
        if (added.length > 0)
            problems.push(`${label} adds capabilities ${added.join(", ")}: only NET_BIND_SERVICE is allowed.`);
        for (const port of asList(container.ports).filter((p) => p?.hostPort))
            problems.push(`${label} binds host port ${port.hostPort}: expose it through a Service instead.`);
        const seccomp = context.seccompProfile?.type ?? pod.seccompProfile?.type;
        if (!SECCOMP_OK.has(seccomp))
            problems.push(
                `${label} has seccomp profile ${seccomp ?? "unset"}: set seccompProfile.type: RuntimeDefault (pod or container securityContext).`,
            );
    }
    return problems;
}

export const podSecurityRestricted = resourcePolicy(
    "pod-security-restricted",
    "Workloads meet Pod Security `restricted`: non-root, no privilege escalation, capabilities dropped, seccomp RuntimeDefault, no host access.",
    WORKLOAD_TYPES,
    workloadCheck(podSecurityProblems),
);

export const readOnlyRootFilesystem = resourcePolicy(
    "read-only-root-filesystem",
    "Containers run with a read-only root filesystem.",
    WORKLOAD_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers", "initContainers"])
            .filter(({ container }) => container.securityContext?.readOnlyRootFilesystem !== true)
            .map(
                ({ label }) =>
                    `${label} can write to its root filesystem: set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where it must write (e.g. /tmp).`,
            ),
    ),
);

export const containerResources = resourcePolicy(
    "container-resources",
    "Containers request CPU and memory and limit memory.",
    WORKLOAD_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers", "initContainers"]).flatMap(({ container, label }) => {
            const resources = container.resources ?? {};
            const missing = [
                resources.requests?.cpu === undefined ? "requests.cpu" : "",
                resources.requests?.memory === undefined ? "requests.memory" : "",
                resources.limits?.memory === undefined ? "limits.memory" : "",
            ].filter(Boolean);
            return missing.length === 0
                ? []
                : [
                      `${label} sets no resources.${missing.join(", resources.")}: request CPU and memory (the scheduler and the HPA need them) and limit memory (a leak would otherwise starve the node).`,
                  ];
        }),
    ),
);

export const containerProbes = resourcePolicy(
    "container-probes",
    "Long-running containers have readiness and liveness probes.",
    LONG_RUNNING_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers"]).flatMap(({ container, label }) => {
            const missing = ["readinessProbe", "livenessProbe"].filter((probe) => container[probe] === undefined);
            return missing.length === 0
                ? []
                : [
                      `${label} has no ${missing.join(" or ")}: add them, so traffic reaches only ready pods and hung ones restart.`,
                  ];
        }),
    ),
);

export type ImagePinning = "digest" | "tag" | "latest" | "untagged";

/** How an image reference is pinned. A registry port ("host:5000/app") is not a tag. */
export function imagePinning(image: string): ImagePinning {
    if (/@[a-z0-9]+:[a-f0-9]{32,}$/.test(image)) return "digest";
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.lastIndexOf(":");
    if (colon < 0) return "untagged";
    return lastSegment.slice(colon + 1) === "latest" ? "latest" : "tag";
}

export const imagePinned = resourcePolicy(
    "image-pinned",
    "Container images are pinned by digest or an explicit version tag, never :latest.",
    WORKLOAD_TYPES,
    workloadCheck((podSpec) =>
        containersOf(podSpec, ["containers", "initContainers", "ephemeralContainers"]).flatMap(
            ({ container, label }) => {
                const image = String(container.image ?? "");
                const pinning = imagePinning(image);
                if (pinning === "digest" || pinning === "tag") return [];
                const why = pinning === "latest" ? "uses :latest" : "has no tag, so it means :latest";
                return [
                    `${label} image "${image}" ${why}, which changes under you: pin it by digest (image@sha256:...) or an explicit version tag.`,
                ];
            },
        ),
    ),
);

const HPA_TYPES = new Set([
    "kubernetes:autoscaling/v1:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler",
]);
const SCALE_TARGET_TYPES: Readonly<Record<string, string>> = {
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
};

export const noReplicasUnderHpa: StackValidationPolicy = {
    name: "no-replicas-under-hpa",
    description: "A workload an HPA scales declares no spec.replicas (every update would reset the HPA's count).",
    validateStack: (args, reportViolation) => {
        for (const hpa of args.resources.filter((r) => HPA_TYPES.has(r.type))) {
            const declared = declaredK8s(hpa);
            const ref = declared.spec?.scaleTargetRef ?? {};
            const targetType = SCALE_TARGET_TYPES[ref.kind];
            if (targetType === undefined) continue;
            const namespace = declared.metadata?.namespace;
            const targets = args.resources.filter((r) => {
                if (r.type !== targetType) return false;
                // By name, or through the name Output the HPA took from the workload (auto-named ones).
                const meta = declaredK8s(r).metadata ?? {};
                const name = meta.name ?? r.props.metadata?.name;
                return (name === ref.name && meta.namespace === namespace) || dependenciesOf(hpa, "spec").includes(r);
            });
            for (const target of targets.filter((t) => declaredK8s(t).spec?.replicas !== undefined)) {
                reportViolation(
                    `${ref.kind} ${target.name} sets spec.replicas (${declaredK8s(target).spec.replicas}) while HPA ${hpa.name} scales it: every update resets the count the HPA chose; leave replicas unset.`,
                    target.urn,
                );
            }
        }
    },
};

export const POD_SECURITY_LEVELS = ["privileged", "baseline", "restricted"] as const;
const PSS = "pod-security.kubernetes.io";

export const namespacePodSecurityLabels = resourcePolicy(
    "namespace-pod-security-labels",
    "Namespaces carry a Pod Security enforce label; below restricted, warn and audit stay restricted.",
    [TYPES.namespace],
    (props) => {
        const labels: Props = props.metadata?.labels ?? {};
        const enforce = labels[`${PSS}/enforce`];
        if (!(POD_SECURITY_LEVELS as readonly string[]).includes(enforce)) {
            return [
                `The namespace has ${enforce === undefined ? "no" : `an invalid (${enforce})`} ${PSS}/enforce label: label it restricted (or the lowest level its pods need, with warn and audit restricted).`,
            ];
        }
        if (enforce === "restricted") return [];
        return ["warn", "audit"]
            .filter((mode) => labels[`${PSS}/${mode}`] !== "restricted")
            .map(
                (mode) =>
                    `The namespace enforces only ${enforce}: set ${PSS}/${mode}: restricted so what falls short of restricted stays visible.`,
            );
    },
);

/** Kinds that live outside namespaces (a CustomResource is taken as namespaced). */
const CLUSTER_SCOPED_KINDS = new Set([
    "APIService",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CSIDriver",
    "CSINode",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "PersistentVolume",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
]);

/** The namespace a resource lands in, or undefined when it has none (cluster-scoped, not Kubernetes). */
export function targetNamespace(type: string, props: Props, providerNamespace: unknown): string | undefined {
    if (!type.startsWith("kubernetes:")) return undefined;
    const explicit = HELM_TYPES.has(type) ? props.namespace : props.metadata?.namespace;
    if (!HELM_TYPES.has(type)) {
        const kind = type.split(":")[2];
        if (
            CLUSTER_SCOPED_KINDS.has(kind) ||
            kind.endsWith("Patch") ||
            kind.endsWith("List") ||
            type.startsWith("kubernetes:yaml") ||
            type.startsWith("kubernetes:kustomize")
        )
            return undefined;
    }
    // An empty namespace means "not set", as for the API server.
    if (typeof explicit === "string" && explicit !== "") return explicit;
    return typeof providerNamespace === "string" && providerNamespace !== "" ? providerNamespace : "default";
}

export const noDefaultNamespace: ResourceValidationPolicy = {
    name: "no-default-namespace",
    description:
        "Nothing is deployed to the `default` namespace (it has no Pod Security labels and belongs to everyone).",
    validateResource: (args, reportViolation) => {
        const namespace = targetNamespace(args.type, args.props, args.provider?.props?.namespace);
        if (namespace === "default") {
            reportViolation(
                "This lands in the default namespace: set metadata.namespace (namespace for Helm) to the namespace the component owns.",
            );
        }
    },
};
