// A modeled cold `pulumi up`: each resource starts when everything the engine makes it wait for
// (the recorded dependencies: dependsOn and every Output it takes) is done, and takes the typical
// creation time of its kind. The longest chain is the deploy's wall time; printing it lets a
// reviewer see when a change serializes the deploy. A model, not a measurement: the figures are
// typical minutes, with their sources, not this account's.
import type { RecordedResource, StackRun } from "../testing/engine";

export interface Duration {
    readonly minutes: number;
    readonly source: string;
}

const AWS_QUICK: Duration = { minutes: 0.05, source: "a single synchronous API call" };
const K8S_OBJECT: Duration = { minutes: 0.05, source: "one API-server write, no rollout" };
const NONE: Duration = { minutes: 0, source: "no cloud call (provider, component or local value)" };

/** Typical creation minutes by type token; Helm releases and EKS add-ons by what they install. */
export const CREATION_MINUTES: Readonly<Record<string, Duration>> = {
    "pulumi:pulumi:Stack": NONE,
    "pulumi:providers:aws": NONE,
    "pulumi:providers:kubernetes": NONE,
    "random:index/randomPassword:RandomPassword": NONE,
    "aws:ec2/vpc:Vpc": { minutes: 0.1, source: "CreateVpc, then available within seconds" },
    "aws:ec2/subnet:Subnet": { minutes: 0.1, source: "CreateSubnet, available within seconds" },
    "aws:ec2/internetGateway:InternetGateway": AWS_QUICK,
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": AWS_QUICK,
    "aws:ec2/routeTable:RouteTable": AWS_QUICK,
    "aws:ec2/route:Route": AWS_QUICK,
    "aws:ec2/routeTableAssociation:RouteTableAssociation": AWS_QUICK,
    "aws:ec2/eip:Eip": AWS_QUICK,
    "aws:ec2/natGateway:NatGateway": {
        minutes: 2,
        source: "a NAT gateway is pending for one to a few minutes (AWS VPC user guide; Terraform's aws_nat_gateway waits ~2 min)",
    },
    "aws:ec2/securityGroupRule:SecurityGroupRule": AWS_QUICK,
    "aws:ec2/launchTemplate:LaunchTemplate": AWS_QUICK,
    "aws:kms/key:Key": { minutes: 0.08, source: "CreateKey, enabled at once" },
    "aws:kms/alias:Alias": AWS_QUICK,
    "aws:cloudwatch/logGroup:LogGroup": AWS_QUICK,
    "aws:iam/role:Role": { minutes: 0.1, source: "CreateRole, plus IAM's propagation delay" },
    "aws:iam/policy:Policy": AWS_QUICK,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": AWS_QUICK,
    "aws:ecr/repository:Repository": AWS_QUICK,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": AWS_QUICK,
    "docker-build:index:Image": { minutes: 3, source: "building app/ with npm ci and tsc, then pushing ~60 MB" },
    "eks:index:Cluster": {
        minutes: 10,
        source: "EKS control plane creation, ~10 min (AWS EKS user guide: 'several minutes'; measured by the issue), with its OIDC provider, vpc-cni and kube-proxy",
    },
    "eks:index:ManagedNodeGroup": { minutes: 3, source: "a managed node group's instances launch and join, ~3 min" },
    "kubernetes:apps/v1:Deployment": {
        minutes: 2.5,
        source: "a rollout whose pods wait for the NLB readiness gate: the target group's health checks (10 s interval)",
    },
    "kubernetes:core/v1:Service": {
        minutes: 0.5,
        source: "a LoadBalancer Service is ready when the controller has created the NLB and set its hostname",
    },
    "kubernetes:core/v1:Namespace": K8S_OBJECT,
    "kubernetes:core/v1:ServiceAccount": K8S_OBJECT,
    "kubernetes:core/v1:Secret": K8S_OBJECT,
    "kubernetes:core/v1:ConfigMap": K8S_OBJECT,
    "kubernetes:core/v1:ResourceQuota": K8S_OBJECT,
    "kubernetes:core/v1:LimitRange": K8S_OBJECT,
    "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": K8S_OBJECT,
    "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": K8S_OBJECT,
    "kubernetes:policy/v1:PodDisruptionBudget": K8S_OBJECT,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": K8S_OBJECT,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": K8S_OBJECT,
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": K8S_OBJECT,
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy": K8S_OBJECT,
    "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding": K8S_OBJECT,
    "kubernetes:storage.k8s.io/v1:StorageClass": K8S_OBJECT,
    "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": {
        minutes: 0.05,
        source: "one API-server write; the CRD is established within seconds",
    },
    "kubernetes:monitoring.coreos.com/v1:PrometheusRule": K8S_OBJECT,
    "kubernetes:monitoring.coreos.com/v1:ServiceMonitor": K8S_OBJECT,
    "kubernetes:monitoring.coreos.com/v1:PodMonitor": K8S_OBJECT,
};

