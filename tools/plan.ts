// Offline plan: `npm run plan -- <stack>` evaluates the program under the shared mock engine (no
// Pulumi CLI, no AWS credentials), prints the resource tree, the modeled cold create and the
// estimated cost, and writes out/<stack>/plan.json, each Kubernetes object as YAML, and each Helm
// release's values. Output is byte-identical across runs.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import type { RecordedResource, StackRun } from "../testing/engine";
import { estimate } from "../cost/estimate";
import { describeEstimate } from "../cost/render";
import { loadPriceTable } from "../cost/table";
import { describeColdCreate, modelColdCreate } from "./deploy-time";
import { exposure } from "./exposure";
import { describeOfflineConfig, evaluateStack, hasStackFile, type OfflineFlags } from "./offline-stack";
import { checkStackSource, parsePlanArgs, PLAN_HELP, StackFileError } from "./stack-file";

/** The project directory; the mock engine (and the SDKs it loads) only once the arguments are good. */
const ROOT = path.resolve(__dirname, "..");

/** The inputs worth a glance in the tree, per resource type. */
const SUMMARY_KEYS: Record<string, string[]> = {
    "aws:ec2/vpc:Vpc": ["cidrBlock"],
    "aws:ec2/subnet:Subnet": ["cidrBlock", "availabilityZone"],
    "aws:ec2/natGateway:NatGateway": ["subnetId"],
    "aws:ec2/route:Route": ["destinationCidrBlock", "gatewayId", "natGatewayId"],
    "aws:kms/key:Key": ["enableKeyRotation", "deletionWindowInDays"],
    "aws:cloudwatch/logGroup:LogGroup": ["name", "retentionInDays"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["metadataOptions"],
    "eks:index:Cluster": [
        "name",
        "version",
        "authenticationMode",
        "endpointPublicAccess",
        "publicAccessCidrs",
        "enabledClusterLogTypes",
    ],
    "eks:index:ManagedNodeGroup": ["version", "instanceTypes", "capacityType", "scalingConfig"],
    "aws:eks/addon:Addon": ["addonName", "addonVersion"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["policyArn"],
    "kubernetes:helm.sh/v3:Release": ["chart", "version", "namespace"],
    "pulumi:providers:aws": ["region"],
    "aws:ecr/repository:Repository": ["name", "imageTagMutability"],
    "docker-build:index:Image": ["tags", "platforms"],
    "pulumi:pulumi:StackReference": ["name"],
};

const SECRET = "[secret]";
const STACK_REFERENCE = "pulumi:pulumi:StackReference";

/**
 * The value as a reader should see it: every realistic value the mock invented (an image digest)
 * replaced by its placeholder, wherever it sits inside a string. The records the policy pack judges
 * keep the real shape; only what people read is rewritten.
 */
export function shown<T>(value: T, invented: Readonly<Record<string, string>>): T {
    const pairs = Object.entries(invented);
    if (pairs.length === 0) return value;
    const visit = (v: unknown): unknown => {
        if (typeof v === "string") return pairs.reduce((text, [real, label]) => text.split(real).join(label), v);
        if (Array.isArray(v)) return v.map(visit);
        if (v !== null && typeof v === "object")
            return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, visit(inner)]));
        return v;
    };
    return visit(value) as T;
}

function redacted(resource: RecordedResource): Record<string, unknown> {
    const inputs: Record<string, unknown> = { ...resource.inputs };
    for (const key of resource.secretInputs) inputs[key] = SECRET;
    return inputs;
}

function summary(resource: RecordedResource): string {
    const inputs = redacted(resource);
    const parts = (SUMMARY_KEYS[resource.type] ?? [])
        .filter((key) => inputs[key] !== undefined)
        .map((key) => `${key}=${typeof inputs[key] === "string" ? inputs[key] : JSON.stringify(inputs[key])}`);
    return parts.length > 0 ? `  ${parts.join(" ")}` : "";
}

/** The URNs' last segment is the name; sort children by type then name for a stable tree. */
export function renderTree(run: StackRun): string {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const children = new Map<string | undefined, RecordedResource[]>();
    for (const resource of run.resources) {
        const parent = resource.parent && byUrn.has(resource.parent) ? resource.parent : undefined;
        children.set(parent, [...(children.get(parent) ?? []), resource]);
    }
    const lines: string[] = [];
    const visit = (parent: string | undefined, indent: string): void => {
        const list = [...(children.get(parent) ?? [])].sort(
            (a, b) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name),
        );
        for (const resource of list) {
            const flags = [
                // Nothing is created: the engine fetches state that exists (a StackReference: that stack's outputs).
                resource.read ? "read" : "",
                resource.protect ? "protected" : "",
                resource.options.dependsOn.length ? `after: ${resource.options.dependsOn.join(", ")}` : "",
            ].filter(Boolean);
            lines.push(
                `${indent}${resource.type}  ${resource.name}${flags.length ? `  [${flags.join("; ")}]` : ""}${summary(resource)}`,
            );
            // Marked "!" so a reviewer's eye (or grep) finds who can reach what.
            for (const line of exposure(resource)) lines.push(`${indent}    ! ${line}`);
            visit(resource.urn, `${indent}  `);
        }
    };
    visit(undefined, "");
    return shown(lines.join("\n"), run.invented);
}

