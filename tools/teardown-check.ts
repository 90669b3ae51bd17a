// After `pulumi destroy`: lists what Kubernetes controllers created in AWS for a stack and Pulumi's
// state never held, so nothing billed stays behind unseen.
//   npm run teardown:check -- <stack> [--region <region>] [--wait <minutes>]
// - EBS volumes the EBS CSI driver made for volume claims (tagged with the cluster, components/cluster.ts).
//   Deleting a claim deletes its volume asynchronously, so a destroy can finish before they go.
// - Load balancers, target groups and security groups the AWS Load Balancer Controller made for
//   Services (tagged elbv2.k8s.aws/cluster by the controller).
// Exit 0: nothing left. Exit 1: something is left (listed). Exit 2: usage or `aws` CLI error.
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { EBS_VOLUME_TAG_CLUSTER } from "../components/cluster";
import { clusterNameOf } from "../config/stack";
import { PREFIX } from "./ephemeral";

/** The tag the AWS Load Balancer Controller puts on everything it creates. */
export const LOAD_BALANCER_CONTROLLER_CLUSTER_TAG = "elbv2.k8s.aws/cluster";

const USAGE = "Usage: npm run teardown:check -- <stack> [--region <region>] [--wait <minutes>]";

export class UsageError extends Error {}

export interface Parsed {
    readonly stack: string;
    readonly region?: string;
    /** How long to poll for leftovers to go before reporting them; 0 reports at once. */
    readonly waitMinutes: number;
}

export function parseArgs(argv: readonly string[]): Parsed {
    const positional: string[] = [];
    let region: string | undefined;
    let waitMinutes = 0;
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        if (arg === "--region" || arg === "--wait") {
            const value = argv[++i];
            if (value === undefined || value.startsWith("--")) throw new UsageError(`${arg} needs a value. ${USAGE}`);
            if (arg === "--region") region = value;
            else {
                waitMinutes = Number(value);
                if (!/^\d+$/.test(value) || waitMinutes > 60)
                    throw new UsageError(`--wait takes whole minutes from 0 to 60, not "${value}". ${USAGE}`);
            }
        } else if (arg.startsWith("--")) throw new UsageError(`Unknown option ${arg}. ${USAGE}`);
        else positional.push(arg);
    }
    if (positional.length !== 1) throw new UsageError(`Give exactly one stack name. ${USAGE}`);
    return { stack: positional[0], region, waitMinutes };
}

/**
 * The stack's region from its stack file; ephemeral stacks take dev's file (tools/stack.ts). Without
 * a file, --region must say it.
 */
