// EBS volumes the EBS CSI driver creates for volume claims: the claim templates the Helm releases'
// values configure (replicas x size), and claims or StatefulSet templates among the recorded
// Kubernetes objects. Every volume, persistence switch or LoadBalancer Service found in a chart's
// values that is not priced here comes back as unknown, and so does a chart whose defaults were
// never reviewed: the coverage tests fail on either.
import type { RecordedResource } from "../testing/engine";
import { findings, Findings, Line, ofType, Scope, Unpriced } from "./model";

export const HELM_RELEASE = "kubernetes:helm.sh/v3:Release";
export const STORAGE_CLASS = "kubernetes:storage.k8s.io/v1:StorageClass";
export const PVC = "kubernetes:core/v1:PersistentVolumeClaim";
export const STATEFUL_SET = "kubernetes:apps/v1:StatefulSet";
const EBS_PROVISIONERS = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

/**
 * Charts whose defaults were read for volumes and load balancers: none creates either unless its
 * values say so (kube-prometheus-stack 88.5.3: Prometheus and Alertmanager on emptyDir, Grafana
 * without persistence, every Service ClusterIP; the others run stateless pods behind ClusterIP
 * Services or none). A chart not listed here is unknown until someone reads its defaults.
 */
export const REVIEWED_CHARTS: readonly string[] = [
    "kube-prometheus-stack",
    "prometheus-operator-crds",
    "aws-load-balancer-controller",
    "cluster-autoscaler",
];

/** Where a chart's values hold a claim template, and how many volumes the chart makes of it. */
interface ClaimTemplate {
    readonly path: string;
    readonly what: string;
    readonly copies: (values: Record<string, any>) => { count: number; how: string };
}

export const CHART_CLAIM_TEMPLATES: Readonly<Record<string, readonly ClaimTemplate[]>> = {
    "kube-prometheus-stack": [
        {
            path: "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate",
            what: "Prometheus",
            copies: (values) => {
                const spec = values.prometheus?.prometheusSpec ?? {};
                const replicas = Number(spec.replicas ?? 1);
                const shards = Number(spec.shards ?? 1);
                return { count: replicas * shards, how: `${replicas} replica(s) x ${shards} shard(s)` };
            },
        },
        {
            path: "alertmanager.alertmanagerSpec.storage.volumeClaimTemplate",
            what: "Alertmanager",
            copies: (values) => {
                const replicas = Number(values.alertmanager?.alertmanagerSpec?.replicas ?? 1);
                return { count: replicas, how: `${replicas} replica(s)` };
            },
        },
    ],
};

/** Kubernetes quantities ("10Gi", "500M") in GiB, rounded up as the EBS CSI driver sizes volumes. */
export function gibOf(quantity: unknown): number | undefined {
    const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?$/.exec(String(quantity ?? "").trim());
    if (!match) return undefined;
    const factor: Record<string, number> = {
        "": 1,
        Ki: 2 ** 10,
        Mi: 2 ** 20,
        Gi: 2 ** 30,
        Ti: 2 ** 40,
        Pi: 2 ** 50,
        k: 1e3,
        M: 1e6,
        G: 1e9,
        T: 1e12,
        P: 1e15,
    };
    const bytes = Number(match[1]) * factor[match[2] ?? ""];
    return bytes > 0 ? Math.ceil(bytes / 2 ** 30) : undefined;
}

/** A gp3 EBS StorageClass this program creates, by name or as the default class. */
function storageClassProblem(scope: Scope, name: string | undefined): string | undefined {
    const classes = ofType(scope, STORAGE_CLASS);
    const chosen = name
        ? classes.find((c) => c.inputs.metadata?.name === name)
        : classes.find(
              (c) => c.inputs.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true",
          );
    if (!chosen)
        return name ? `StorageClass ${name} is not one this program creates` : "no default StorageClass is recorded";
    const parameters = chosen.inputs.parameters ?? {};
    if (!EBS_PROVISIONERS.includes(chosen.inputs.provisioner) || parameters.type !== "gp3")
        return `StorageClass ${chosen.inputs.metadata?.name} does not make gp3 EBS volumes`;
    if (Number(parameters.iops ?? 0) > 3000 || Number(parameters.throughput ?? 0) > 125)
        return `StorageClass ${chosen.inputs.metadata?.name} provisions IOPS or throughput above gp3's included baseline`;
    return undefined;
}

