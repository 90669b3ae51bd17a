// The EKS control plane (standard or extended support, judged by the version's dates at the
// estimate's date, never the clock), its CloudWatch log group, and the KMS keys.
import type { RecordedResource } from "../testing/engine";
import { findings, Findings, fixed, formatNumber, Line, ofType, Scope, Unpriced } from "./model";

export const EKS_CLUSTER = "eks:index:Cluster";
export const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const KMS_KEY = "aws:kms/key:Key";
/** A month in days: 730 hours. */
const DAYS_PER_MONTH = 730 / 24;

/**
 * What the cluster pays for at `scope.at`. EKS's own default upgrade policy is EXTENDED: a cluster
 * that says nothing stays on its version past standard support and pays extended support.
 */
export function supportOf(
    scope: Scope,
    version: string,
    supportType: string,
): { extended: boolean; phase: string; assumption: string } | { unknown: string } {
    const dates = scope.table.kubernetesVersions[version];
    const policy = `upgradePolicy.supportType ${supportType}`;
    if (!dates) {
        // STANDARD never pays extended support, whatever the dates: only the upgrade date is unknown.
        if (supportType === "STANDARD")
            return {
                extended: false,
                phase: "standard",
                assumption: `the price table has no support dates for Kubernetes ${version}: with ${policy} EKS upgrades it when standard support ends, never billing extended support`,
            };
        return {
            unknown: `the price table has no support dates for Kubernetes ${version}, so standard and extended support (${policy}) cannot be told apart`,
        };
    }
    const { endOfStandardSupport: standardEnds, endOfExtendedSupport: extendedEnds } = dates;
    if (scope.at >= extendedEnds)
        return {
            extended: false,
            phase: "standard",
            assumption: `Kubernetes ${version}'s extended support ended on ${extendedEnds}: EKS has upgraded the control plane to a supported minor, priced at standard support`,
        };
    if (scope.at >= standardEnds) {
        if (supportType === "STANDARD")
            return {
                extended: false,
                phase: "standard",
                assumption: `Kubernetes ${version} left standard support on ${standardEnds}: with ${policy} EKS upgraded the control plane to the next minor that day, priced at standard support`,
            };
        return {
            extended: true,
            phase: "extended",
            assumption: `Kubernetes ${version} is in extended support from ${standardEnds} until ${extendedEnds} (${policy}), when EKS upgrades it`,
        };
    }
    return {
        extended: false,
        phase: "standard",
        assumption:
            supportType === "STANDARD"
                ? `Kubernetes ${version} is in standard support until ${standardEnds}: with ${policy} EKS will force an upgrade to the next minor on ${standardEnds}, never billing extended support`
                : `Kubernetes ${version} is in standard support until ${standardEnds}; with ${policy} it then stays, in extended support at the extended price, until ${extendedEnds}`,
    };
}

export function controlPlanes(scope: Scope): Findings {
    const result = findings();
    for (const cluster of ofType(scope, EKS_CLUSTER)) {
        const version = String(cluster.inputs.version ?? "");
        const supportType = String(cluster.inputs.upgradePolicy?.supportType ?? "EXTENDED");
        const support = supportOf(scope, version, supportType);
        if ("unknown" in support) {
            result.unpriced.push({
                resource: cluster.name,
                type: cluster.type,
                description: `EKS control plane (Kubernetes ${version})`,
                reason: support.unknown,
                kind: "unknown",
            });
            continue;
        }
        result.lines.push({
            resource: cluster.name,
            type: cluster.type,
            description: `EKS control plane (Kubernetes ${version}, ${support.phase} support)`,
            quantity: fixed(1),
            unit: "cluster-hour",
            price: support.extended ? ["eks", "extendedSupportClusterHour"] : ["eks", "clusterHour"],
            assumption: support.assumption,
        });
    }
    return result;
}

/** The cluster whose control-plane logs a log group holds: EKS writes to /aws/eks/<name>/cluster. */
function clusterLoggingTo(scope: Scope, logGroup: RecordedResource): RecordedResource | undefined {
    return ofType(scope, EKS_CLUSTER).find((c) => `/aws/eks/${c.inputs.name}/cluster` === logGroup.inputs.name);
}

/** Ingestion at the assumed GB per enabled log type, and storage as the retention keeps it. */
export function controlPlaneLogs(scope: Scope): Findings {
    const result = findings();
    for (const group of ofType(scope, LOG_GROUP)) {
        const base = { resource: group.name, type: group.type };
        const cluster = clusterLoggingTo(scope, group);
        const logClass = String(group.inputs.logGroupClass ?? "STANDARD");
        const unknown = (reason: string): void => {
            result.unpriced.push({ ...base, description: `log group ${group.inputs.name}`, reason, kind: "unknown" });
        };
        if (!cluster) {
            unknown("only EKS control-plane log groups have an ingestion assumption (cost/assumptions.ts)");
            continue;
        }
        if (logClass !== "STANDARD") {
            unknown(`the ${logClass} log class is not in the price table`);
            continue;
        }
        const types: string[] = cluster.inputs.enabledClusterLogTypes ?? [];
        const perType = scope.assumptions.controlPlaneLogGbPerMonth as Readonly<Record<string, number>>;
        const missing = types.filter((t) => perType[t] === undefined);
        if (missing.length > 0) {
            unknown(`no ingestion assumption for log type(s) ${missing.join(", ")}`);
            continue;
        }
        const gb = types.reduce((sum, t) => sum + perType[t], 0);
        const retention = Number(group.inputs.retentionInDays ?? 0);
        result.lines.push({
            ...base,
            description: `control-plane log ingestion (${types.join(", ") || "no log types"})`,
            quantity: fixed(gb),
            unit: "GB",
            price: ["cloudwatchLogs", "ingestionGb"],
            assumption: `${types.map((t) => `${t} ${formatNumber(perType[t])}`).join(", ")} GB a month (assumed per enabled log type)`,
        });
        if (retention > 0) {
            const stored = (gb / DAYS_PER_MONTH) * retention;
            const kept = `${retention} day${retention === 1 ? "" : "s"}`;
            result.lines.push({
                ...base,
                description: `control-plane log storage (kept ${kept})`,
                quantity: fixed(stored),
                unit: "GB-month",
                price: ["cloudwatchLogs", "storageGbMonth"],
                assumption: `${formatNumber(gb)} GB a month kept ${kept}; counted uncompressed, an upper bound (CloudWatch bills the compressed size)`,
            });
        } else {
            result.unpriced.push({
                ...base,
                description: "control-plane log storage",
                reason: `the log group never expires: storage grows by ${formatNumber(gb)} GB every month`,
                kind: "not modelled",
            });
        }
    }
    return result;
}

export function kmsKeys(scope: Scope): Findings {
    const lines: Line[] = ofType(scope, KMS_KEY).map((key) => ({
        resource: key.name,
        type: key.type,
        description: "KMS customer managed key",
        quantity: fixed(1),
        unit: "key-month",
        price: ["kms", "keyMonth"],
        ...(key.inputs.enableKeyRotation
            ? {
                  assumption:
                      "its first year: each of the first two yearly rotations adds $1 a month; requests are not modelled",
              }
            : {}),
    }));
    const unpriced: Unpriced[] =
        lines.length > 0
            ? [
                  {
                      description: "KMS requests",
                      reason: "the cluster's envelope encryption makes a few thousand a month, within the 20,000 free",
                      kind: "not modelled",
                  },
              ]
            : [];
    return findings(lines, unpriced);
}
