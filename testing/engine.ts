// The one mock engine: the tests and the offline plan (`npm run plan`) both evaluate the program
// through it. It stands in for the Pulumi CLI and the cloud:
// - realistic outputs for what only AWS or a remote component can know (testing/mock-cloud.ts);
// - the stack's config as the CLI hands it over (testing/stack-files.ts);
// - a record of every registration: inputs (secrets marked), provider, parent, the engine-level
//   dependencies (explicit and Output-borne) and the resource options (via a stack
//   transformation registered inside the stack); and of every read (a StackReference, a `.get`),
//   marked `read`: the engine creates nothing for it, but the program depends on what it returns;
// - `pulumi:disable-default-providers` enforced as the engine does: such a resource fails.
// It evaluates one project directory: the repository root (the main program) unless a run names
// another (`projectDir`, e.g. bootstrap/), whose Pulumi.yaml, stack files and index.ts it reads.
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { specialSecretSig, specialSigKey, specialResourceSig, unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { invented, mockCall, mockOutputs } from "./mock-cloud";
import { DebuggableModule, framelessPromiseTraces } from "./promise-traces";
import { projectName, requiredKeys, stackConfig } from "./stack-files";

export { ACCOUNT, mockOutputs } from "./mock-cloud";
export { projectName, readConfigFile, requiredKeys, stackConfig } from "./stack-files";

/** The repository root: the main program's project directory. */
export const ROOT = path.resolve(__dirname, "..");
/** The main program. */
export const PROGRAM = path.join(ROOT, "index.ts");
export const PROJECT = "scalable-backend";
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";

// The SDK calls debuggablePromise through this module object, so the wrapper applies to every call.
// eslint-disable-next-line @typescript-eslint/no-require-imports
framelessPromiseTraces(require("@pulumi/pulumi/runtime/debuggable") as DebuggableModule);

export interface RecordedOptions {
    parent?: string;
    dependsOn: string[];
    protect: boolean;
    ignoreChanges: string[];
    provider?: string;
}

export interface RecordedResource {
    readonly type: string;
    readonly name: string;
    readonly urn: string;
    readonly custom: boolean;
    /** Inputs as sent to the engine; secrets unwrapped (see `secretPaths`), resource references as URNs. */
    readonly inputs: Record<string, any>;
    /** Top-level input keys whose value was, or contained, a secret. */
    readonly secretInputs: string[];
    /** The provider reference ("urn::id"), when one was sent. */
    readonly provider?: string;
    /** Package -> provider reference, for components (remote ones pass them on to their children). */
    readonly providers: Record<string, string>;
    readonly parent?: string;
    /** URNs the engine waits for: explicit dependsOn plus every resource an input Output came from. */
    readonly dependencies: string[];
    readonly propertyDependencies: Record<string, string[]>;
    readonly protect: boolean;
    readonly ignoreChanges: string[];
    /** Earlier URNs this resource answers to (its `aliases`, resolved as the engine resolves them). */
    readonly aliases: string[];
    readonly deleteBeforeReplace: boolean;
    /** Options as the program passed them, recorded by the stack transformation. */
    readonly options: RecordedOptions;
    readonly outputs: Record<string, any>;
    /**
     * Present (true) only on a read: an existing resource's state, fetched by its id (a
     * StackReference reads the named stack's outputs), nothing created. Registrations have no key.
     */
    readonly read?: true;
}

export interface StackRun {
    readonly stack: string;
    readonly config: Record<string, string>;
    readonly resources: RecordedResource[];
    readonly outputs: Record<string, unknown>;
    /** Stack outputs that were secret. */
    readonly secretOutputs: string[];
    /** Realistic values the mock invented, each with the placeholder a printout shows instead. */
    readonly invented: Readonly<Record<string, string>>;
}

const isSecret = (v: any): boolean => v && typeof v === "object" && v[specialSigKey] === specialSecretSig;
/** True if the value or anything inside it is secret. */
const containsSecret = (v: any): boolean =>
    isSecret(v) || (v !== null && typeof v === "object" && Object.values(v).some(containsSecret));

/** Turns the wire form into plain values: secrets unwrapped, resource references as URNs. */
function plain(value: any): any {
    if (value === unknownValue) return "<unknown>";
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === "object") {
        const sig = value[specialSigKey];
        if (sig === specialSecretSig) return plain(value.value);
        if (sig === specialResourceSig) return value.urn;
        if (sig !== undefined && "value" in value) return plain(value.value);
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
    }
    return value;
}