/** A claim spec priced as `count` gp3 volumes, or why it cannot be. */
function claimLine(
    scope: Scope,
    owner: RecordedResource,
    spec: Record<string, any> | undefined,
    count: number,
    description: string,
    how: string,
): Line | Unpriced {
    const gib = gibOf(spec?.resources?.requests?.storage);
    const problem =
        gib === undefined
            ? `its storage request ${JSON.stringify(spec?.resources?.requests?.storage)} is not a size`
            : storageClassProblem(scope, spec?.storageClassName);
    if (problem !== undefined)
        return { resource: owner.name, type: owner.type, description, reason: problem, kind: "unknown" };
    return {
        resource: owner.name,
        type: owner.type,
        description: `${description}: ${count} x ${gib} GiB gp3`,
        quantity: { min: count * gib!, expected: count * gib!, max: count * gib! },
        unit: "GB-month",
        price: ["ebs", "gp3GbMonth"],
        assumption: `${how}, one ${gib} GiB volume each`,
    };
}

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Everything in a chart's values that makes a controller create a billable resource, by path. */
export function billableValues(values: unknown, at = ""): { path: string; what: string }[] {
    const found: { path: string; what: string }[] = [];
    const join = (key: string | number) => (at === "" ? String(key) : `${at}.${key}`);
    if (Array.isArray(values)) {
        values.forEach((v, i) => found.push(...billableValues(v, join(i))));
    } else if (isObject(values)) {
        for (const [key, value] of Object.entries(values)) {
            if (key === "volumeClaimTemplate" && isObject(value))
                found.push({ path: join(key), what: "a volume claim template" });
            else if (key === "volumeClaimTemplates" && Array.isArray(value))
                value.forEach((_, i) => found.push({ path: `${join(key)}.${i}`, what: "a volume claim template" }));
            else if ((key === "persistence" || key === "persistentVolume") && isObject(value) && value.enabled === true)
                found.push({ path: join(key), what: "a persistent volume" });
            else if (key === "ingress" && isObject(value) && value.enabled === true)
                found.push({ path: join(key), what: "an Ingress (an ALB)" });
            else if (key === "type" && value === "LoadBalancer")
                found.push({ path: at, what: "a LoadBalancer Service" });
            found.push(...billableValues(value, join(key)));
        }
    }
    return found;
}

const at = (values: Record<string, any>, path: string): any =>
    path.split(".").reduce<any>((v, key) => (isObject(v) || Array.isArray(v) ? (v as any)[key] : undefined), values);

export function releaseVolumes(scope: Scope): Findings {
    const result = findings();
    for (const release of ofType(scope, HELM_RELEASE)) {
        const chart = String(release.inputs.chart);
        const values: Record<string, any> = isObject(release.inputs.values) ? release.inputs.values : {};
        const base = { resource: release.name, type: release.type };
        if (!REVIEWED_CHARTS.includes(chart))
            result.unpriced.push({
                ...base,
                description: `chart ${chart}`,
                reason: "its defaults were never read for volumes and load balancers (cost/volumes.ts REVIEWED_CHARTS)",
                kind: "unknown",
            });
        const templates = CHART_CLAIM_TEMPLATES[chart] ?? [];
        for (const found of billableValues(values)) {
            const template = templates.find((t) => t.path === found.path);
            if (!template) {
                result.unpriced.push({
                    ...base,
                    description: `${found.what} at ${found.path} in chart ${chart}'s values`,
                    reason: "no price rule for it (cost/volumes.ts CHART_CLAIM_TEMPLATES)",
                    kind: "unknown",
                });
                continue;
            }
            const { count, how } = template.copies(values);
            const line = claimLine(
                scope,
                release,
                at(values, template.path)?.spec,
                count,
                `${template.what} volumes`,
                how,
            );
            if ("kind" in line) result.unpriced.push(line);
            else result.lines.push(line);
        }
    }
    return result;
}

/** Claims and StatefulSet claim templates among the recorded objects (the program makes none today). */
export function objectVolumes(scope: Scope): Findings {
    const result = findings();
    const add = (line: Line | Unpriced) => ("kind" in line ? result.unpriced.push(line) : result.lines.push(line));
    for (const claim of ofType(scope, PVC))
        add(claimLine(scope, claim, claim.inputs.spec, 1, "claimed volume", "one claim"));
    for (const set of ofType(scope, STATEFUL_SET)) {
        const replicas = Number(set.inputs.spec?.replicas ?? 1);
        for (const template of set.inputs.spec?.volumeClaimTemplates ?? [])
            add(
                claimLine(
                    scope,
                    set,
                    template.spec,
                    replicas,
                    `${template.metadata?.name ?? "claim"} volumes`,
                    `${replicas} replica(s)`,
                ),
            );
    }
    return result;
}
