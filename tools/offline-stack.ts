// The stack an offline tool (`npm run plan`, `npm run cost`) evaluates: dev and prod from their stack
// files; an eph-* or tenant-* stack from its Pulumi.<stack>.yaml when this machine has one, else from
// the config `npm run stack -- create` would write (tools/ephemeral.ts), with a fixed lifetime so two
// plans are byte-identical. A stack placed on dev reads dev's own outputs, evaluated first in the
// same process: the StackReference under the mock engine answers what dev would export.
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import { boundaryArnOf } from "../lib/bootstrap-naming";
import type { RunOptions, StackRun } from "../testing/engine";
import { EphemeralMeta, ephemeralConfig, reviewAppConfig, tenantConfig } from "./ephemeral";

/** The project directory. */
const ROOT = path.resolve(__dirname, "..");

/** What a stack without a stack file is planned as; undefined: shared, private, built from app/. */
export interface OfflineFlags {
    readonly placement?: "shared" | "cluster";
    /** `--public --source-ranges`: the app layer's NLB admits only these. */
    readonly sourceRanges?: readonly string[];
    /** `--image`: a prebuilt image pinned by digest, nothing built. */
    readonly image?: string;
}

/** The lifetime an offline plan gives a stack (the tests' EPHEMERAL_META): fixed, never the clock. */
export const OFFLINE_META: EphemeralMeta = Object.freeze({
    owner: "platform-team",
    createdAt: new Date("2026-01-01T00:00:00.000Z"),
    expiresAt: new Date("2026-01-01T08:00:00.000Z"),
});

/** A cluster placement needs the bootstrap's permissions boundary: a placeholder account's, as the tests use. */
export const OFFLINE_BOUNDARY = boundaryArnOf("123456789012");

const BOUNDARY_KEY = "scalable-backend:permissionsBoundaryArn";

/** `<root>/Pulumi.dev.yaml`'s config, structured: what `stack create` derives every review stack's from. */
export function devConfigOf(root: string = ROOT): Record<string, unknown> {
    const doc = yaml.load(fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8")) as {
        config?: Record<string, unknown>;
    };
    return doc.config ?? {};
}

/** The config `stack create` writes for `stack` (structured, as in a stack file), from dev's stack file. */
export function offlineConfig(
    stack: string,
    flags: OfflineFlags = {},
    devConfig: Readonly<Record<string, unknown>> = devConfigOf(),
): Record<string, unknown> {
    if (stack.startsWith("tenant-")) return tenantConfig(devConfig, OFFLINE_META);
    if (flags.placement === "cluster")
        return { ...ephemeralConfig(devConfig, OFFLINE_META), [BOUNDARY_KEY]: OFFLINE_BOUNDARY };
    return reviewAppConfig(devConfig, OFFLINE_META, {
        ...(flags.sourceRanges ? { sourceRanges: flags.sourceRanges } : {}),
        ...(flags.image ? { image: flags.image } : {}),
    });
}

/** Where the stack's config comes from: its file, or the offline config (eph-* and tenant-* only). */
export function hasStackFile(root: string, stack: string): boolean {
    return fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`));
}

/** A stack placed on dev: every eph-* and tenant-* stack but one planned with `--placement cluster`. */
const placedOnDev = (stack: string, offline: boolean, flags: OfflineFlags): boolean =>
    stack.startsWith("tenant-") || (stack.startsWith("eph-") && !(offline && flags.placement === "cluster"));

/** The one line the plan prints above the tree of a stack planned without its stack file. */
export function describeOfflineConfig(stack: string, flags: OfflineFlags): string {
    const what = stack.startsWith("tenant-")
        ? "its tenant layer"
        : flags.placement === "cluster"
          ? `placement cluster, permissions boundary ${OFFLINE_BOUNDARY}`
          : `placement shared, ${flags.sourceRanges ? `public to ${flags.sourceRanges.join(",")}` : "ClusterIP"}, ${flags.image ? `image ${flags.image}` : "image built from app/"}`;
    return (
        `No Pulumi.${stack}.yaml: planned with the config \`npm run stack -- create\` writes (${what}; ` +
        `created ${OFFLINE_META.createdAt.toISOString()}, expires ${OFFLINE_META.expiresAt.toISOString()})` +
        (placedOnDev(stack, true, flags) ? "; its host is dev, evaluated first in this process" : "")
    );
}

/** Dev's evaluation per project directory: evaluated once per process, however many guests read it. */
const hosts = new Map<string, Promise<StackRun>>();

/** Dev, as the stacks placed on it read it: its first evaluation in this process (a failed one is retried). */
export function hostRun(root: string): Promise<StackRun> {
    let host = hosts.get(root);
    if (host === undefined) {
        host = import("../testing/engine").then(({ runStack }) => runStack("dev", { projectDir: root }));
        hosts.set(root, host);
        host.catch(() => hosts.delete(root));
    }
    return host;
}

/**
 * Evaluates `stack` under the mock engine as the offline tools do. Loads the engine (and the SDKs)
 * only here, so a refused command line answers at once.
 */
export async function evaluateStack(root: string, stack: string, flags: OfflineFlags = {}): Promise<StackRun> {
    const { qualifiedStackName, referenceTo, runStack } = await import("../testing/engine");
    const { toCliValues } = await import("../config/load");
    const offline = (stack.startsWith("eph-") || stack.startsWith("tenant-")) && !hasStackFile(root, stack);
    const options: { -readonly [K in keyof RunOptions]: RunOptions[K] } = { projectDir: root };
    if (offline) options.config = toCliValues(offlineConfig(stack, flags, devConfigOf(root)));
    if (placedOnDev(stack, offline, flags)) {
        options.stackReferences = { [qualifiedStackName("dev")]: referenceTo(await hostRun(root)) };
    }
    return runStack(stack, options);
}