export interface RunOptions {
    /** Extra or replacing config, full keys ("scalable-backend:owner"). */
    readonly config?: Record<string, string>;
    /** Keys to drop from the stack file's config, full keys. */
    readonly without?: string[];
    /** Secret config keys (full keys). */
    readonly secretKeys?: string[];
    /** A different program module (tests of single components). Defaults to the project's index.ts. */
    readonly program?: () => unknown;
    /**
     * The project directory: its Pulumi.yaml (project name, declared keys), Pulumi.<stack>.yaml and
     * index.ts. Defaults to the repository root, the main program.
     */
    readonly projectDir?: string;
    /**
     * What each StackReference the program makes reads, by fully qualified name: the referenced
     * stack's outputs (e.g. a recorded run's, see `referenceTo`). A name not listed fails as the
     * engine fails a reference to a stack that does not exist.
     */
    readonly stackReferences?: Readonly<Record<string, StackReferenceOutputs>>;
    /**
     * The CI variables the program sees (GITHUB_ACTIONS, GITHUB_EVENT_NAME, GITHUB_REF): none unless
     * given, so an evaluation in a CI job (npm test on a pull request) is not taken for that job's deploy.
     */
    readonly ciEnvironment?: Readonly<Record<string, string>>;
}

const CI_VARIABLES = ["GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_REF"];

/** A referenced stack's outputs as the engine serves them: values, and which of them are secrets. */
export interface StackReferenceOutputs {
    readonly outputs: Record<string, unknown>;
    readonly secretOutputNames: readonly string[];
}

/** The organization the mock engine runs in: what the CLI sets on self-managed backends. */
export const ORGANIZATION = "organization";

/** A recorded run's outputs as a StackReference to that stack reads them. */
export function referenceTo(run: StackRun): StackReferenceOutputs {
    return { outputs: { ...run.outputs }, secretOutputNames: [...run.secretOutputs] };
}

/** The fully qualified name the engine knows a stack of this project by. */
export function qualifiedStackName(stack: string, project: string = PROJECT): string {
    return `${ORGANIZATION}/${project}/${stack}`;
}

const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";

/** The mock's answer to a StackReference (a read), or the engine's error for an unknown stack. */
function stackReferenceState(
    name: string,
    references: Readonly<Record<string, StackReferenceOutputs>>,
): { id: string; state: Record<string, unknown> } {
    const referenced = references[name];
    if (referenced === undefined) throw new Error(`unknown stack "${name}"`);
    return {
        id: name,
        state: { name, outputs: { ...referenced.outputs }, secretOutputNames: [...referenced.secretOutputNames] },
    };
}

let running = false;

/**
 * Evaluates the program for `stack` with its real stack file (plus overrides) under mocks and
 * returns every registration. Runs are serialised: the Pulumi runtime is process-global.
 */
export async function runStack(stack: string, options: RunOptions = {}): Promise<StackRun> {
    if (running) throw new Error("runStack: runs must not overlap (the Pulumi runtime is process-global)");
    running = true;
    const saved = CI_VARIABLES.map((name) => [name, process.env[name]] as const);
    for (const name of CI_VARIABLES) {
        const value = options.ciEnvironment?.[name];
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
    }
    try {
        return await evaluate(stack, options);
    } finally {
        for (const [name, value] of saved) {
            if (value === undefined) delete process.env[name];
            else process.env[name] = value;
        }
        running = false;
    }
}

