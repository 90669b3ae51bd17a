// Enforcement per rule and environment. Two tiers keep it readable: `always` rules guard security
// invariants and block every stack; `prod` rules guard operability and exposure trade-offs that dev
// and ephemeral stacks make on purpose (a public API endpoint, an open test load balancer), so they
// block prod and only warn elsewhere.
//
// Where the levels come from, in the order the Pulumi CLI applies them (ReconcilePolicyPackConfig):
// 1. each policy's `enforcementLevel`, set here from the stack's environment when the pack starts;
// 2. `"all"` in the `--policy-pack-config` file (or the Pulumi Cloud policy group's config);
// 3. the rule's own entry in that file, as `"advisory"` or `{ "enforcementLevel": "advisory" }`.
import type { EnforcementLevel, Policies } from "@pulumi/policy";

export type Environment = "prod" | "dev" | "ephemeral";
export type Tier = "always" | "prod";

/** Every rule's tier; a rule missing here (or a tier naming no rule) fails the pack at start. */
export const RULE_TIERS: Readonly<Record<string, Tier>> = {
    // Cluster
    "eks-secrets-encryption": "always",
    "kms-key-rotation": "always",
    "eks-secrets-key-managed": "always",
    "eks-control-plane-logs": "always",
    "eks-control-plane-logs-complete": "prod",
    "eks-private-endpoint": "always",
    "eks-public-endpoint-restricted": "prod",
    "eks-authentication-mode": "always",
    "eks-nodes-no-public-ip": "always",
    "eks-node-subnets-private": "always",
    "node-imdsv2": "always",
    "ebs-encryption": "always",
    // IAM
    "iam-no-wildcard-action": "always",
    "iam-no-wildcard-resource-writes": "prod",
    "irsa-trust-scoped": "always",
    // Workloads
    "pod-security-restricted": "always",
    "read-only-root-filesystem": "prod",
    "container-resources": "prod",
    "container-probes": "prod",
    "image-pinned": "prod",
    "no-replicas-under-hpa": "prod",
    "namespace-pod-security-labels": "always",
    "no-default-namespace": "always",
    // Services
    "monitoring-ui-not-public": "always",
    "load-balancer-restricted": "prod",
    "load-balancer-class": "always",
    "backend-tls": "prod",
    // Helm
    "helm-chart-pinned": "always",
    "grafana-admin-password": "always",
    // Placeholders
    "no-placeholder-values": "prod",
};

const LEVELS: Readonly<Record<Environment, Readonly<Record<Tier, EnforcementLevel>>>> = {
    prod: { always: "mandatory", prod: "mandatory" },
    dev: { always: "mandatory", prod: "advisory" },
    ephemeral: { always: "mandatory", prod: "advisory" },
};

/**
 * The environment a stack name stands for, by the program's own naming rule (config/stack.ts accepts
 * only dev, prod and eph-<slug>). A missing or unknown name gets prod's levels: when the pack
 * cannot tell, it fails closed. Pulumi Cloud may qualify the name (org/project/stack).
 */
export function environmentOf(stack: string | undefined): Environment {
    const name = (stack ?? "").split("/").pop() ?? "";
    if (name === "dev") return "dev";
    if (name.startsWith("eph-")) return "ephemeral";
    return "prod";
}

export function enforcementFor(rule: string, environment: Environment): EnforcementLevel {
    const tier = RULE_TIERS[rule];
    if (tier === undefined)
        throw new Error(`enforcementFor: "${rule}" has no tier in policy/enforcement.ts RULE_TIERS; add it there.`);
    return LEVELS[environment][tier];
}

/**
 * Copies of the policies with the environment's enforcement level each. Refuses a policy without a
 * tier and a tier without a policy, so the table and the rules cannot drift apart.
 */
export function withEnforcement(policies: Policies, environment: Environment): Policies {
    const names = new Set(policies.map((p) => p.name));
    const orphans = Object.keys(RULE_TIERS).filter((rule) => !names.has(rule));
    if (orphans.length > 0)
        throw new Error(`withEnforcement: RULE_TIERS names rules that do not exist: ${orphans.join(", ")}.`);
    return policies.map((policy) => ({ ...policy, enforcementLevel: enforcementFor(policy.name, environment) }));
}

/** One entry of a `--policy-pack-config` file: a level, or an object with one (and rule settings). */
export type PolicyConfigEntry =
    EnforcementLevel | { readonly enforcementLevel?: EnforcementLevel; readonly [setting: string]: unknown };
export type PackConfig = Readonly<Record<string, PolicyConfigEntry>>;

const levelOf = (entry: PolicyConfigEntry | undefined): EnforcementLevel | undefined =>
    typeof entry === "string" ? entry : entry?.enforcementLevel;

/**
 * The level a rule runs at once a pack config is applied on top of `packLevel` (the level the pack
 * declares): the same precedence as the CLI, so the offline run and tests predict what CI does.
 */
export function effectiveEnforcement(
    rule: string,
    packLevel: EnforcementLevel,
    config: PackConfig = {},
): EnforcementLevel {
    return levelOf(config[rule]) ?? levelOf(config.all) ?? packLevel;
}
