// Runs the pack's policies without the Pulumi CLI, for the tests and the offline policy run of the
// real stacks (tests/policy-stacks.test.ts): against the mock engine's records or resources written
// by hand. It lives outside policy/, so the pack ships none of it. It builds the argument objects the
// policy SDK builds (@pulumi/policy server.js, `analyze` and `analyzeStack`), so a rule behaves the
// same here as under `pulumi preview --policy-pack policy`:
// - resource policies get a resource's inputs as `props`, with its provider's inputs;
// - stack policies get every resource's state as `props` and references as objects: parent,
//   dependencies, propertyDependencies.
import type {
    EnforcementLevel,
    Policies,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { effectiveEnforcement, PackConfig } from "../policy/enforcement";
import type { RecordedResource } from "./engine";

/** What `args.notApplicable()` throws; the SDK records the reason and reports nothing. */
export class NotApplicable extends Error {
    constructor(readonly reason: string | undefined) {
        super(`not applicable${reason ? `: ${reason}` : ""}`);
    }
}

const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/** The policy SDK's type test: a class's `__pulumiType` against the resource's type token. */
const isTypeOf = (type: string, resourceClass: unknown): boolean =>
    (resourceClass as { __pulumiType?: string } | undefined)?.__pulumiType === type;

export interface ResourceInput {
    readonly type: string;
    readonly props: Record<string, any>;
    readonly name?: string;
    readonly urn?: string;
    readonly provider?: PolicyProviderResource;
    readonly opts?: Partial<PolicyResourceOptions>;
    /** Policy config (the `--policy-pack-config` entry's settings). */
    readonly config?: Record<string, unknown>;
}

const testUrn = (type: string, name: string): string => `urn:pulumi:test::scalable-backend::${type}::${name}`;

const options = (opts: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions => ({
    protect: false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...opts,
});

/** What resource and stack validations both see of a resource: type, props, names, options, type tests. */
function identity(
    input: { type: string; props: Record<string, any>; name?: string; urn?: string; provider?: PolicyProviderResource },
    opts: Partial<PolicyResourceOptions> | undefined,
) {
    const name = input.name ?? "test";
    return {
        type: input.type,
        props: input.props,
        urn: input.urn ?? testUrn(input.type, name),
        name,
        opts: options(opts),
        ...(input.provider ? { provider: input.provider } : {}),
        isType: (resourceClass: unknown) => isTypeOf(input.type, resourceClass),
        asType: ((resourceClass: unknown) =>
            isTypeOf(input.type, resourceClass) ? input.props : undefined) as ResourceValidationArgs["asType"],
    };
}

/** The `args` the SDK passes a resource validation. */
export function resourceArgs(input: ResourceInput): ResourceValidationArgs {
    return {
        ...identity(input, input.opts),
        stackTags: new Map(),
        getConfig: <T extends object>() => (input.config ?? {}) as T,
        notApplicable,
    };
}

export interface StackResourceInput {
    readonly type: string;
    readonly props: Record<string, any>;
    readonly name?: string;
    readonly urn?: string;
    readonly parent?: string;
    readonly provider?: PolicyProviderResource;
    /** URNs. */
    readonly dependencies?: readonly string[];
    /** Property -> URNs its value came from. */
    readonly propertyDependencies?: Readonly<Record<string, readonly string[]>>;
    readonly opts?: Partial<PolicyResourceOptions>;
}

/** The `args` the SDK passes a stack validation; references to resources outside the list are dropped, as the SDK does. */
export function stackArgs(
    inputs: readonly StackResourceInput[],
    config: Record<string, unknown> = {},
): StackValidationArgs {
    const resources: PolicyResource[] = inputs.map((input) => ({
        ...identity(input, { ...input.opts, parent: input.parent }),
        dependencies: [],
        propertyDependencies: {},
    }));
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const resolve = (urns: readonly string[] = []): PolicyResource[] =>
        urns.map((urn) => byUrn.get(urn)).filter((r): r is PolicyResource => r !== undefined);
    inputs.forEach((input, i) => {
        const resource = resources[i];
        if (input.parent && byUrn.has(input.parent)) resource.parent = byUrn.get(input.parent);
        resource.dependencies = resolve(input.dependencies);
        resource.propertyDependencies = Object.fromEntries(
            Object.entries(input.propertyDependencies ?? {}).map(([key, urns]) => [key, resolve(urns)]),
        );
    });
    return { resources, stackTags: new Map(), getConfig: <T extends object>() => config as T, notApplicable };
}

/** The violations a resource policy reports for one resource (none when not applicable). */
export async function validateResource(
    policy: ResourceValidationPolicy,
    args: ResourceValidationArgs,
): Promise<string[]> {
    const messages: string[] = [];
    const validations =
        policy.validateResource === undefined
            ? []
            : Array.isArray(policy.validateResource)
              ? policy.validateResource
              : [policy.validateResource];
    for (const validation of validations) {
        try {
            await validation(args, (message) => messages.push(message));
        } catch (error) {
            if (!(error instanceof NotApplicable)) throw error;
        }
    }
    return messages;
}

export interface StackViolation {
    readonly message: string;
    /** The resource the policy blamed, if any. */
    readonly urn?: string;
}

export async function validateStack(
    policy: StackValidationPolicy,
    args: StackValidationArgs,
): Promise<StackViolation[]> {
    const violations: StackViolation[] = [];
    try {
        await policy.validateStack(args, (message, urn) =>
            violations.push(urn === undefined ? { message } : { message, urn }),
        );
    } catch (error) {
        if (!(error instanceof NotApplicable)) throw error;
    }
    return violations;
}

/** Resource-policy inputs from records: props are the inputs; the provider comes with its inputs. */
export function resourceInputsFrom(records: readonly RecordedResource[]): ResourceInput[] {
    const byUrn = new Map(records.map((r) => [r.urn, r]));
    const providerOf = (reference: string | undefined): PolicyProviderResource | undefined => {
        const provider =
            reference === undefined ? undefined : byUrn.get(reference.slice(0, reference.lastIndexOf("::")));
        return provider && { type: provider.type, name: provider.name, urn: provider.urn, props: provider.inputs };
    };
    return records.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.inputs,
        provider: providerOf(r.provider),
        opts: { protect: r.protect, ignoreChanges: [...r.ignoreChanges], parent: r.parent },
    }));
}