async function evaluate(stack: string, options: RunOptions): Promise<StackRun> {
    const projectDir = options.projectDir ?? ROOT;
    const project = projectName(projectDir);
    const programPath = path.join(projectDir, "index.ts");
    const config = stackConfig(stack, options.config, projectDir);
    for (const key of options.without ?? []) delete config[key];
    // As the CLI does before it starts the program.
    const missing = options.program ? [] : requiredKeys(projectDir).filter((key) => !(key in config));
    if (missing.length > 0)
        throw new Error(
            `Stack '${stack}' is missing configuration values: ${missing.join(", ")} (declared in Pulumi.yaml without a default).`,
        );
    const region = config["aws:region"] ?? "<region>";
    const disabled: string[] = JSON.parse(config["pulumi:disable-default-providers"] ?? "[]");

    invented.clear();
    const records = new Map<string, Omit<RecordedResource, "options">>();
    const optionsByKey = new Map<string, RecordedOptions>();
    const failures: Error[] = [];
    /** Types in construction order, recorded synchronously: what a failing program got as far as. */
    const constructed: string[] = [];

    pulumi.runtime.setAllConfig(config, options.secretKeys ?? []);
    await pulumi.runtime.setMocks(
        {
            newResource: (args: pulumi.runtime.MockResourceArgs) =>
                args.type === STACK_REFERENCE_TYPE
                    ? stackReferenceState(args.inputs.name, options.stackReferences ?? {})
                    : mockOutputs(args.type, args.name, args.inputs, region),
            call: (args: pulumi.runtime.MockCallArgs) => mockCall(args.token, args.inputs, region),
        },
        project,
        stack,
        false,
        ORGANIZATION,
    );

    const monitor = settings.getMonitor() as any;
    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: any, resp?: any) => void) => {
        const type: string = req.getType();
        const name: string = req.getName();
        const pkg = type.split(":")[0];
        if (req.getCustom() && disabled.includes(pkg) && !type.startsWith("pulumi:providers:") && !req.getProvider()) {
            const error = new Error(
                `${type} "${name}" was registered without an explicit provider, and default ${pkg} providers are disabled ` +
                    `(pulumi:disable-default-providers). Pass the cluster's provider.`,
            );
            failures.push(error);
            callback(error);
            return;
        }
        const object = req.getObject()?.toJavaScript() ?? {};
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
            propertyDependencies[key] = [...deps.getUrnsList()].sort();
        });
        registerResource(req, (err: any, resp: any) => {
            if (!err) {
                const urn: string = resp.getUrn();
                records.set(urn, {
                    type,
                    name,
                    urn,
                    custom: req.getCustom(),
                    inputs: plain(object),
                    secretInputs: Object.keys(object)
                        .filter((k) => containsSecret(object[k]))
                        .sort(),
                    provider: unlessEmpty(req.getProvider()),
                    providers: Object.fromEntries(req.getProvidersMap().toArray()),
                    parent: unlessEmpty(req.getParent()),
                    dependencies: [...new Set<string>(req.getDependenciesList())].sort(),
                    propertyDependencies,
                    protect: req.hasProtect() ? Boolean(req.getProtect()) : false,
                    ignoreChanges: req.getIgnorechangesList(),
                    aliases: req.getAliasesList().map((alias: any) =>
                        aliasUrn(alias, {
                            stack,
                            project,
                            type,
                            name,
                            parent: unlessEmpty(req.getParent()),
                        }),
                    ),
                    deleteBeforeReplace: req.getDeletebeforereplace(),
                    outputs: plain(resp.getObject()?.toJavaScript() ?? {}),
                });
            } else {
                failures.push(err);
            }
            callback(err, resp);
        });
    };

    // A read (ReadResource: a StackReference, a Resource.get) is served by the same mocks and
    // recorded as a registration is, marked `read`.
    const readResource = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, callback: (err: any, resp?: any) => void) => {
        const type: string = req.getType();
        const name: string = req.getName();
        const object = req.getProperties()?.toJavaScript() ?? {};
        readResource(req, (err: any, resp: any) => {
            if (!err) {
                const urn: string = resp.getUrn();
                records.set(urn, {
                    type,
                    name,
                    urn,
                    custom: true,
                    inputs: plain(object),
                    secretInputs: Object.keys(object)
                        .filter((k) => containsSecret(object[k]))
                        .sort(),
                    provider: unlessEmpty(req.getProvider()),
                    providers: {},
                    parent: unlessEmpty(req.getParent()),
                    dependencies: [...new Set<string>(req.getDependenciesList())].sort(),
                    propertyDependencies: {},
                    protect: false,
                    ignoreChanges: [],
                    aliases: [],
                    deleteBeforeReplace: false,
                    outputs: plain(resp.getProperties()?.toJavaScript() ?? {}),
                    read: true,
                });
            } else {
                failures.push(err);
            }
            callback(err, resp);
        });
    };

    const program =
        options.program ??
        (() => {
            delete require.cache[require.resolve(programPath)];
            // eslint-disable-next-line @typescript-eslint/no-require-imports -- a Pulumi program is a module evaluated for its side effects
            return require(programPath);
        });

    let programExports: Record<string, unknown> | undefined;
    const stackRun = pulumi.runtime.runInPulumiStack(async () => {
        // Inside the stack, so it sees every resource's options as the program passed them.
        pulumi.runtime.registerStackTransformation((args) => {
            // A rehydrated reference (opts.urn) is not a registration: keep the real options.
            if (args.opts.urn) return undefined;
            constructed.push(args.type);
            optionsByKey.set(`${args.type}::${args.name}`, {
                parent: args.opts.parent ? resourceName(args.opts.parent) : undefined,
                dependsOn: dependsOnNames(args.opts.dependsOn),
                protect: Boolean(args.opts.protect),
                ignoreChanges: [...(args.opts.ignoreChanges ?? [])],
                provider: (args.opts as pulumi.CustomResourceOptions).provider
                    ? resourceName((args.opts as pulumi.CustomResourceOptions).provider!)
                    : undefined,
            });
            return undefined;
        });
        // As the CLI's Node.js host does: a module whose export is a function is called and awaited.
        const loaded: unknown = await program();
        programExports = (typeof loaded === "function" ? await (loaded as () => unknown)() : loaded) as
            Record<string, unknown> | undefined;
        return programExports;
    });
    try {
        await stackRun;
        // Internal to the SDK (not in its typings): waits until every registration has answered.
        await (settings as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
        if (failures.length > 0) throw failures[0];
    } catch (error) {
        // Lets tests prove that a refused config registered nothing but the stack itself.
        (error as Error & { registrations?: string[] }).registrations = constructed;
        throw error;
    }

    const stackOutputs = programExports ?? {};
    const resolved: Record<string, unknown> = {};
    const secretOutputs: string[] = [];
    // Sorted: a transpiler may order CommonJS exports its own way (swc sorts them, tsc does not).
    for (const [key, value] of Object.entries(stackOutputs).sort(([a], [b]) => a.localeCompare(b))) {
        if (pulumi.Output.isInstance(value)) {
            resolved[key] = await promiseOf(value);
            if (await pulumi.isSecret(value)) secretOutputs.push(key);
        } else if (!pulumi.Resource.isInstance(value)) {
            resolved[key] = value;
        }
    }

    const resources = [...records.values()].map((r) => ({
        ...r,
        options: optionsByKey.get(`${r.type}::${r.name}`) ?? { dependsOn: [], protect: false, ignoreChanges: [] },
    }));
    return {
        stack,
        config,
        resources,
        outputs: resolved,
        secretOutputs: secretOutputs.sort(),
        invented: Object.fromEntries([...invented].sort(([a], [b]) => a.localeCompare(b))),
    };
}

