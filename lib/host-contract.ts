// The one output a host stack (dev) exports for the stacks placed on its cluster: versioned, so a
// consumer built for another shape refuses it with a clear message instead of misreading it.
// The host builds it from its components' outputs, a consumer reads it from a StackReference.
import * as pulumi from "@pulumi/pulumi";

/** Bump on any change a consumer of the previous version would misread. */
export const HOST_CONTRACT_VERSION = 1;

export interface HostContract {
    readonly version: typeof HOST_CONTRACT_VERSION;
    readonly clusterName: string;
    readonly region: string;
    /**
     * The host cluster's kubeconfig: its endpoint and CA, and `aws eks get-token` for whoever runs it
     * (no credential in it). Secret all the same, as the host's own kubeconfig output is.
     */
    readonly kubeconfig: string;
    /** Where the host's NLBs have their addresses: what a NetworkPolicy admits load-balancer traffic from. */
    readonly loadBalancerSubnetCidrs: readonly string[];
    readonly monitoring: {
        readonly namespace: string;
        /** The Prometheus pods' labels, for a NetworkPolicy that admits its scrapes. */
        readonly prometheusPodLabels: Readonly<Record<string, string>>;
        /**
         * The labels a PodMonitor needs for this Prometheus to pick it up: none, in any namespace
         * (the chart's *SelectorNilUsesHelmValues are false).
         */
        readonly podMonitorLabels: Readonly<Record<string, string>>;
    };
}

export type HostContractArgs = Omit<HostContract, "version">;

export function hostContract(args: HostContractArgs): HostContract {
    return {
        version: HOST_CONTRACT_VERSION,
        clusterName: args.clusterName,
        region: args.region,
        kubeconfig: args.kubeconfig,
        loadBalancerSubnetCidrs: [...args.loadBalancerSubnetCidrs],
        monitoring: {
            namespace: args.monitoring.namespace,
            prometheusPodLabels: { ...args.monitoring.prometheusPodLabels },
            podMonitorLabels: { ...args.monitoring.podMonitorLabels },
        },
    };
}

/** The contract as the host's stack output: a secret, since it holds the kubeconfig. */
export function hostContractOutput(args: {
    readonly clusterName: pulumi.Input<string>;
    readonly region: string;
    readonly kubeconfig: pulumi.Input<string>;
    readonly loadBalancerSubnetCidrs: readonly string[];
    readonly monitoring: Omit<HostContract["monitoring"], "namespace"> & { readonly namespace: pulumi.Input<string> };
}): pulumi.Output<HostContract> {
    return pulumi.secret(
        pulumi
            .all([args.clusterName, args.kubeconfig, args.monitoring.namespace])
            .apply(([clusterName, kubeconfig, namespace]) =>
                hostContract({ ...args, clusterName, kubeconfig, monitoring: { ...args.monitoring, namespace } }),
            ),
    );
}

export class HostContractError extends Error {}

const isStringMap = (v: unknown): v is Record<string, string> =>
    v !== null && typeof v === "object" && !Array.isArray(v) && Object.values(v).every((x) => typeof x === "string");

/**
 * The host's output, checked: `consumer` is the stack reading it, `host` the stack it names. Refuses
 * a missing output, a version this program does not know, and a malformed field, each with the fix.
 */
export function readHostContract(consumer: string, host: string, value: unknown): HostContract {
    const refuse = (problem: string, fix: string): never => {
        throw new HostContractError(`Stack "${consumer}": the host stack "${host}" ${problem}. ${fix}`);
    };
    if (value === undefined || value === null)
        refuse(
            "exports no hostContract",
            `Deploy the host from a checkout that has it (pulumi up on "${host}"), or name the right host.`,
        );
    const contract = value as Record<string, any>;
    if (contract.version !== HOST_CONTRACT_VERSION)
        refuse(
            `exports hostContract version ${JSON.stringify(contract.version)}, which this program does not know (it reads version ${HOST_CONTRACT_VERSION})`,
            typeof contract.version === "number" && contract.version > HOST_CONTRACT_VERSION
                ? "Update this checkout to the host's program version."
                : `Redeploy "${host}" from this checkout first.`,
        );
    for (const key of ["clusterName", "region", "kubeconfig"] as const)
        if (typeof contract[key] !== "string" || contract[key] === "")
            refuse(`exports a hostContract whose ${key} is not a non-empty string`, `Redeploy "${host}".`);
    if (!Array.isArray(contract.loadBalancerSubnetCidrs) || contract.loadBalancerSubnetCidrs.length === 0)
        refuse(`exports a hostContract without loadBalancerSubnetCidrs`, `Redeploy "${host}".`);
    const monitoring = contract.monitoring as Record<string, unknown> | undefined;
    if (
        typeof monitoring?.namespace !== "string" ||
        !isStringMap(monitoring.prometheusPodLabels) ||
        !isStringMap(monitoring.podMonitorLabels)
    )
        refuse(
            `exports a hostContract whose monitoring is not { namespace, prometheusPodLabels, podMonitorLabels }`,
            `Redeploy "${host}".`,
        );
    return hostContract(contract as HostContract);
}

/** The StackReference's output that holds the contract. */
export const HOST_CONTRACT_OUTPUT = "hostContract";

/** What the host's StackReference offers: getOutputDetails (pulumi.StackReference has it). */
export interface HostReference {
    getOutputDetails(name: string): Promise<{ value?: unknown; secretValue?: unknown }>;
}

/**
 * The host's contract, read through its StackReference and checked, before any other resource: a
 * host that cannot be read (not deployed, another backend, no access) is refused with the fix.
 */
export async function readHost(consumer: string, host: string, reference: HostReference): Promise<HostContract> {
    let details: { value?: unknown; secretValue?: unknown };
    try {
        details = await reference.getOutputDetails(HOST_CONTRACT_OUTPUT);
    } catch (error) {
        throw new HostContractError(
            `Stack "${consumer}": cannot read the host stack "${host}" (${String((error as Error).message ?? error).split("\n")[0]}). ` +
                `Deploy it first (pulumi up on dev), log in to the backend that holds it (review stacks and dev share one), ` +
                `or set hostStack to the right "<organization>/<project>/dev".`,
        );
    }
    return readHostContract(consumer, host, details.value ?? details.secretValue);
}

/** The Kubernetes provider of a stack placed on the host: the host's kubeconfig (secret), by the host's cluster name. */
export function hostProviderArgs(contract: HostContract, namespace?: string) {
    return {
        kubeconfig: pulumi.secret(contract.kubeconfig),
        enableServerSideApply: true,
        // As the host's own provider: replaced only when the cluster is, never on a kubeconfig change.
        clusterIdentifier: contract.clusterName,
        // Objects without a namespace land in the review's own, never in "default".
        ...(namespace === undefined ? {} : { namespace }),
    };
}