/** Stack-policy inputs from records: props are the state (outputs over inputs), as after an update. */
export function stackInputsFrom(records: readonly RecordedResource[]): StackResourceInput[] {
    return records.map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: { ...r.inputs, ...r.outputs },
        parent: r.parent,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        opts: { protect: r.protect, ignoreChanges: [...r.ignoreChanges] },
    }));
}

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: EnforcementLevel;
    /** The resource in violation (a stack policy may blame none: then the stack's). */
    readonly urn: string | undefined;
    readonly message: string;
}

const isStackPolicy = (policy: ResourceValidationPolicy | StackValidationPolicy): policy is StackValidationPolicy =>
    "validateStack" in policy;

/**
 * Every violation the policies find in the records, at the level the CLI would report it (the
 * policy's level, then the pack config on top). Disabled policies do not run, as in the SDK.
 */
export async function evaluate(
    policies: Policies,
    records: readonly RecordedResource[],
    packConfig: PackConfig = {},
): Promise<Violation[]> {
    const violations: Violation[] = [];
    const resources = resourceInputsFrom(records);
    const stack = stackArgs(stackInputsFrom(records));
    for (const policy of policies) {
        const enforcementLevel = effectiveEnforcement(policy.name, policy.enforcementLevel ?? "advisory", packConfig);
        if (enforcementLevel === "disabled") continue;
        if (isStackPolicy(policy)) {
            for (const { message, urn } of await validateStack(policy, stack))
                violations.push({ policy: policy.name, enforcementLevel, urn, message });
            continue;
        }
        for (const resource of resources) {
            for (const message of await validateResource(policy, resourceArgs(resource)))
                violations.push({ policy: policy.name, enforcementLevel, urn: resource.urn, message });
        }
    }
    return violations;
}

/** The violations of one resource policy for one resource: what a test of a rule asserts. */
export function checkResource(policy: ResourceValidationPolicy, input: ResourceInput): Promise<string[]> {
    return validateResource(policy, resourceArgs(input));
}

/** The violations of one stack policy for a list of resources. */
export function checkStack(
    policy: StackValidationPolicy,
    inputs: readonly StackResourceInput[],
): Promise<StackViolation[]> {
    return validateStack(policy, stackArgs(inputs));
}