/**
 * The URN an alias stands for: an explicit URN, or a spec filled in from the resource (name, type,
 * parent, stack), formed as Pulumi's MockMonitor.newUrn forms URNs (the parent's own type only,
 * the root stack included as a parent), so aliases compare with the URNs this engine records.
 */
export function aliasUrn(
    alias: any,
    resource: { stack: string; project?: string; type: string; name: string; parent?: string },
): string {
    if (unlessEmpty(alias.getUrn())) return alias.getUrn();
    const spec = alias.getSpec();
    const parent = spec.getNoparent()
        ? ROOT_STACK_TYPE
        : (unlessEmpty(spec.getParenturn()) ?? resource.parent)?.split("::")[2].split("$").pop();
    const type = unlessEmpty(spec.getType()) ?? resource.type;
    const qualified = parent ? `${parent}$${type}` : type;
    const stack = unlessEmpty(spec.getStack()) ?? resource.stack;
    const project = unlessEmpty(spec.getProject()) ?? resource.project ?? PROJECT;
    return `urn:pulumi:${stack}::${project}::${qualified}::${unlessEmpty(spec.getName()) ?? resource.name}`;
}

/** Protobuf strings are "" when unset. */
function unlessEmpty(value: string): string | undefined {
    return value === "" ? undefined : value;
}

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}

function resourceName(resource: pulumi.Resource): string {
    return (resource as any).__name ?? "<unnamed>";
}

function dependsOnNames(
    dependsOn: pulumi.Input<pulumi.Input<pulumi.Resource>[]> | pulumi.Input<pulumi.Resource> | undefined,
): string[] {
    if (dependsOn === undefined) return [];
    if (pulumi.Output.isInstance(dependsOn))
        throw new Error("The mock engine records only dependsOn given as resources, not Outputs.");
    const list = Array.isArray(dependsOn) ? dependsOn : [dependsOn];
    return list.map((d) => {
        if (!pulumi.Resource.isInstance(d))
            throw new Error("The mock engine records only dependsOn given as resources.");
        return resourceName(d);
    });
}