/**
 * A Deployment no LoadBalancer Service selects gets no NLB readiness gate (the controller injects one
 * only for pods a target group registers): its rollout is the pull, the start and the probes.
 */
export const UNGATED_DEPLOYMENT: Duration = {
    minutes: 1,
    source:
        "a rollout without a readiness gate (no LoadBalancer Service selects its pods): scheduling on a node with room, " +
        "pulling the ~60 MB image from ECR in the region (~10-20 s), the startup probe (2 s period) and one readiness " +
        "probe (5 s period); a node the Cluster Autoscaler must add first would add ~3 min",
};

/** pulumi-kubernetes waits until a Service with a selector has a ready endpoint: a pod it selects is ready. */
export const CLUSTER_IP_SERVICE: Duration = {
    minutes: 1,
    source: "a ClusterIP Service is ready at its first ready endpoint: the pods it selects, ungated, ~1 min as their rollout",
};

const LOAD_BALANCER = (r: RecordedResource): boolean =>
    r.type === "kubernetes:core/v1:Service" && r.inputs.spec?.type === "LoadBalancer";

/** True if `service` selects the pods of `deployment`: the same namespace, its selector within their labels. */
function selects(service: RecordedResource, deployment: RecordedResource): boolean {
    const selector: Record<string, string> = service.inputs.spec?.selector ?? {};
    const labels: Record<string, string> = deployment.inputs.spec?.template?.metadata?.labels ?? {};
    return (
        Object.keys(selector).length > 0 &&
        service.inputs.metadata?.namespace === deployment.inputs.metadata?.namespace &&
        Object.entries(selector).every(([key, value]) => labels[key] === value)
    );
}

/** Helm releases by chart: pulling images and waiting for every pod (atomic, wait). */
export const CHART_MINUTES: Readonly<Record<string, Duration>> = {
    "kube-prometheus-stack": {
        minutes: 3.5,
        source: "Prometheus, Alertmanager and Grafana images, volumes bound and attached, ~3.5 min",
    },
    "prometheus-operator-crds": { minutes: 0.3, source: "CRDs only, no pods" },
    "aws-load-balancer-controller": { minutes: 1, source: "two small pods and the webhook's certificate" },
    "cluster-autoscaler": { minutes: 1, source: "one small pod" },
};

/** EKS add-ons by name: the add-on is ACTIVE once its pods run. */
export const ADDON_MINUTES: Readonly<Record<string, Duration>> = {
    coredns: { minutes: 1, source: "two coredns pods" },
    "aws-ebs-csi-driver": { minutes: 1.2, source: "controller and node DaemonSet pods, ~1.2 min" },
    "metrics-server": { minutes: 1, source: "one metrics-server pod" },
};

/** A provider reference is "<urn>::<id>": a resource also waits for its provider. */
const providerUrn = (reference: string): string => reference.slice(0, reference.lastIndexOf("::"));

/**
 * URNs of recorded resources that an input holds as a resource reference (the engine records them
 * as their URN): a node group handed the cluster object cannot be created before the cluster.
 */
function referencedUrns(value: unknown, byUrn: ReadonlyMap<string, unknown>): string[] {
    if (typeof value === "string") return byUrn.has(value) ? [value] : [];
    if (Array.isArray(value)) return value.flatMap((v) => referencedUrns(v, byUrn));
    if (value !== null && typeof value === "object")
        return Object.values(value).flatMap((v) => referencedUrns(v, byUrn));
    return [];
}

/** Local components take no time themselves: they are done when their children are. */
const isLocalComponent = (r: RecordedResource): boolean => !r.custom && !r.type.includes(":index:");

/** A read creates nothing: the engine fetches state that exists. */
export const READ_MINUTES: Readonly<Record<string, Duration>> = {
    "pulumi:pulumi:StackReference": {
        minutes: 0.05,
        source: "a state read: the referenced stack's latest checkpoint from the backend, decrypted",
    },
};
const READ: Duration = { minutes: 0.05, source: "one read of an existing resource (a Get call), nothing created" };

/**
 * The typical creation time of `r`; `stack`, the stack's other records, decides the per-resource
 * cases: a Deployment is gated only when a LoadBalancer Service of the stack selects its pods.
 */