function fileName(resource: RecordedResource): string {
    return resource.name.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** URN parts: the qualified type's parents, and the name. */
const urnParts = (urn: string): { parents: string; name: string } => {
    const [, , qualified, name] = urn.split("::");
    return { parents: qualified.split("$").slice(0, -1).join("$"), name };
};

/**
 * Aliases that rename or re-parent the resource. Type-only aliases are left out: SDKs add them on
 * their own (@pulumi/kubernetes aliases every older apiVersion of a kind).
 */
export function renameAliases(r: RecordedResource): string[] {
    const own = urnParts(r.urn);
    return r.aliases.filter((alias) => {
        const parts = urnParts(alias);
        return parts.name !== own.name || parts.parents !== own.parents;
    });
}

/** One resource as plan.json lists it. */
export function planEntry(r: RecordedResource): Record<string, unknown> {
    return {
        urn: r.urn,
        type: r.type,
        name: r.name,
        parent: r.parent,
        provider: r.provider,
        protect: r.protect,
        dependsOn: r.options.dependsOn,
        ignoreChanges: r.ignoreChanges,
        // Only where present, so every other entry reads as before.
        ...(renameAliases(r).length > 0 ? { aliases: renameAliases(r) } : {}),
        ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
        ...(r.read ? { read: true } : {}),
        inputs: redacted(r),
    };
}

/**
 * Every record as the policy pack sees it, secret inputs and their echoes redacted: what
 * `npm run policy:offline` judges. Beside out/<stack>/, so the plan diff does not show it twice.
 */
export function policyRecords(run: StackRun): { stack: string; resources: RecordedResource[] } {
    const resources = [...run.resources]
        .sort((a, b) => a.urn.localeCompare(b.urn))
        .map((r) => {
            const outputs: Record<string, unknown> = { ...r.outputs };
            for (const key of r.secretInputs) if (key in outputs) outputs[key] = SECRET;
            // A StackReference reads the other stack's outputs; its secret ones (dev's kubeconfig) stay sealed.
            if (r.read && r.type === STACK_REFERENCE && r.outputs.outputs) {
                const secrets: string[] = r.outputs.secretOutputNames ?? [];
                outputs.outputs = Object.fromEntries(
                    Object.entries(r.outputs.outputs).map(([k, v]) => [k, secrets.includes(k) ? SECRET : v]),
                );
            }
            return { ...r, inputs: redacted(r) as Record<string, any>, outputs };
        });
    return { stack: run.stack, resources };
}

/** Writes out/<stack>/ and out/<stack>.records.json from a run of the stack (a new evaluation unless one is given). */
export async function writePlan(
    stack: string,
    outDir = path.join(ROOT, "out", stack),
    evaluated?: StackRun,
): Promise<StackRun> {
    const run = evaluated ?? (await (await import("../testing/engine")).runStack(stack));
    const resources = [...run.resources].sort((a, b) => a.urn.localeCompare(b.urn));
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.join(outDir, "k8s"), { recursive: true });
    fs.mkdirSync(path.join(outDir, "helm"), { recursive: true });

    const plan = shown(
        {
            stack,
            resourceCount: resources.length,
            outputs: Object.fromEntries(
                Object.entries(run.outputs).map(([k, v]) => [k, run.secretOutputs.includes(k) ? SECRET : v]),
            ),
            resources: resources.map(planEntry),
        },
        run.invented,
    );
    fs.writeFileSync(path.join(outDir, "plan.json"), `${JSON.stringify(plan, null, 2)}\n`);
    fs.writeFileSync(`${outDir}.records.json`, `${JSON.stringify(policyRecords(run), null, 2)}\n`);

    for (const resource of resources) {
        if (resource.type === "kubernetes:helm.sh/v3:Release") {
            const { values, ...release } = resource.inputs;
            fs.writeFileSync(
                path.join(outDir, "helm", `${fileName(resource)}.yaml`),
                yaml.dump(shown({ release, values }, run.invented), { sortKeys: true, lineWidth: 120 }),
            );
        } else if (resource.type.startsWith("kubernetes:") && resource.custom && resource.inputs.apiVersion) {
            fs.writeFileSync(
                path.join(outDir, "k8s", `${fileName(resource)}.yaml`),
                yaml.dump(shown(redacted(resource), run.invented), { sortKeys: true, lineWidth: 120 }),
            );
        }
    }
    return run;
}

async function main(argv: readonly string[]): Promise<void> {
    let stack: string;
    let flags: OfflineFlags;
    try {
        const args = parsePlanArgs(argv);
        if (args.help) {
            process.stdout.write(PLAN_HELP);
            return;
        }
        stack = args.stack;
        flags = checkStackSource(ROOT, stack, args.flags);
    } catch (error) {
        if (!(error instanceof StackFileError)) throw error;
        process.stderr.write(`plan: ${error.message}\n`);
        process.exit(2);
    }
    const started = Date.now();
    const offline = !hasStackFile(ROOT, stack);
    const run = await writePlan(stack, undefined, await evaluateStack(ROOT, stack, flags));
    if (offline) console.log(`${describeOfflineConfig(stack, flags)}\n`);
    console.log(renderTree(run));
    console.log(
        `\n${run.resources.length} resources for stack "${stack}"; written to out/${stack}/ in ${Date.now() - started} ms`,
    );
    console.log(describeColdCreate(modelColdCreate(run)));
    console.log(describeEstimate(estimate(run, loadPriceTable())));
    console.log("Outputs:");
    for (const [key, value] of Object.entries(run.outputs)) {
        console.log(
            `  ${key}: ${run.secretOutputs.includes(key) ? SECRET : JSON.stringify(shown(value, run.invented))}`,
        );
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((error: Error) => {
        console.error(`plan failed: ${error.message}`);
        process.exit(1);
    });
}
