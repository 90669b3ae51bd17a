// Shared by the test files: one evaluation per stack file per process (the suite stays fast),
// and small finders over the mock engine's records.
import * as assert from "node:assert/strict";
import { toCliValues } from "../config";
import {
    qualifiedStackName,
    RecordedResource,
    referenceTo,
    ROOT,
    runStack,
    RunOptions,
    stackConfig,
    StackRun,
} from "../testing/engine";
import { hostRun } from "../tools/offline-stack";
import { devStackFileConfig } from "../tools/stack";
import { ephemeralConfig, ReviewAppOptions, reviewAppConfig, tenantConfig } from "../tools/ephemeral";
import { EPHEMERAL_BOUNDARY } from "./config-helpers";

let queue: Promise<unknown> = Promise.resolve();
const cache = new Map<string, Promise<StackRun>>();

/** Runs are serialised: the Pulumi runtime is process-global. */
function serialised(run: () => Promise<StackRun>): Promise<StackRun> {
    const done = queue.then(run);
    queue = done.catch(() => undefined);
    return done;
}

export function evaluate(stack: string, options: RunOptions = {}): Promise<StackRun> {
    return serialised(() => runStack(stack, options));
}

/**
 * The real stack file, evaluated once and shared by every test that only reads it. Dev is the
 * offline tools' host evaluation (hostRun), which the plan tests in this process also read.
 */
export function stackRun(stack: "dev" | "prod"): Promise<StackRun> {
    if (!cache.has(stack)) cache.set(stack, stack === "dev" ? serialised(() => hostRun(ROOT)) : evaluate(stack));
    return cache.get(stack)!;
}

/** What the configured runs set on top of the stack files: each optional or alternative setting once. */
export const CONFIGURED = {
    prebuiltImage: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend@sha256:${"b".repeat(64)}`,
    grafanaAdminPassword: "correct-horse-battery-staple-42",
    slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX",
    adminPrincipalArns: ["arn:aws:iam::123456789012:role/platform-admins"],
    viewerPrincipalArns: ["arn:aws:iam::123456789012:role/preview", "arn:aws:iam::123456789012:user/ops/auditor"],
    auditorPrincipalArns: ["arn:aws:iam::123456789012:role/drift"],
    privateEndpointAccessCidrs: ["172.16.8.0/22"],
    apiAccess: { via: "connectedNetwork" },
} as const;
const SECRET_KEYS = ["scalable-backend:grafanaAdminPassword", "scalable-backend:alertmanagerSlackWebhookUrl"];

/**
 * The stack file with every optional setting the tests check configured at once, evaluated once:
 * dev with a prebuilt image and both secrets; prod with admins, viewers, private-endpoint networks
 * and a private-only endpoint reached over a connected network.
 */
export function configuredRun(stack: "dev" | "prod"): Promise<StackRun> {
    const key = `configured:${stack}`;
    if (!cache.has(key)) {
        const values = stackConfig(stack);
        const config: Record<string, string> =
            stack === "dev"
                ? {
                      "scalable-backend:backend": JSON.stringify({
                          ...JSON.parse(values["scalable-backend:backend"]),
                          image: CONFIGURED.prebuiltImage,
                      }),
                      [SECRET_KEYS[0]]: CONFIGURED.grafanaAdminPassword,
                      [SECRET_KEYS[1]]: CONFIGURED.slackWebhookUrl,
                  }
                : {
                      "scalable-backend:adminPrincipalArns": JSON.stringify(CONFIGURED.adminPrincipalArns),
                      "scalable-backend:viewerPrincipalArns": JSON.stringify(CONFIGURED.viewerPrincipalArns),
                      "scalable-backend:auditorPrincipalArns": JSON.stringify(CONFIGURED.auditorPrincipalArns),
                      "scalable-backend:privateEndpointAccessCidrs": JSON.stringify(
                          CONFIGURED.privateEndpointAccessCidrs,
                      ),
                      // Prod after its bootstrap: private-only, reached over a VPN or peering.
                      "scalable-backend:endpointPublicAccess": "false",
                      "scalable-backend:publicAccessCidrs": "[]",
                      "scalable-backend:apiAccess": JSON.stringify(CONFIGURED.apiAccess),
                  };
        cache.set(key, evaluate(stack, { config, secretKeys: stack === "dev" ? SECRET_KEYS : [] }));
    }
    return cache.get(key)!;
}

export const EPHEMERAL_STACK = "eph-policy";
export const EPHEMERAL_META = {
    owner: "platform-team",
    createdAt: new Date("2026-01-01T00:00:00.000Z"),
    expiresAt: new Date("2026-01-01T08:00:00.000Z"),
};

/**
 * An eph-* stack with the config tools/stack.ts writes, as the CLI hands it over, evaluated once;
 * with the permissions boundary `create --permissions-boundary` sets.
 */
export function ephemeralRun(): Promise<StackRun> {
    if (!cache.has(EPHEMERAL_STACK)) {
        const config = {
            ...toCliValues(ephemeralConfig(devStackFileConfig(), EPHEMERAL_META)),
            "scalable-backend:permissionsBoundaryArn": EPHEMERAL_BOUNDARY,
        };
        cache.set(EPHEMERAL_STACK, evaluate(EPHEMERAL_STACK, { config }));
    }
    return cache.get(EPHEMERAL_STACK)!;
}

/** The host as a StackReference reads it: dev's own recorded outputs, under the default host name. */
export async function devReference(): Promise<NonNullable<RunOptions["stackReferences"]>> {
    return { [qualifiedStackName("dev")]: referenceTo(await stackRun("dev")) };
}

/**
 * A stack placed on dev with the config tools/stack.ts writes (the app layer for eph-*, the tenant
 * for tenant-*), its host read from dev's evaluation; evaluated once per name and options.
 */
export function hostedRun(stack: string, app: ReviewAppOptions = {}, extra: RunOptions = {}): Promise<StackRun> {
    const key = `hosted:${stack}:${JSON.stringify(app)}:${JSON.stringify(extra)}`;
    if (!cache.has(key)) {
        const config = toCliValues(
            stack.startsWith("tenant-")
                ? tenantConfig(devStackFileConfig(), EPHEMERAL_META, app.hostStack)
                : reviewAppConfig(devStackFileConfig(), EPHEMERAL_META, app),
        );
        cache.set(
            key,
            devReference().then((stackReferences) =>
                evaluate(stack, { stackReferences, ...extra, config: { ...config, ...extra.config } }),
            ),
        );
    }
    return cache.get(key)!;
}

export function ofType(run: StackRun, type: string): RecordedResource[] {
    return run.resources.filter((r) => r.type === type).sort((a, b) => a.name.localeCompare(b.name));
}

export function one(run: StackRun, type: string, name: string): RecordedResource {
    const matches = run.resources.filter((r) => r.type === type && r.name === name);
    assert.equal(matches.length, 1, `expected exactly one ${type} named ${name}, found ${matches.length}`);
    return matches[0];
}

/** True if `resource` waits for `dependency`, directly or through a chain of engine dependencies. */
export function waitsFor(run: StackRun, resource: RecordedResource, dependency: RecordedResource): boolean {
    const byUrn = new Map(run.resources.map((r) => [r.urn, r]));
    const seen = new Set<string>();
    const stack = [...resource.dependencies];
    while (stack.length > 0) {
        const urn = stack.pop()!;
        if (urn === dependency.urn) return true;
        if (seen.has(urn)) continue;
        seen.add(urn);
        stack.push(...(byUrn.get(urn)?.dependencies ?? []));
    }
    return false;
}

export const STACKS = ["dev", "prod"] as const;