export function durationOf(r: RecordedResource, stack: readonly RecordedResource[] = []): Duration {
    if (r.read) return READ_MINUTES[r.type] ?? READ;
    if (r.type === "kubernetes:apps/v1:Deployment" && !stack.some((s) => LOAD_BALANCER(s) && selects(s, r)))
        return UNGATED_DEPLOYMENT;
    if (r.type === "kubernetes:core/v1:Service" && r.inputs.spec?.type === "ClusterIP" && r.inputs.spec?.selector)
        return CLUSTER_IP_SERVICE;
    if (r.type === "kubernetes:helm.sh/v3:Release") {
        const chart = CHART_MINUTES[String(r.inputs.chart)];
        if (chart) return chart;
    } else if (r.type === "aws:eks/addon:Addon") {
        const addon = ADDON_MINUTES[String(r.inputs.addonName)];
        if (addon) return addon;
    } else if (isLocalComponent(r)) {
        return NONE;
    } else if (CREATION_MINUTES[r.type]) {
        return CREATION_MINUTES[r.type];
    }
    throw new Error(`deploy-time: no typical creation time for ${r.type} ${r.name}; add it to tools/deploy-time.ts`);
}

export interface Step {
    readonly name: string;
    readonly type: string;
    readonly start: number;
    readonly finish: number;
}

export interface ColdCreate {
    readonly minutes: number;
    /** The longest chain, first resource first. */
    readonly criticalPath: Step[];
}

/** The modeled cold create of a recorded stack. */
export function modelColdCreate(run: StackRun): ColdCreate {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const children = new Map<string, RecordedResource[]>();
    for (const r of run.resources) {
        if (r.parent) children.set(r.parent, [...(children.get(r.parent) ?? []), r]);
    }
    const finish = new Map<string, number>();
    const begins = new Map<string, number>();
    const cause = new Map<string, string | undefined>();
    const visiting = new Set<string>();

    const done = (r: RecordedResource): number => {
        const known = finish.get(r.urn);
        if (known !== undefined) return known;
        if (visiting.has(r.urn)) throw new Error(`deploy-time: a dependency cycle through ${r.name}`);
        visiting.add(r.urn);
        // A local component is done when its children are; anything else when its own work is.
        const waitsFor = isLocalComponent(r)
            ? (children.get(r.urn) ?? [])
            : [...r.dependencies, ...referencedUrns(r.inputs, byUrn), ...(r.provider ? [providerUrn(r.provider)] : [])]
                  .map((urn) => byUrn.get(urn))
                  .filter((d): d is RecordedResource => d !== undefined);
        let start = 0;
        let latest: string | undefined;
        for (const dependency of [...waitsFor].sort((a, b) => a.urn.localeCompare(b.urn))) {
            const at = done(dependency);
            if (at > start) {
                start = at;
                latest = dependency.urn;
            }
        }
        const end = start + durationOf(r, run.resources).minutes;
        visiting.delete(r.urn);
        finish.set(r.urn, end);
        begins.set(r.urn, start);
        cause.set(r.urn, latest);
        return end;
    };

    let last: RecordedResource | undefined;
    for (const r of [...run.resources].sort((a, b) => a.urn.localeCompare(b.urn))) {
        if (last === undefined || done(r) > done(last)) last = r;
    }
    const path: Step[] = [];
    for (let urn = last?.urn; urn !== undefined; urn = cause.get(urn)) {
        const r = byUrn.get(urn)!;
        // Components and providers mark no work of their own on the path.
        if (durationOf(r, run.resources).minutes > 0) {
            path.unshift({ name: r.name, type: r.type, start: begins.get(urn)!, finish: finish.get(urn)! });
        }
    }
    return { minutes: last ? finish.get(last.urn)! : 0, criticalPath: path };
}

const IMAGE_BUILD = "docker-build:index:Image";

/**
 * One line for the plan's printout: the minutes and the chain; when an image build is most of the
 * path, it says so, and what skips it.
 */
export function describeColdCreate(model: ColdCreate): string {
    const chain = model.criticalPath.map((s) => `${s.name} (${(s.finish - s.start).toFixed(2).replace(/\.?0+$/, "")})`);
    const build = model.criticalPath.find((s) => s.type === IMAGE_BUILD && 2 * (s.finish - s.start) > model.minutes);
    const dominated = build
        ? `; the image build (${build.name}, ${(build.finish - build.start).toFixed(1)} of the ${model.minutes.toFixed(1)} min) dominates: a prebuilt image pinned by digest (backend.image) skips it`
        : "";
    return `Modeled cold create: ${model.minutes.toFixed(1)} min; critical path: ${chain.join(" -> ")}${dominated}`;
}