export function regionOf(root: string, stack: string): string {
    const file = path.join(root, `Pulumi.${stack.startsWith(PREFIX) ? "dev" : stack}.yaml`);
    if (!fs.existsSync(file))
        throw new UsageError(`No ${path.basename(file)} to read stack "${stack}"'s region from: pass --region.`);
    const parsed = yaml.load(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | undefined;
    const region = parsed?.config?.["aws:region"];
    if (typeof region !== "string") throw new UsageError(`${path.basename(file)} sets no aws:region: pass --region.`);
    return region;
}

/** Runs the AWS CLI with these arguments and returns its standard output. */
export type Aws = (args: readonly string[]) => Promise<string>;

export interface Leftover {
    readonly kind: "EBS volume" | "load balancer" | "target group" | "security group" | "resource";
    readonly id: string;
    readonly detail: string;
}

type Tags = readonly { Key: string; Value: string }[] | undefined;
const tag = (tags: Tags, key: string) => tags?.find((t) => t.Key === key)?.Value;

interface Volume {
    VolumeId: string;
    Size: number;
    State: string;
    Tags?: Tags;
}

/** Every volume not yet deleted; a "deleting" one still bills until it is gone. */
export function volumeLeftovers(describeVolumes: string): Leftover[] {
    const volumes = (JSON.parse(describeVolumes) as { Volumes?: Volume[] }).Volumes ?? [];
    return volumes
        .filter((v) => v.State !== "deleted")
        .map((v) => {
            const namespace = tag(v.Tags, "kubernetes.io/created-for/pvc/namespace");
            const claim = tag(v.Tags, "kubernetes.io/created-for/pvc/name");
            const forClaim = namespace && claim ? `, claim ${namespace}/${claim}` : "";
            return { kind: "EBS volume", id: v.VolumeId, detail: `${v.Size} GiB, ${v.State}${forClaim}` };
        });
}

const KINDS: readonly [RegExp, Leftover["kind"]][] = [
    [/:loadbalancer\//, "load balancer"],
    [/:targetgroup\//, "target group"],
    [/:security-group\//, "security group"],
];

export function controllerLeftovers(getResources: string): Leftover[] {
    const mappings =
        (JSON.parse(getResources) as { ResourceTagMappingList?: { ResourceARN: string; Tags?: Tags }[] })
            .ResourceTagMappingList ?? [];
    return mappings.map((m) => ({
        kind: KINDS.find(([pattern]) => pattern.test(m.ResourceARN))?.[1] ?? "resource",
        id: m.ResourceARN,
        detail: `for Service ${tag(m.Tags, "service.k8s.aws/stack") ?? "unknown"}`,
    }));
}

export async function findLeftovers(aws: Aws, clusterName: string, region: string): Promise<Leftover[]> {
    const [volumes, resources] = await Promise.all([
        aws([
            "ec2",
            "describe-volumes",
            "--region",
            region,
            "--filters",
            `Name=tag:${EBS_VOLUME_TAG_CLUSTER},Values=${clusterName}`,
            "--output",
            "json",
        ]),
        aws([
            "resourcegroupstaggingapi",
            "get-resources",
            "--region",
            region,
            "--tag-filters",
            `Key=${LOAD_BALANCER_CONTROLLER_CLUSTER_TAG},Values=${clusterName}`,
            "--output",
            "json",
        ]),
    ]);
    return [...volumeLeftovers(volumes), ...controllerLeftovers(resources)];
}

export function describeLeftovers(clusterName: string, region: string, leftovers: readonly Leftover[]): string {
    if (leftovers.length === 0) return `Nothing left in ${region} for cluster ${clusterName}.`;
    return [
        `${leftovers.length} resource(s) left in ${region} for cluster ${clusterName}, billed until deleted:`,
        ...leftovers.map((l) => `  ${l.kind} ${l.id} (${l.detail})`),
        "Volumes in state deleting go by themselves: run again with --wait 10. Anything else: delete it",
        "(aws ec2 delete-volume --volume-id ..., aws elbv2 delete-load-balancer --load-balancer-arn ...).",
        "The resource tagging API can list a just-deleted load balancer for a few minutes.",
    ].join("\n");
}

export interface Context {
    readonly aws: Aws;
    readonly out: (text: string) => void;
    readonly sleep: (ms: number) => Promise<void>;
    readonly root: string;
}

const POLL_MS = 15_000;

/** Returns the exit code. */
export async function run(argv: readonly string[], context: Context): Promise<number> {
    let parsed: Parsed;
    let region: string;
    try {
        parsed = parseArgs(argv);
        region = parsed.region ?? regionOf(context.root, parsed.stack);
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        context.out(error.message);
        return 2;
    }
    const clusterName = clusterNameOf(parsed.stack);
    const polls = Math.ceil((parsed.waitMinutes * 60_000) / POLL_MS);
    let leftovers: Leftover[];
    try {
        leftovers = await findLeftovers(context.aws, clusterName, region);
        for (let poll = 0; poll < polls && leftovers.length > 0; poll++) {
            context.out(`${leftovers.length} left; checking again in ${POLL_MS / 1000} s.`);
            await context.sleep(POLL_MS);
            leftovers = await findLeftovers(context.aws, clusterName, region);
        }
    } catch (error) {
        context.out(`The AWS CLI failed: ${(error as Error).message}`);
        return 2;
    }
    context.out(describeLeftovers(clusterName, region, leftovers));
    return leftovers.length === 0 ? 0 : 1;
}

/** The real `aws` on PATH, with the caller's credentials and profile. */
export const awsCli: Aws = (args) =>
    new Promise((resolve, reject) => {
        execFile("aws", args, { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
            if (!error) return resolve(stdout);
            const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
            reject(
                new Error(
                    missing
                        ? "`aws` was not found on PATH: install the AWS CLI v2 and log in."
                        : `aws ${args.slice(0, 2).join(" ")}: ${stderr.trim() || error.message}`,
                ),
            );
        });
    });

if (require.main === module) {
    run(process.argv.slice(2), {
        aws: awsCli,
        out: (text) => console.log(text),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        root: path.join(__dirname, ".."),
    }).then(
        (code) => process.exit(code),
        (error: unknown) => {
            console.error(error);
            process.exit(2);
        },
    );
}
