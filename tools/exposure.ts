// What a security reviewer looks for in the plan printout, one line per fact under its resource:
// who may reach the Kubernetes API and with which access policy, which networks a load balancer and
// a security group rule admit, and which peers a NetworkPolicy lets in or out. Pure, over records.
import type { RecordedResource } from "../testing/engine";

const EVERYONE = "0.0.0.0/0";

const list = (cidrs: unknown): string[] => (Array.isArray(cidrs) ? cidrs.map(String) : []);

/** "public to 0.0.0.0/0" when the list is empty: EKS and the NLB both read an empty list as everyone. */
const admitted = (cidrs: unknown): string => {
    const ranges = list(cidrs);
    return ranges.length === 0 ? `${EVERYONE} (no list: everyone)` : ranges.join(", ");
};

const policyName = (arn: unknown): string => String(arn).split("/").pop() ?? String(arn);

function cluster(inputs: Record<string, any>): string[] {
    const lines = [
        inputs.endpointPublicAccess === false
            ? "API endpoint: private only"
            : `API endpoint: public to ${admitted(inputs.publicAccessCidrs)}, and private`,
    ];
    const entries = Object.values<Record<string, any>>(inputs.accessEntries ?? {});
    // pulumi-eks makes the creating identity admin (bootstrapClusterCreatorAdminPermissions).
    if (entries.length === 0) lines.push("access entries: none but the identity that creates the cluster (admin)");
    for (const entry of entries) {
        const policies = Object.values<Record<string, any>>(entry.accessPolicies ?? {}).map(
            (p) =>
                `${policyName(p.policyArn)} (${
                    p.accessScope?.type === "namespace"
                        ? `namespaces ${list(p.accessScope.namespaces).join(", ")}`
                        : (p.accessScope?.type ?? "cluster")
                })`,
        );
        // What RBAC grants the groups is on the ClusterRoles and bindings that name them.
        const groups = list(entry.kubernetesGroups);
        lines.push(
            `access entry: ${entry.principalArn} -> ${policies.join(", ") || "no access policy"}` +
                (groups.length > 0 ? `; Kubernetes groups ${groups.join(", ")}` : ""),
        );
    }
    return lines;
}

function service(inputs: Record<string, any>): string[] {
    const spec = inputs.spec ?? {};
    if (spec.type !== "LoadBalancer") return [];
    const annotations: Record<string, string> = inputs.metadata?.annotations ?? {};
    const scheme = annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"] ?? "internal (the default)";
    const ports = (spec.ports ?? []).map((p: Record<string, any>) => p.port).join(", ");
    return [`load balancer: ${scheme}, ports ${ports}, admits ${admitted(spec.loadBalancerSourceRanges)}`];
}

function securityGroupRule(inputs: Record<string, any>): string[] {
    const ports = inputs.fromPort === inputs.toPort ? `${inputs.fromPort}` : `${inputs.fromPort}-${inputs.toPort}`;
    const from = inputs.sourceSecurityGroupId
        ? `security group ${inputs.sourceSecurityGroupId}`
        : inputs.self
          ? "itself"
          : list(inputs.cidrBlocks).join(", ") || "nothing";
    return [`${inputs.type} ${inputs.protocol}/${ports} ${inputs.type === "egress" ? "to" : "from"} ${from}`];
}

const selector = (s: Record<string, any> | undefined): string => {
    const labels = Object.entries<string>(s?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    return labels.length === 0 ? "all" : labels.join(",");
};

/** One NetworkPolicy peer, as a reviewer reads it. */
export function peer(p: Record<string, any>): string {
    if (p.ipBlock)
        return `${p.ipBlock.cidr}${p.ipBlock.except?.length ? ` except ${p.ipBlock.except.join(", ")}` : ""}`;
    const parts = [];
    if (p.namespaceSelector) parts.push(`namespaces ${selector(p.namespaceSelector)}`);
    if (p.podSelector) parts.push(`pods ${selector(p.podSelector)}`);
    return parts.join(" / ") || "everything";
}

function networkPolicy(inputs: Record<string, any>): string[] {
    const spec = inputs.spec ?? {};
    const lines: string[] = [];
    const types: string[] = spec.policyTypes ?? [];
    for (const [direction, rules, key] of [
        ["ingress", spec.ingress, "from"],
        ["egress", spec.egress, "to"],
    ] as const) {
        const wanted = direction === "ingress" ? "Ingress" : "Egress";
        if (!types.includes(wanted)) continue;
        if (!rules || rules.length === 0) {
            lines.push(`${direction}: none (denied) for pods ${selector(spec.podSelector)}`);
            continue;
        }
        for (const rule of rules as Record<string, any>[]) {
            const peers = (rule[key] as Record<string, any>[] | undefined)?.map(peer).join("; ") ?? "everything";
            const ports =
                (rule.ports as Record<string, any>[] | undefined)?.map((p) => `${p.protocol ?? "TCP"}/${p.port}`) ?? [];
            lines.push(`${direction} ${key} ${peers}${ports.length ? ` on ${ports.join(", ")}` : ""}`);
        }
    }
    return lines;
}

const BY_TYPE: Record<string, (inputs: Record<string, any>) => string[]> = {
    "eks:index:Cluster": cluster,
    "kubernetes:core/v1:Service": service,
    "aws:ec2/securityGroupRule:SecurityGroupRule": securityGroupRule,
    "kubernetes:networking.k8s.io/v1:NetworkPolicy": networkPolicy,
};

/** The exposure lines of one resource (none for the types that expose nothing). */
export function exposure(resource: Pick<RecordedResource, "type" | "inputs">): string[] {
    return BY_TYPE[resource.type]?.(resource.inputs) ?? [];
}
