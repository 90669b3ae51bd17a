// Unit tests of config/: the real stack files, stack classification, every validation error,
// secrets never echoed, CLI-shaped (string) values, profile defaults, and the CIDR helpers.
//
// Raw config is built the way `loadConfig` builds it from what the CLI hands over (see
// `rawFromCli`), starting from the real Pulumi.<stack>.yaml through testing/engine.ts, so a test
// that changes one value proves that exactly that value is what the validation is about.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as util from "node:util";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import {
    CLUSTER_LOG_TYPES,
    CONFIG_KEYS,
    ConfigError,
    INSTANCE_FAMILIES,
    LOG_RETENTION_DAYS,
    OPTIONAL_KEYS,
    PROJECT,
    SUPPORTED_KUBERNETES_VERSIONS,
    StackConfig,
    classifyStack,
    fromCliValues,
    loadConfig,
    parseStackConfig,
} from "../config";
import { ROOT, readConfigFile, stackConfig } from "../testing/engine";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

type FileStack = "dev" | "prod";
/** Raw config as tests edit it: plain JSON-ish data. */
type MutableRaw = Record<string, any>;

const PREFIX = `${PROJECT}:`;
const KNOWN_KEYS = Object.keys(CONFIG_KEYS);
/** Keys a stack file must set: every key but the optional secrets, which never sit there in plain text. */
const FILE_KEYS = KNOWN_KEYS.filter((k) => !OPTIONAL_KEYS.includes(k));

/** What `loadConfig` does with the CLI's values (config/load.ts fromCliValues). */
function rawFromCli(values: Record<string, string>): MutableRaw {
    return fromCliValues("test", values);
}

const fixtures = new Map<FileStack, { raw: MutableRaw; region: string | undefined }>();

/** The real stack file as the program sees it, read once. */
function fixture(stack: FileStack): { raw: MutableRaw; region: string | undefined } {
    let f = fixtures.get(stack);
    if (!f) {
        const values = stackConfig(stack);
        f = { raw: rawFromCli(values), region: values["aws:region"] };
        fixtures.set(stack, f);
    }
    return f;
}

/** A fresh deep copy of the raw config of a real stack file; edit it freely. */
function rawFor(stack: FileStack): MutableRaw {
    return structuredClone(fixture(stack).raw);
}
const devRaw = (): MutableRaw => rawFor("dev");
const prodRaw = (): MutableRaw => rawFor("prod");

/** `aws:region` of the stack files (both use the same one). */
const REGION = "eu-west-1";

/** Parses with the stack files' region; pass a region to parseStackConfig directly to test it. */
function parse(stack: string, raw: MutableRaw): StackConfig {
    return parseStackConfig(stack, raw, REGION);
}

/** Parses the real file of `stack` after `edit`. */
function parseEdited(stack: FileStack, edit: (raw: MutableRaw) => void): StackConfig {
    const raw = rawFor(stack);
    edit(raw);
    return parse(stack, raw);
}

// Edits, so the tables below read as "change one thing".
const set = (key: string, value: unknown) => (raw: MutableRaw) => {
    raw[key] = value;
};
const drop =
    (...keys: string[]) =>
    (raw: MutableRaw) => {
        for (const key of keys) delete raw[key];
    };
const rename = (from: string, to: string) => (raw: MutableRaw) => {
    raw[to] = raw[from];
    delete raw[from];
};
/** Edits `nodeGroups.general`. */
const group = (edit: (general: MutableRaw) => void) => (raw: MutableRaw) => edit(raw.nodeGroups.general);
const setGroup = (field: string, value: unknown) =>
    group((g) => {
        g[field] = value;
    });
const setAddon = (name: string, value: unknown) => (raw: MutableRaw) => {
    raw.addonVersions[name] = value;
};
const both =
    (...edits: ((raw: MutableRaw) => void)[]) =>
    (raw: MutableRaw) => {
        for (const edit of edits) edit(raw);
    };

interface ExpectedConfigError {
    readonly stack?: string;
    /** The key as ConfigError.key holds it: unprefixed ("nodeGroups.general.minSize") or "aws:region". */
    readonly key: string;
    /** Fragments of the problem part (between the key and "Expected"). */
    readonly says?: readonly string[];
    /** Fragments of the part after "Expected". */
    readonly expects: readonly string[];
    /** Strings that must not appear anywhere in the error (secrets). */
    readonly never?: readonly string[];
}

/**
 * Asserts that `fn` throws a ConfigError for `key`, whose message has the documented shape
 * `Stack "<stack>": config key "<full key>" <problem>. Expected <expected>.` with the given fragments.
 */
function expectConfigError(fn: () => unknown, expected: ExpectedConfigError): ConfigError {
    const stack = expected.stack ?? "dev";
    let thrown: unknown;
    try {
        fn();
    } catch (error) {
        thrown = error;
    }
    assert.ok(thrown !== undefined, `expected a ConfigError for "${expected.key}", but nothing was thrown`);
    assert.ok(thrown instanceof ConfigError, `expected a ConfigError for "${expected.key}", got: ${String(thrown)}`);
    const error = thrown;
    assert.equal(error.name, "ConfigError");
    assert.equal(error.key, expected.key);

    const fullKey = expected.key.includes(":") ? expected.key : `${PREFIX}${expected.key}`;
    const head = `Stack "${stack}": config key "${fullKey}" `;
    const message = error.message;
    assert.ok(message.startsWith(head), `message should start with ${JSON.stringify(head)}:\n  ${message}`);
    const at = message.indexOf(". Expected ");
    assert.ok(at > head.length, `message should have a problem and an "Expected" part:\n  ${message}`);
    assert.ok(message.endsWith("."), `message should end with a full stop:\n  ${message}`);
    const problem = message.slice(head.length, at);
    const expectation = message.slice(at + ". Expected ".length, -1);
    for (const fragment of expected.says ?? []) {
        assert.ok(problem.includes(fragment), `problem part should contain ${JSON.stringify(fragment)}:\n  ${message}`);
    }
    for (const fragment of expected.expects) {
        assert.ok(
            expectation.includes(fragment),
            `"Expected" part should contain ${JSON.stringify(fragment)}:\n  ${message}`,
        );
    }
    for (const secret of expected.never ?? []) {
        for (const text of [message, String(error), util.inspect(error), JSON.stringify(error)]) {
            assert.ok(!text.includes(secret), `the error must not echo ${JSON.stringify(secret)}:\n  ${text}`);
        }
    }
    return error;
}

interface Rejection {
    readonly title: string;
    /** The real stack file the edit starts from; dev unless said. */
    readonly stack?: FileStack;
    readonly edit: (raw: MutableRaw) => void;
    readonly key: string;
    readonly says: readonly string[];
    readonly expects: readonly string[];
}

/** One `it` per case: the real stack file with one change is refused with exactly this error. */
function rejects(cases: readonly Rejection[]): void {
    for (const c of cases) {
        const stack = c.stack ?? "dev";
        it(`rejects ${c.title} (${stack})`, () => {
            expectConfigError(() => parseEdited(stack, c.edit), {
                stack,
                key: c.key,
                says: c.says,
                expects: c.expects,
            });
        });
    }
}

/** Every object and array reachable from `value` is frozen. */
function assertDeepFrozen(value: unknown, where: string): void {
    if (value === null || typeof value !== "object") return;
    assert.ok(Object.isFrozen(value), `${where} is not frozen`);
    for (const [key, child] of Object.entries(value)) assertDeepFrozen(child, `${where}.${key}`);
}

// ---------------------------------------------------------------------------------------------
// Expected results of the real stack files
// ---------------------------------------------------------------------------------------------

const ADDON_VERSIONS = {
    vpcCni: "v1.23.1-eksbuild.1",
    kubeProxy: "v1.35.3-eksbuild.13",
    coredns: "v1.14.2-eksbuild.4",
    ebsCsiDriver: "v1.66.0-eksbuild.1",
    metricsServer: "v0.9.0-eksbuild.11",
};

const CHARTS = {
    platform: {
        awsLoadBalancerController: { version: "3.5.0" },
        clusterAutoscaler: { version: "9.59.0", imageTag: "v1.35.2" },
    },
    monitoring: {
        kubePrometheusStack: { version: "88.5.3" },
        prometheusOperatorCrds: { version: "31.0.1" },
    },
};

const NO_SECRETS = { grafanaAdminPassword: false, alertmanagerSlackWebhookUrl: false };

const TAGS_DEV = {
    project: "scalable-backend",
    stack: "dev",
    environment: "dev",
    owner: "platform-team",
    "managed-by": "pulumi",
};
const TAGS_PROD = { ...TAGS_DEV, stack: "prod", environment: "prod" };

const EXPECTED_DEV: StackConfig = {
    stack: {
        project: "scalable-backend",
        name: "dev",
        profile: "dev",
        owner: "platform-team",
        region: "eu-west-1",
        clusterName: "scalable-backend-dev",
        protect: false,
        kmsDeletionWindowDays: 7,
        loadBalancerControllerReplicas: 1,
        tags: TAGS_DEV,
    },
    network: {
        cidrBlock: "10.10.0.0/16",
        availabilityZoneCount: 2,
        natGateways: "single",
        clusterName: "scalable-backend-dev",
    },
    cluster: {
        clusterName: "scalable-backend-dev",
        kubernetesVersion: "1.35",
        endpointPublicAccess: true,
        publicAccessCidrs: [],
        vpcCidr: "10.10.0.0/16",
        privateEndpointAccessCidrs: [],
        adminPrincipalArns: [],
        clusterLogTypes: ["api", "audit", "authenticator"],
        logRetentionDays: 7,
        kmsDeletionWindowDays: 7,
        nodeGroups: {
            general: {
                instanceTypes: ["t3.large", "t3a.large", "m5.large"],
                capacityType: "SPOT",
                minSize: 1,
                desiredSize: 2,
                maxSize: 4,
                diskSizeGiB: 30,
            },
        },
        addonVersions: ADDON_VERSIONS,
        tags: TAGS_DEV,
        protect: false,
    },
    platform: { region: "eu-west-1", charts: CHARTS.platform, loadBalancerControllerReplicas: 1 },
    image: { repositoryName: "scalable-backend-dev/backend", forceDelete: true },
    backend: {
        identity: { namespace: "backend", name: "backend" },
        stack: "dev",
        minReplicas: 1,
        maxReplicas: 4,
        cpuTargetPercent: 70,
        cpuRequest: "100m",
        memoryRequest: "128Mi",
        memoryLimit: "256Mi",
        loadBalancerSourceRanges: [],
    },
    monitoring: {
        namespace: "monitoring",
        charts: CHARTS.monitoring,
        installTimeoutSeconds: 900,
        prometheus: {
            replicas: 1,
            retention: "3d",
            retentionSize: "8GB",
            storageGiB: 10,
            cpuRequest: "200m",
            memoryRequest: "1Gi",
            memoryLimit: "2Gi",
        },
        alertmanager: { replicas: 1, storageGiB: 1, cpuRequest: "50m", memoryRequest: "64Mi", memoryLimit: "128Mi" },
        grafana: { cpuRequest: "100m", memoryRequest: "256Mi", memoryLimit: "512Mi" },
        alerts: { errorRatioPercent: 5, p99LatencyMs: 500, restartsPer15m: 3 },
    },
    secretsSet: NO_SECRETS,
};

const EXPECTED_PROD: StackConfig = {
    stack: {
        project: "scalable-backend",
        name: "prod",
        profile: "prod",
        owner: "platform-team",
        region: "eu-west-1",
        clusterName: "scalable-backend-prod",
        protect: true,
        kmsDeletionWindowDays: 30,
        loadBalancerControllerReplicas: 2,
        tags: TAGS_PROD,
    },
    network: {
        cidrBlock: "10.20.0.0/16",
        availabilityZoneCount: 3,
        natGateways: "perAz",
        clusterName: "scalable-backend-prod",
    },
    cluster: {
        clusterName: "scalable-backend-prod",
        kubernetesVersion: "1.35",
        endpointPublicAccess: false,
        publicAccessCidrs: [],
        vpcCidr: "10.20.0.0/16",
        privateEndpointAccessCidrs: [],
        adminPrincipalArns: [],
        clusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
        logRetentionDays: 90,
        kmsDeletionWindowDays: 30,
        nodeGroups: {
            general: {
                instanceTypes: ["m6i.large", "m6a.large", "m5.large"],
                capacityType: "ON_DEMAND",
                minSize: 3,
                desiredSize: 3,
                maxSize: 10,
                diskSizeGiB: 50,
            },
        },
        addonVersions: ADDON_VERSIONS,
        tags: TAGS_PROD,
        protect: true,
    },
    platform: { region: "eu-west-1", charts: CHARTS.platform, loadBalancerControllerReplicas: 2 },
    image: { repositoryName: "scalable-backend-prod/backend", forceDelete: false },
    backend: {
        identity: { namespace: "backend", name: "backend" },
        stack: "prod",
        minReplicas: 3,
        maxReplicas: 20,
        cpuTargetPercent: 60,
        cpuRequest: "250m",
        memoryRequest: "256Mi",
        memoryLimit: "512Mi",
        loadBalancerSourceRanges: ["203.0.113.0/24"],
    },
    monitoring: {
        namespace: "monitoring",
        charts: CHARTS.monitoring,
        installTimeoutSeconds: 1200,
        prometheus: {
            replicas: 2,
            retention: "15d",
            retentionSize: "40GB",
            storageGiB: 50,
            cpuRequest: "500m",
            memoryRequest: "2Gi",
            memoryLimit: "4Gi",
        },
        alertmanager: { replicas: 2, storageGiB: 2, cpuRequest: "100m", memoryRequest: "128Mi", memoryLimit: "256Mi" },
        grafana: { cpuRequest: "200m", memoryRequest: "512Mi", memoryLimit: "1Gi" },
        alerts: { errorRatioPercent: 5, p99LatencyMs: 300, restartsPer15m: 3 },
    },
    secretsSet: NO_SECRETS,
};

const EXPECTED: Record<FileStack, StackConfig> = { dev: EXPECTED_DEV, prod: EXPECTED_PROD };

// ---------------------------------------------------------------------------------------------
// 1. The real stack files
// ---------------------------------------------------------------------------------------------

describe("config: the real stack files", () => {
    for (const stack of ["dev", "prod"] as const) {
        describe(`Pulumi.${stack}.yaml`, () => {
            const load = (): StackConfig => parseStackConfig(stack, rawFor(stack), fixture(stack).region);

            it("sets aws:region to the region the tests assume", () => {
                assert.equal(fixture(stack).region, REGION);
            });

            it("parses to exactly the expected config", () => {
                assert.deepEqual(load(), EXPECTED[stack]);
            });

            it("has the profile, cluster name and Kubernetes version of the stack", () => {
                const config = load();
                assert.equal(config.stack.profile, stack);
                assert.equal(config.stack.name, stack);
                assert.equal(config.stack.clusterName, `scalable-backend-${stack}`);
                assert.equal(config.cluster.kubernetesVersion, "1.35");
                assert.equal(config.stack.region, "eu-west-1");
                assert.equal(config.stack.owner, "platform-team");
            });

            it("has the network, endpoint and logging settings of the profile", () => {
                const config = load();
                const e = EXPECTED[stack];
                assert.equal(config.network.availabilityZoneCount, stack === "prod" ? 3 : 2);
                assert.equal(config.network.natGateways, stack === "prod" ? "perAz" : "single");
                assert.equal(config.network.cidrBlock, e.network.cidrBlock);
                assert.equal(config.cluster.endpointPublicAccess, stack === "dev");
                assert.deepEqual(config.cluster.publicAccessCidrs, []);
                assert.deepEqual(config.cluster.adminPrincipalArns, []);
                assert.deepEqual(
                    config.cluster.clusterLogTypes,
                    stack === "prod" ? [...CLUSTER_LOG_TYPES] : ["api", "audit", "authenticator"],
                );
                assert.equal(config.cluster.logRetentionDays, stack === "prod" ? 90 : 7);
            });

            it("has the node group, add-on and chart versions of the file", () => {
                const config = load();
                assert.deepEqual(Object.keys(config.cluster.nodeGroups), ["general"]);
                assert.deepEqual(config.cluster.nodeGroups.general, EXPECTED[stack].cluster.nodeGroups.general);
                assert.deepEqual(config.cluster.addonVersions, ADDON_VERSIONS);
                assert.deepEqual(config.platform.charts, CHARTS.platform);
                assert.deepEqual(config.monitoring.charts, CHARTS.monitoring);
            });

            it("protects data only in prod and tags exactly project, stack, environment, owner, managed-by", () => {
                const config = load();
                assert.equal(config.stack.protect, stack === "prod");
                assert.equal(config.stack.kmsDeletionWindowDays, stack === "prod" ? 30 : 7);
                assert.equal(config.stack.loadBalancerControllerReplicas, stack === "prod" ? 2 : 1);
                assert.deepEqual(Object.keys(config.stack.tags).sort(), [
                    "environment",
                    "managed-by",
                    "owner",
                    "project",
                    "stack",
                ]);
                assert.deepEqual(config.stack.tags, {
                    project: "scalable-backend",
                    stack,
                    environment: stack,
                    owner: "platform-team",
                    "managed-by": "pulumi",
                });
            });

            it("is deeply frozen", () => {
                const config = load();
                assert.ok(Object.isFrozen(config));
                assert.ok(Object.isFrozen(config.cluster.nodeGroups));
                assert.ok(Object.isFrozen(config.cluster.nodeGroups.general));
                assert.ok(Object.isFrozen(config.cluster.nodeGroups.general.instanceTypes));
                assert.ok(Object.isFrozen(config.stack.tags));
                assert.ok(Object.isFrozen(config.cluster.addonVersions));
                assert.ok(Object.isFrozen(config.platform.charts));
                assert.ok(Object.isFrozen(config.platform.charts.clusterAutoscaler));
                assert.ok(Object.isFrozen(config.platform.charts.awsLoadBalancerController));
                assert.ok(Object.isFrozen(config.cluster.clusterLogTypes));
                assert.ok(Object.isFrozen(config.cluster.publicAccessCidrs));
                assert.ok(Object.isFrozen(config.cluster.adminPrincipalArns));
                assertDeepFrozen(config, "config");
                // Modules are strict: writing to a frozen object throws instead of silently doing nothing.
                assert.throws(() => {
                    (config as any).owner = "someone-else";
                }, TypeError);
                assert.throws(() => {
                    (config.cluster.nodeGroups.general.instanceTypes as string[]).push("m5.large");
                }, TypeError);
                assert.throws(() => {
                    (config.stack.tags as Record<string, string>).extra = "x";
                }, TypeError);
            });
        });
    }

    describe("config drift between config/, Pulumi.yaml and the stack files", () => {
        for (const stack of ["dev", "prod"] as const) {
            const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
            const projectKeys = (): string[] =>
                Object.keys(readConfigFile(file).values)
                    .filter((k) => k.startsWith(PREFIX))
                    .map((k) => k.slice(PREFIX.length));

            it(`Pulumi.${stack}.yaml sets only keys config/ knows`, () => {
                const unknown = projectKeys().filter((k) => !KNOWN_KEYS.includes(k));
                assert.deepEqual(unknown, []);
            });

            it(`Pulumi.${stack}.yaml sets every key of CONFIG_KEYS explicitly`, () => {
                const missing = FILE_KEYS.filter((k) => !projectKeys().includes(k));
                assert.deepEqual(missing, []);
                assert.deepEqual([...projectKeys()].sort(), [...FILE_KEYS].sort());
            });

            it(`Pulumi.${stack}.yaml disables the default kubernetes provider`, () => {
                const raw = readConfigFile(file).values["pulumi:disable-default-providers"];
                assert.ok(raw !== undefined, "pulumi:disable-default-providers is not set");
                const disabled: unknown = JSON.parse(raw);
                assert.ok(Array.isArray(disabled), `pulumi:disable-default-providers is not a list: ${raw}`);
                assert.ok(disabled.includes("kubernetes"), `pulumi:disable-default-providers is ${raw}`);
            });

            it(`Pulumi.${stack}.yaml keeps no encrypted values the program would need`, () => {
                assert.deepEqual(readConfigFile(file).secureKeys, []);
            });
        }

        describe("Pulumi.yaml", () => {
            interface Declaration {
                type?: string;
                description?: string;
                items?: { type?: string };
                default?: unknown;
                value?: unknown;
            }
            const project = (): { name: string; config: Record<string, Declaration> } =>
                yaml.load(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
                    name: string;
                    config: Record<string, Declaration>;
                };
            const TYPE_OF_KIND: Record<string, string | undefined> = {
                string: "string",
                integer: "integer",
                boolean: "boolean",
                array: "array",
                object: undefined,
                secret: "string",
            };

            it("names the project PROJECT", () => {
                assert.equal(project().name, PROJECT);
            });

            it("declares exactly the required keys of CONFIG_KEYS: a declared key without a default is required by the CLI", () => {
                assert.deepEqual(Object.keys(project().config).sort(), [...FILE_KEYS].sort());
                for (const key of OPTIONAL_KEYS)
                    assert.equal(project().config[key], undefined, `${key} is optional and must not be declared`);
            });

            for (const [key, kind] of Object.entries(CONFIG_KEYS).filter(([k]) => !OPTIONAL_KEYS.includes(k))) {
                it(`declares ${key} (${kind}) with a description${kind === "object" ? " and no type" : ` and type ${kind}`}`, () => {
                    const declaration = project().config[key];
                    assert.ok(declaration && typeof declaration === "object", `Pulumi.yaml does not declare ${key}`);
                    assert.equal(typeof declaration.description, "string", `${key} has no description`);
                    assert.ok(
                        declaration.description!.trim().length > 10,
                        `${key}'s description is too short: ${declaration.description}`,
                    );
                    assert.equal(declaration.type, TYPE_OF_KIND[kind]);
                    if (kind === "array") assert.deepEqual(declaration.items, { type: "string" });
                    assert.equal((declaration as { secret?: boolean }).secret, kind === "secret" ? true : undefined);
                    // Every stack file states its values; a project default would apply to every stack unseen.
                    assert.equal(declaration.default, undefined, `${key} has a project-level default`);
                    assert.equal(declaration.value, undefined, `${key} has a project-level value`);
                });
            }
        });
    });
});

// ---------------------------------------------------------------------------------------------
// 2. Stack classification
// ---------------------------------------------------------------------------------------------

describe("config: stack classification", () => {
    const accepted: [string, string][] = [
        ["dev", "dev"],
        ["prod", "prod"],
        ["eph-my-branch", "ephemeral"],
        ["eph-a", "ephemeral"],
        ["eph-42", "ephemeral"],
        [`eph-${"a".repeat(32)}`, "ephemeral"], // 36 characters, the limit
    ];
    for (const [stack, profile] of accepted) {
        it(`classifies "${stack}" as ${profile}`, () => {
            assert.equal(classifyStack(stack), profile);
        });
    }

    const refused = [
        "staging",
        "Eph-x",
        "eph-",
        "eph-UPPER",
        "eph-my_branch",
        "eph--x",
        "eph-x-",
        "development",
        "Dev",
        `eph-${"a".repeat(33)}`, // 37 characters
        `eph-${"a".repeat(36)}`, // 40 characters
    ];
    for (const stack of refused) {
        it(`refuses ${JSON.stringify(stack)} with a message naming it and the eph- convention`, () => {
            assert.throws(
                () => classifyStack(stack),
                (error: unknown) => {
                    assert.ok(error instanceof Error);
                    assert.ok(error.message.includes(`Stack "${stack}" is not one this program knows`), error.message);
                    assert.ok(error.message.includes(`"eph-<slug>"`), error.message);
                    assert.ok(error.message.includes("at most 36 characters"), error.message);
                    assert.ok(error.message.includes("pulumi stack init eph-my-branch"), error.message);
                    return true;
                },
            );
        });
    }

    it("refuses an unknown stack in parseStackConfig before looking at its config", () => {
        assert.throws(() => parse("staging", devRaw()), /Stack "staging" is not one this program knows.*"eph-<slug>"/);
    });
});

// ---------------------------------------------------------------------------------------------
// 3. Every error path of parseStackConfig
// ---------------------------------------------------------------------------------------------

describe("config: parseStackConfig errors", () => {
    it("starts from valid raw configs (so each case below fails for its one change)", () => {
        assert.equal(parse("dev", devRaw()).stack.profile, "dev");
        assert.equal(parse("prod", prodRaw()).stack.profile, "prod");
    });

    it("ConfigError names the stack, the full key, the problem and the expectation", () => {
        const error = new ConfigError("dev", "owner", "is bad", "good");
        assert.ok(error instanceof Error);
        assert.equal(error.name, "ConfigError");
        assert.equal(error.key, "owner");
        assert.equal(error.message, 'Stack "dev": config key "scalable-backend:owner" is bad. Expected good.');
        assert.equal(
            new ConfigError("dev", "aws:region", "is null", "a region").message,
            'Stack "dev": config key "aws:region" is null. Expected a region.',
        );
    });

    it("ConfigError keeps its message in the stack trace (Pulumi prints errors with util.inspect)", () => {
        // The Pulumi Node.js runtime reports an unhandled error with util.inspect(err), which prints
        // err.stack. If err.stack does not carry the message, `pulumi up` never shows the user what is wrong.
        const error = expectConfigError(() => parseEdited("dev", set("owner", "")), {
            key: "owner",
            says: ["is missing or empty"],
            expects: ["a non-empty string"],
        });
        assert.equal(typeof error.stack, "string");
        assert.ok(String(error.stack).includes(error.message), `err.stack is ${JSON.stringify(error.stack)}`);
        assert.ok(
            util.inspect(error).includes('config key "scalable-backend:owner" is missing or empty'),
            util.inspect(error),
        );
    });

    describe("unknown keys", () => {
        rejects([
            {
                title: 'a misspelt top-level key with a suggestion ("kubernetesVersoin")',
                edit: rename("kubernetesVersion", "kubernetesVersoin"),
                key: "kubernetesVersoin",
                says: ['is not a known key (did you mean "kubernetesVersion"?)'],
                expects: [`one of ${KNOWN_KEYS.join(", ")}`],
            },
            {
                title: 'a short key with two letters swapped ("owenr")',
                edit: rename("owner", "owenr"),
                key: "owenr",
                says: ['is not a known key (did you mean "owner"?)'],
                expects: [`one of ${KNOWN_KEYS.join(", ")}`],
            },
            {
                title: "an unknown top-level key in prod",
                stack: "prod",
                edit: set("enableSpot", "true"),
                key: "enableSpot",
                says: ["is not a known key"],
                expects: [`one of ${KNOWN_KEYS.join(", ")}`],
            },
            {
                title: 'a misspelt key inside nodeGroups.general ("maxSzie")',
                edit: group((g) => {
                    g.maxSzie = g.maxSize;
                    delete g.maxSize;
                }),
                key: "nodeGroups.general.maxSzie",
                says: ['is not a known key (did you mean "maxSize"?)'],
                expects: ["only instanceTypes, capacityType, minSize, desiredSize, maxSize, diskSizeGiB"],
            },
            {
                title: 'a misspelt key inside addonVersions ("kubeProxi")',
                edit: (raw) => rename("kubeProxy", "kubeProxi")(raw.addonVersions),
                key: "addonVersions.kubeProxi",
                says: ['is not a known key (did you mean "kubeProxy"?)'],
                expects: ["only vpcCni, kubeProxy, coredns, ebsCsiDriver, metricsServer"],
            },
            {
                title: "an extra add-on in addonVersions",
                edit: setAddon("podIdentityAgent", "v1.3.4-eksbuild.1"),
                key: "addonVersions.podIdentityAgent",
                says: ["is not a known key"],
                expects: ["only vpcCni, kubeProxy, coredns, ebsCsiDriver, metricsServer"],
            },
            {
                title: 'a misspelt key inside charts ("clusterAutoscalr")',
                edit: (raw) => rename("clusterAutoscaler", "clusterAutoscalr")(raw.charts),
                key: "charts.clusterAutoscalr",
                says: ['is not a known key (did you mean "clusterAutoscaler"?)'],
                expects: ["only awsLoadBalancerController, clusterAutoscaler"],
            },
            {
                title: 'a misspelt key inside charts.clusterAutoscaler ("imagetag")',
                edit: (raw) => rename("imageTag", "imagetag")(raw.charts.clusterAutoscaler),
                key: "charts.clusterAutoscaler.imagetag",
                says: ['is not a known key (did you mean "imageTag"?)'],
                expects: ["only version, imageTag"],
            },
            {
                title: "an unknown key inside charts.awsLoadBalancerController",
                edit: (raw) => {
                    raw.charts.awsLoadBalancerController.replicas = 2;
                },
                key: "charts.awsLoadBalancerController.replicas",
                says: ["is not a known key"],
                expects: ["only version"],
            },
        ]);

        it("offers no suggestion when nothing is close", () => {
            const error = expectConfigError(() => parseEdited("dev", set("foo", "bar")), {
                key: "foo",
                says: ["is not a known key"],
                expects: ["one of owner"],
            });
            assert.ok(!error.message.includes("did you mean"), error.message);
        });
    });

    describe("node group sizes", () => {
        rejects([
            {
                title: 'a non-integer minSize "2.5"',
                edit: setGroup("minSize", "2.5"),
                key: "nodeGroups.general.minSize",
                says: ['is "2.5", not a whole number'],
                expects: ["an integer from 0 to 100"],
            },
            {
                title: 'a non-integer maxSize "two"',
                edit: setGroup("maxSize", "two"),
                key: "nodeGroups.general.maxSize",
                says: ['is "two", not a whole number'],
                expects: ["an integer from 1 to 100"],
            },
            {
                title: "a non-integer desiredSize 2.5",
                edit: setGroup("desiredSize", 2.5),
                key: "nodeGroups.general.desiredSize",
                says: ["is 2.5, not a whole number"],
                expects: ["an integer from 0 to 100"],
            },
            {
                title: "desiredSize above maxSize",
                edit: setGroup("desiredSize", 5),
                key: "nodeGroups.general",
                says: ["has minSize 1, desiredSize 5, maxSize 4"],
                expects: ["minSize <= desiredSize <= maxSize"],
            },
            {
                title: "minSize above desiredSize",
                edit: setGroup("minSize", 3),
                key: "nodeGroups.general",
                says: ["has minSize 3, desiredSize 2, maxSize 4"],
                expects: ["minSize <= desiredSize <= maxSize"],
            },
            {
                title: "minSize above maxSize with desiredSize left out",
                edit: group((g) => {
                    g.minSize = 5;
                    delete g.desiredSize;
                }),
                key: "nodeGroups.general",
                says: ["has minSize 5, desiredSize 5, maxSize 4"],
                expects: ["minSize <= desiredSize <= maxSize"],
            },
            {
                title: "minSize 1",
                stack: "prod",
                edit: setGroup("minSize", 1),
                key: "nodeGroups.general.minSize",
                says: ["is 1; prod needs at least 2 nodes so one node's loss is survivable"],
                expects: ["minSize >= 2 in prod"],
            },
            {
                title: "minSize 101",
                edit: group((g) => Object.assign(g, { minSize: 101, desiredSize: 101, maxSize: 101 })),
                key: "nodeGroups.general.minSize",
                says: ["is 101, out of range"],
                expects: ["an integer from 0 to 100"],
            },
            {
                title: "maxSize 101",
                edit: setGroup("maxSize", 101),
                key: "nodeGroups.general.maxSize",
                says: ["is 101, out of range"],
                expects: ["an integer from 1 to 100"],
            },
            {
                title: "a 10 GiB disk",
                edit: setGroup("diskSizeGiB", 10),
                key: "nodeGroups.general.diskSizeGiB",
                says: ["is 10, out of range"],
                expects: ["an integer from 20 to 1000"],
            },
        ]);
    });

    describe("availability zones", () => {
        rejects([
            {
                title: 'an AZ count of "2"',
                stack: "prod",
                edit: set("availabilityZoneCount", "2"),
                key: "availabilityZoneCount",
                says: ["is 2; prod must survive the loss of one AZ with quorum"],
                expects: ["at least 3 in prod"],
            },
            {
                title: 'an AZ count of "1"',
                edit: set("availabilityZoneCount", "1"),
                key: "availabilityZoneCount",
                says: ["is 1, out of range"],
                expects: ["an integer from 2 to 6"],
            },
            {
                title: 'an AZ count of "7"',
                edit: set("availabilityZoneCount", "7"),
                key: "availabilityZoneCount",
                says: ["is 7, out of range"],
                expects: ["an integer from 2 to 6"],
            },
            {
                title: 'an AZ count of "three"',
                edit: set("availabilityZoneCount", "three"),
                key: "availabilityZoneCount",
                says: ['is "three", not a whole number'],
                expects: ["an integer from 2 to 6"],
            },
        ]);
    });

    describe("Kubernetes version", () => {
        rejects([
            {
                title: '"1.3" (an unquoted 1.30 read by YAML as a number)',
                edit: set("kubernetesVersion", "1.3"),
                key: "kubernetesVersion",
                says: ['is "1.3", not of the form 1.NN'],
                expects: ["a quoted string such as", "(unquoted, YAML reads 1.30 as the number 1.3)"],
            },
            {
                title: 'an unsupported "1.29"',
                edit: set("kubernetesVersion", "1.29"),
                key: "kubernetesVersion",
                says: ['is "1.29", which this program does not support'],
                expects: [`one of ${SUPPORTED_KUBERNETES_VERSIONS.join(", ")}`, "one of 1.34, 1.35, 1.36"],
            },
            {
                title: '"v1.35"',
                edit: set("kubernetesVersion", "v1.35"),
                key: "kubernetesVersion",
                says: ['is "v1.35", not of the form 1.NN'],
                expects: ["a quoted string such as"],
            },
            {
                title: "a missing kubernetesVersion",
                edit: drop("kubernetesVersion"),
                key: "kubernetesVersion",
                says: ["is missing or empty"],
                expects: ["a non-empty string"],
            },
        ]);
    });

    describe("CIDRs", () => {
        const malformed = ["10.0.0.0/33", "10.0.0.1/16", "300.0.0.0/16", "10.0.0.0", "10.0.0/16", "10.0.0.0/16 "];
        rejects(
            malformed.map((value) => ({
                title: `a malformed vpcCidr ${JSON.stringify(value)}`,
                edit: set("vpcCidr", value),
                key: "vpcCidr",
                says: [`is "${value}", not a valid network CIDR`],
                expects: ['an IPv4 network such as "203.0.113.0/24" (host bits zero)'],
            })),
        );
        rejects([
            {
                title: "a /24 VPC (too small)",
                edit: set("vpcCidr", "10.10.0.0/24"),
                key: "vpcCidr",
                says: ['is "10.10.0.0/24", a /24'],
                expects: ["a /16 to /20 network"],
            },
            {
                title: "a /21 VPC (just too small)",
                edit: set("vpcCidr", "10.10.0.0/21"),
                key: "vpcCidr",
                says: ['is "10.10.0.0/21", a /21'],
                expects: ["a /16 to /20 network"],
            },
            {
                title: "a /8 VPC (too big)",
                edit: set("vpcCidr", "10.0.0.0/8"),
                key: "vpcCidr",
                says: ['is "10.0.0.0/8", a /8'],
                expects: ["a /16 to /20 network"],
            },
            {
                title: 'a public VPC range "8.8.0.0/16"',
                edit: set("vpcCidr", "8.8.0.0/16"),
                key: "vpcCidr",
                says: ['is "8.8.0.0/16", outside the private ranges'],
                expects: ["a network inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"],
            },
            {
                title: 'a VPC range just past 172.16.0.0/12 ("172.32.0.0/16")',
                edit: set("vpcCidr", "172.32.0.0/16"),
                key: "vpcCidr",
                says: ['is "172.32.0.0/16", outside the private ranges'],
                expects: ["a network inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16"],
            },
            {
                title: "a public access CIDR with host bits set",
                edit: set("publicAccessCidrs", ["203.0.113.7/24"]),
                key: "publicAccessCidrs",
                says: ['is "203.0.113.7/24", not a valid network CIDR'],
                expects: ['an IPv4 network such as "203.0.113.0/24" (host bits zero)'],
            },
        ]);

        for (const value of [
            "10.0.0.0/16",
            "10.255.240.0/20",
            "172.16.0.0/16",
            "172.31.0.0/16",
            "192.168.0.0/16",
            "192.168.16.0/20",
        ]) {
            it(`accepts the private VPC range ${value}`, () => {
                assert.equal(parseEdited("dev", set("vpcCidr", value)).network.cidrBlock, value);
            });
        }
    });

    describe("API endpoint", () => {
        rejects([
            {
                title: "a public endpoint with no CIDRs",
                stack: "prod",
                edit: set("endpointPublicAccess", "true"),
                key: "publicAccessCidrs",
                says: ["is empty while the prod API endpoint is public, which opens it to the whole internet"],
                expects: ["your office/VPN/CI egress CIDRs, or endpointPublicAccess: false"],
            },
            {
                title: "a public endpoint open to 0.0.0.0/0",
                stack: "prod",
                edit: both(set("endpointPublicAccess", "true"), set("publicAccessCidrs", ["0.0.0.0/0"])),
                key: "publicAccessCidrs",
                says: ["contains 0.0.0.0/0 in prod"],
                expects: ['specific CIDRs such as "203.0.113.0/24", or endpointPublicAccess: false'],
            },
            {
                title: "a public endpoint with 0.0.0.0/0 among specific CIDRs",
                stack: "prod",
                edit: both(
                    set("endpointPublicAccess", "true"),
                    set("publicAccessCidrs", ["203.0.113.0/24", "0.0.0.0/0"]),
                ),
                key: "publicAccessCidrs",
                says: ["contains 0.0.0.0/0 in prod"],
                expects: ["or endpointPublicAccess: false"],
            },
            {
                title: "0.0.0.0/0 split into two halves",
                stack: "prod",
                edit: both(set("endpointPublicAccess", "true"), set("publicAccessCidrs", ["0.0.0.0/1", "128.0.0.0/1"])),
                key: "publicAccessCidrs",
                says: ['contains "0.0.0.0/1", which opens the prod endpoint to a large part of the internet'],
                expects: ["CIDRs of /8 or narrower, or endpointPublicAccess: false"],
            },
            {
                title: "publicAccessCidrs set while endpointPublicAccess is false",
                edit: both(set("endpointPublicAccess", "false"), set("publicAccessCidrs", ["203.0.113.0/24"])),
                key: "publicAccessCidrs",
                says: ["is set but endpointPublicAccess is false"],
                expects: ["an empty list, or endpointPublicAccess: true"],
            },
            {
                title: "publicAccessCidrs set while the endpoint is private",
                stack: "prod",
                edit: set("publicAccessCidrs", ["203.0.113.0/24"]),
                key: "publicAccessCidrs",
                says: ["is set but endpointPublicAccess is false"],
                expects: ["an empty list, or endpointPublicAccess: true"],
            },
        ]);

        it("accepts a public prod endpoint limited to specific CIDRs", () => {
            const config = parseEdited(
                "prod",
                both(
                    set("endpointPublicAccess", "true"),
                    set("publicAccessCidrs", ["203.0.113.0/24", "198.51.100.0/24"]),
                ),
            );
            assert.equal(config.cluster.endpointPublicAccess, true);
            assert.deepEqual(config.cluster.publicAccessCidrs, ["203.0.113.0/24", "198.51.100.0/24"]);
        });
    });

    describe("control-plane logs", () => {
        rejects([
            {
                title: 'an unknown log type "audits" with a suggestion',
                edit: set("clusterLogTypes", ["api", "audits"]),
                key: "clusterLogTypes",
                says: ['has unknown log type "audits" (did you mean "audit"?)'],
                expects: [`a subset of ${CLUSTER_LOG_TYPES.join(", ")}`],
            },
            {
                title: 'log types without "scheduler"',
                stack: "prod",
                edit: set("clusterLogTypes", ["api", "audit", "authenticator", "controllerManager"]),
                key: "clusterLogTypes",
                says: ["misses scheduler in prod"],
                expects: ["all five: api, audit, authenticator, controllerManager, scheduler"],
            },
            {
                title: "no log types",
                stack: "prod",
                edit: set("clusterLogTypes", []),
                key: "clusterLogTypes",
                says: ["misses api, audit, authenticator, controllerManager, scheduler in prod"],
                expects: ["all five"],
            },
            {
                // Five entries, one a duplicate: the count matches but "scheduler" is still missing.
                title: 'five log types with "api" twice and no "scheduler"',
                stack: "prod",
                edit: set("clusterLogTypes", ["api", "api", "audit", "authenticator", "controllerManager"]),
                key: "clusterLogTypes",
                says: ["lists a log type twice"],
                expects: ["each log type once"],
            },
            {
                title: "all five log types plus a duplicate",
                stack: "prod",
                edit: set("clusterLogTypes", [
                    "api",
                    "audit",
                    "authenticator",
                    "controllerManager",
                    "scheduler",
                    "audit",
                ]),
                key: "clusterLogTypes",
                says: ["lists a log type twice"],
                expects: ["each log type once"],
            },
            {
                title: "log types given as a string",
                edit: set("clusterLogTypes", "api"),
                key: "clusterLogTypes",
                says: ["is not a list of strings"],
                expects: ["a YAML list of strings"],
            },
            {
                title: 'a retention of "10" days',
                edit: set("logRetentionDays", "10"),
                key: "logRetentionDays",
                says: ["is 10, which CloudWatch does not accept"],
                expects: [`one of ${LOG_RETENTION_DAYS.join(", ")}`],
            },
            {
                title: 'a retention of "0" days',
                edit: set("logRetentionDays", "0"),
                key: "logRetentionDays",
                says: ["is 0, out of range"],
                expects: ["an integer from 1 to 3653"],
            },
        ]);
    });

    describe("instance types and capacity", () => {
        const typeCase = (types: unknown[], says: string, expects: string): Rejection => ({
            title: `instanceTypes ${JSON.stringify(types)}`,
            edit: setGroup("instanceTypes", types),
            key: "nodeGroups.general.instanceTypes",
            says: [says],
            expects: [expects],
        });
        rejects([
            typeCase(["t3large"], 'has "t3large", not a family.size instance type', 'names like "m6i.large"'),
            typeCase(["T3.large"], 'has "T3.large", not a family.size instance type', 'names like "m6i.large"'),
            typeCase(
                ["p4d.24xlarge"],
                'has "p4d.24xlarge" from family "p4d", which is not allowed',
                `a family from ${INSTANCE_FAMILIES.join(", ")}`,
            ),
            typeCase(
                ["m7g.large"],
                'has "m7g.large" from family "m7g", which is not allowed',
                `a family from ${INSTANCE_FAMILIES.join(", ")}`,
            ),
            typeCase(
                ["m5.large", "m5.xlarge"],
                "mixes sizes (large, xlarge)",
                'instance types of one size, e.g. ["m6i.large", "m5.large"]',
            ),
            typeCase(
                ["c5.large", "r5.large"],
                "mixes instance classes (c5.large, r5.large)",
                'types of one class and size, e.g. ["m6i.large", "m5.large", "t3.large"]',
            ),
            typeCase(["m5.large", "c6i.large"], "mixes instance classes", "types of one class and size"),
            typeCase([], "is empty", 'at least one instance type, e.g. ["t3.large"]'),
            typeCase(["m5.large", 5], "is not a list of strings", "a YAML list of strings"),
            {
                title: 'capacityType "spot"',
                edit: setGroup("capacityType", "spot"),
                key: "nodeGroups.general.capacityType",
                says: ['is "spot"'],
                expects: ['one of "ON_DEMAND", "SPOT"'],
            },
            {
                title: "spot nodes",
                stack: "prod",
                edit: setGroup("capacityType", "SPOT"),
                key: "nodeGroups.general.capacityType",
                says: ["is SPOT in prod"],
                expects: ['"ON_DEMAND" in prod'],
            },
        ]);
    });

    describe("booleans", () => {
        for (const value of ["yes", "1", "True", "no", "0"]) {
            rejects([
                {
                    title: `endpointPublicAccess ${JSON.stringify(value)}`,
                    edit: set("endpointPublicAccess", value),
                    key: "endpointPublicAccess",
                    says: [`is ${JSON.stringify(value)}, not a boolean`],
                    expects: ['true or false (not "yes", "no", "1" or "0")'],
                },
            ]);
        }
    });

    describe("add-on, chart and image versions", () => {
        rejects([
            {
                title: 'cluster-autoscaler imageTag "v1.34.1" with Kubernetes 1.35',
                edit: (raw) => {
                    raw.charts.clusterAutoscaler.imageTag = "v1.34.1";
                },
                key: "charts.clusterAutoscaler.imageTag",
                says: ['is "v1.34.1" (Kubernetes 1.34) but the cluster runs 1.35'],
                expects: ['a cluster-autoscaler release "v1.35.x"'],
            },
            {
                title: 'cluster-autoscaler imageTag "latest"',
                edit: (raw) => {
                    raw.charts.clusterAutoscaler.imageTag = "latest";
                },
                key: "charts.clusterAutoscaler.imageTag",
                says: ['is "latest", not an exact image tag'],
                expects: ['a tag such as "v1.35.0"'],
            },
            {
                title: "a kube-proxy add-on built for Kubernetes 1.34",
                edit: setAddon("kubeProxy", "v1.34.1-eksbuild.2"),
                key: "addonVersions.kubeProxy",
                says: ['is "v1.34.1-eksbuild.2", built for Kubernetes 1.34'],
                expects: ['a kube-proxy version for Kubernetes 1.35 ("v1.35.x-eksbuild.N")'],
            },
            {
                title: "a Kubernetes version bump without a matching kube-proxy",
                edit: set("kubernetesVersion", "1.36"),
                key: "addonVersions.kubeProxy",
                says: ['is "v1.35.3-eksbuild.13", built for Kubernetes 1.35'],
                expects: ['a kube-proxy version for Kubernetes 1.36 ("v1.36.x-eksbuild.N")'],
            },
            {
                title: "a Kubernetes version bump without a matching cluster-autoscaler",
                edit: both(set("kubernetesVersion", "1.36"), setAddon("kubeProxy", "v1.36.0-eksbuild.1")),
                key: "charts.clusterAutoscaler.imageTag",
                says: ['is "v1.35.2" (Kubernetes 1.35) but the cluster runs 1.36'],
                expects: ['a cluster-autoscaler release "v1.36.x"'],
            },
            {
                title: 'add-on version "latest"',
                edit: setAddon("coredns", "latest"),
                key: "addonVersions.coredns",
                says: ['is "latest", not a pinned EKS add-on version'],
                expects: ['an exact version such as "v1.19.2-eksbuild.1"'],
            },
            {
                title: "an add-on version without its eksbuild suffix",
                edit: setAddon("vpcCni", "v1.23.1"),
                key: "addonVersions.vpcCni",
                says: ['is "v1.23.1", not a pinned EKS add-on version'],
                expects: ['an exact version such as "v1.19.2-eksbuild.1"'],
            },
            {
                title: "a missing add-on version",
                edit: (raw) => {
                    delete raw.addonVersions.metricsServer;
                },
                key: "addonVersions.metricsServer",
                says: ["is missing or empty"],
                expects: ["a non-empty string"],
            },
            {
                title: 'chart version "^3.5.0"',
                edit: (raw) => {
                    raw.charts.awsLoadBalancerController.version = "^3.5.0";
                },
                key: "charts.awsLoadBalancerController.version",
                says: ['is "^3.5.0", not a pinned chart version'],
                expects: ['an exact semver such as "1.13.4" (no ranges, no "latest")'],
            },
            {
                title: 'chart version "latest" for cluster-autoscaler',
                edit: (raw) => {
                    raw.charts.clusterAutoscaler.version = "latest";
                },
                key: "charts.clusterAutoscaler.version",
                says: ['is "latest", not a pinned chart version'],
                expects: ['an exact semver such as "1.13.4" (no ranges, no "latest")'],
            },
        ]);

        it("accepts Kubernetes 1.36 with kube-proxy and cluster-autoscaler for 1.36", () => {
            const config = parseEdited(
                "dev",
                both(set("kubernetesVersion", "1.36"), setAddon("kubeProxy", "v1.36.0-eksbuild.1"), (raw) => {
                    raw.charts.clusterAutoscaler.imageTag = "v1.36.0";
                }),
            );
            assert.equal(config.cluster.kubernetesVersion, "1.36");
            assert.equal(config.cluster.addonVersions.kubeProxy, "v1.36.0-eksbuild.1");
            assert.equal(config.platform.charts.clusterAutoscaler.imageTag, "v1.36.0");
        });
    });

    describe("admin principals", () => {
        const ROLE = "arn:aws:iam::123456789012:role/platform-admins";
        rejects([
            {
                title: "an admin principal that is not an ARN",
                edit: set("adminPrincipalArns", [ROLE, "platform-admins"]),
                key: "adminPrincipalArns",
                says: ['has "platform-admins", not an IAM role or user ARN'],
                expects: ['ARNs like "arn:aws:iam::123456789012:role/platform-admins"'],
            },
            {
                title: "an STS assumed-role ARN",
                edit: set("adminPrincipalArns", ["arn:aws:sts::123456789012:assumed-role/platform-admins/alice"]),
                key: "adminPrincipalArns",
                says: [
                    'has "arn:aws:sts::123456789012:assumed-role/platform-admins/alice", not an IAM role or user ARN',
                ],
                expects: ["ARNs like"],
            },
            {
                title: "an admin principal listed twice",
                edit: set("adminPrincipalArns", [ROLE, ROLE]),
                key: "adminPrincipalArns",
                says: ["lists a principal twice"],
                expects: ["each ARN once"],
            },
        ]);

        it("accepts role and user ARNs, with paths and in other partitions", () => {
            const arns = [
                ROLE,
                "arn:aws:iam::123456789012:user/ops/alice",
                "arn:aws-us-gov:iam::123456789012:role/admins/platform",
            ];
            assert.deepEqual(parseEdited("prod", set("adminPrincipalArns", arns)).cluster.adminPrincipalArns, arns);
        });
    });

    describe("NAT gateways and owner", () => {
        rejects([
            {
                title: 'natGateways "single"',
                stack: "prod",
                edit: set("natGateways", "single"),
                key: "natGateways",
                says: [`is "single"; one NAT gateway makes one AZ's loss take egress from all nodes`],
                expects: ['"perAz" in prod'],
            },
            {
                title: 'natGateways "perAZ" (wrong case)',
                edit: set("natGateways", "perAZ"),
                key: "natGateways",
                says: ['is "perAZ"'],
                expects: ['one of "single", "perAz"'],
            },
            {
                title: "an empty owner",
                edit: set("owner", ""),
                key: "owner",
                says: ["is missing or empty"],
                expects: ["a non-empty string"],
            },
            {
                title: "a blank owner",
                stack: "prod",
                edit: set("owner", "   "),
                key: "owner",
                says: ["is missing or empty"],
                expects: ["a non-empty string"],
            },
            {
                title: "a missing owner",
                edit: drop("owner"),
                key: "owner",
                says: ["is missing or empty"],
                expects: ["a non-empty string"],
            },
            {
                title: "an owner that is not a valid tag value",
                edit: set("owner", "platform-team; rm -rf"),
                key: "owner",
                says: ['is "platform-team; rm -rf", not a valid tag value'],
                expects: ["a team or person, 1-128 characters of letters, digits, spaces and ._:/=+@-"],
            },
            {
                title: "an owner longer than 128 characters",
                edit: set("owner", "a".repeat(129)),
                key: "owner",
                says: ["not a valid tag value"],
                expects: ["1-128 characters"],
            },
        ]);
    });

    describe("region (aws:region, not a project key)", () => {
        const regionError = (stack: FileStack, region: string | undefined, says: string): void => {
            const error = expectConfigError(() => parseStackConfig(stack, rawFor(stack), region), {
                stack,
                key: "aws:region",
                says: [says],
                expects: ['an AWS region such as "eu-west-1" (pulumi config set aws:region eu-west-1)'],
            });
            assert.ok(!error.message.includes(`${PREFIX}aws:region`), error.message);
        };

        it("rejects a missing region (dev)", () => regionError("dev", undefined, "is null"));
        it("rejects a missing region (prod)", () => regionError("prod", undefined, "is null"));
        it("rejects an empty region", () => regionError("dev", "", 'is ""'));
        it('rejects a bad region "eu-west"', () => regionError("dev", "eu-west", 'is "eu-west"'));
        it('rejects a region with upper case "EU-WEST-1"', () => regionError("prod", "EU-WEST-1", 'is "EU-WEST-1"'));

        for (const region of ["us-east-1", "ap-southeast-2", "us-gov-west-1"]) {
            it(`accepts ${region}`, () => {
                assert.equal(parseStackConfig("dev", devRaw(), region).stack.region, region);
            });
        }
    });

    describe("structured keys of the wrong shape", () => {
        rejects([
            {
                title: "nodeGroups as a string",
                edit: set("nodeGroups", "general"),
                key: "nodeGroups",
                says: ["is not an object"],
                expects: ["a YAML mapping (see Pulumi.dev.yaml)"],
            },
            {
                title: "nodeGroups as a list",
                edit: set("nodeGroups", [{ instanceTypes: ["m5.large"], minSize: 1, maxSize: 2 }]),
                key: "nodeGroups",
                says: ["is not an object"],
                expects: ["a YAML mapping"],
            },
            {
                title: "nodeGroups {}",
                edit: set("nodeGroups", {}),
                key: "nodeGroups",
                says: ["is empty"],
                expects: ["at least one node group"],
            },
            {
                title: "a missing nodeGroups",
                edit: drop("nodeGroups"),
                key: "nodeGroups",
                says: ["is missing"],
                expects: ["a YAML mapping"],
            },
            {
                title: "a node group that is a string",
                edit: (raw) => {
                    raw.nodeGroups.general = "m5.large";
                },
                key: "nodeGroups.general",
                says: ["is not an object"],
                expects: ["a YAML mapping"],
            },
            {
                title: "a node group with an invalid name",
                edit: (raw) => rename("general", "General")(raw.nodeGroups),
                key: "nodeGroups.General",
                says: ["has an invalid name"],
                expects: ["lowercase letters, digits and dashes, at most 20 characters"],
            },
            {
                title: "addonVersions null",
                edit: set("addonVersions", null),
                key: "addonVersions",
                says: ["is not an object"],
                expects: ["a YAML mapping"],
            },
            {
                title: "charts as a list",
                edit: set("charts", ["3.5.0"]),
                key: "charts",
                says: ["is not an object"],
                expects: ["a YAML mapping"],
            },
            {
                title: "a missing charts.clusterAutoscaler",
                edit: (raw) => {
                    delete raw.charts.clusterAutoscaler;
                },
                key: "charts.clusterAutoscaler",
                says: ["is missing"],
                expects: ["a YAML mapping"],
            },
            {
                title: "publicAccessCidrs as a string",
                edit: set("publicAccessCidrs", "203.0.113.0/24"),
                key: "publicAccessCidrs",
                says: ["is not a list of strings"],
                expects: ["a YAML list of strings"],
            },
        ]);
    });
});

// ---------------------------------------------------------------------------------------------
// 4. Secrets are never echoed
// ---------------------------------------------------------------------------------------------

describe("config: secrets in errors", () => {
    const SECRET = "hunter2-s3cret";

    it("does not echo the value of an unknown key that looks like a secret", () => {
        const error = expectConfigError(() => parseEdited("dev", set("adminToken", SECRET)), {
            key: "adminToken",
            says: ["is not a known key"],
            expects: [`one of ${KNOWN_KEYS.join(", ")}`],
            never: [SECRET],
        });
        assert.ok(!error.message.includes("did you mean"), error.message);
        // A misspelt secret key gets a suggestion, still without its value.
        expectConfigError(() => parseEdited("dev", set("grafanaAdminPasword", SECRET)), {
            key: "grafanaAdminPasword",
            says: ['did you mean "grafanaAdminPassword"'],
            expects: ["one of"],
            never: [SECRET],
        });
    });

    it("does not echo the value of an unknown key in prod", () => {
        expectConfigError(() => parseEdited("prod", set("databasePassword", SECRET)), {
            stack: "prod",
            key: "databasePassword",
            says: ["is not a known key"],
            expects: ["one of"],
            never: [SECRET],
        });
    });

    it("does not echo the value of an unknown key inside a structured key", () => {
        expectConfigError(() => parseEdited("dev", setGroup("sshPrivateKey", SECRET)), {
            key: "nodeGroups.general.sshPrivateKey",
            says: ["is not a known key"],
            expects: ["only instanceTypes"],
            never: [SECRET],
        });
        expectConfigError(() => parseEdited("dev", setAddon("apiToken", SECRET)), {
            key: "addonVersions.apiToken",
            says: ["is not a known key"],
            expects: ["only vpcCni"],
            never: [SECRET],
        });
    });

    it("may echo a bad non-secret value, which helps the user", () => {
        expectConfigError(() => parseEdited("dev", set("owner", "team!")), {
            key: "owner",
            says: ['is "team!", not a valid tag value'],
            expects: ["a team or person"],
        });
        expectConfigError(() => parseEdited("dev", setGroup("instanceTypes", ["x1e.large"])), {
            key: "nodeGroups.general.instanceTypes",
            says: ['has "x1e.large" from family "x1e"'],
            expects: ["a family from"],
        });
    });
});

// ---------------------------------------------------------------------------------------------
// 5. CLI-shaped values and profile defaults
// ---------------------------------------------------------------------------------------------

describe("config: values as the CLI passes them, and profile defaults", () => {
    it("the dev file hands scalars over as strings", () => {
        const raw = devRaw();
        assert.equal(raw.availabilityZoneCount, "2");
        assert.equal(raw.endpointPublicAccess, "true");
        assert.equal(raw.logRetentionDays, "7");
        assert.equal(raw.kubernetesVersion, "1.35");
        assert.deepEqual(raw.clusterLogTypes, ["api", "audit", "authenticator"]);
    });

    it("parses string scalars the same as typed values (dev)", () => {
        const typed = both(
            set("availabilityZoneCount", 2),
            set("endpointPublicAccess", true),
            set("logRetentionDays", 7),
        );
        assert.deepEqual(
            parseEdited("dev", typed),
            parseEdited("dev", () => undefined),
        );
        assert.deepEqual(parseEdited("dev", typed), EXPECTED_DEV);
    });

    it('parses availabilityZoneCount "3" and endpointPublicAccess "false" the same as 3 and false (prod)', () => {
        const fromStrings = parseEdited(
            "prod",
            both(
                set("availabilityZoneCount", "3"),
                set("endpointPublicAccess", "false"),
                set("logRetentionDays", "90"),
            ),
        );
        const fromTyped = parseEdited(
            "prod",
            both(set("availabilityZoneCount", 3), set("endpointPublicAccess", false), set("logRetentionDays", 90)),
        );
        assert.deepEqual(fromStrings, fromTyped);
        assert.deepEqual(fromStrings, EXPECTED_PROD);
        assert.equal(fromStrings.network.availabilityZoneCount, 3);
        assert.equal(fromStrings.cluster.endpointPublicAccess, false);
    });

    it("parses node group sizes given as strings the same as numbers", () => {
        const config = parseEdited(
            "prod",
            group((g) => Object.assign(g, { minSize: "3", desiredSize: "3", maxSize: "10", diskSizeGiB: "50" })),
        );
        assert.deepEqual(config.cluster.nodeGroups.general, EXPECTED_PROD.cluster.nodeGroups.general);
    });

    it('parses the YAML-unquoted form of a supported version (1.35 → "1.35") the same', () => {
        // What readConfigFile hands over for `kubernetesVersion: 1.35` without quotes.
        assert.equal(String(yaml.load("1.35")), "1.35");
        assert.deepEqual(parseEdited("dev", set("kubernetesVersion", String(yaml.load("1.35")))), EXPECTED_DEV);
    });

    describe("the YAML float trap, through a real stack file", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-test-"));
        });
        after(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });

        /** The dev file with `kubernetesVersion: "1.35"` replaced, read the way the CLI hands it over. */
        const devFileWith = (version: string): MutableRaw => {
            const text = fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8");
            const line = 'scalable-backend:kubernetesVersion: "1.35"';
            assert.ok(text.includes(line), `Pulumi.dev.yaml no longer has ${line}`);
            const file = path.join(dir, "Pulumi.dev.yaml");
            fs.writeFileSync(file, text.replace(line, `scalable-backend:kubernetesVersion: ${version}`));
            return rawFromCli(readConfigFile(file).values);
        };

        it('an unquoted 1.30 arrives as "1.3" and the error says to quote it', () => {
            const raw = devFileWith("1.30");
            assert.equal(raw.kubernetesVersion, "1.3");
            expectConfigError(() => parse("dev", raw), {
                key: "kubernetesVersion",
                says: ['is "1.3", not of the form 1.NN'],
                expects: ["a quoted string", "YAML reads 1.30 as the number 1.3"],
            });
        });

        it("an unquoted 1.35 happens to survive", () => {
            assert.deepEqual(parse("dev", devFileWith("1.35")), EXPECTED_DEV);
        });
    });

    describe("ephemeral stacks", () => {
        it("parse dev's values to dev's config under the ephemeral profile", () => {
            const name = "eph-feature-x";
            const clusterName = "scalable-backend-eph-feature-x";
            const tags = { ...TAGS_DEV, stack: name, environment: "ephemeral" };
            assert.deepEqual(parse(name, devRaw()), {
                ...EXPECTED_DEV,
                stack: { ...EXPECTED_DEV.stack, name, profile: "ephemeral", clusterName, tags },
                network: { ...EXPECTED_DEV.network, clusterName },
                cluster: { ...EXPECTED_DEV.cluster, clusterName, tags },
                image: { ...EXPECTED_DEV.image, repositoryName: `${clusterName}/backend` },
                backend: { ...EXPECTED_DEV.backend, stack: name },
            });
        });

        it("are deeply frozen", () => {
            assertDeepFrozen(parse("eph-feature-x", devRaw()), "config");
        });

        it("are validated like any stack", () => {
            const raw = devRaw();
            raw.owner = "";
            expectConfigError(() => parse("eph-feature-x", raw), {
                stack: "eph-feature-x",
                key: "owner",
                says: ["is missing or empty"],
                expects: ["a non-empty string"],
            });
        });
    });

    describe("no defaults for top-level keys (the CLI requires every key Pulumi.yaml declares)", () => {
        const required = FILE_KEYS;
        for (const stack of ["dev", "prod", "eph-feature-x"] as const) {
            for (const key of required) {
                it(`refuses ${stack} without ${key}, naming it`, () => {
                    const raw = stack === "prod" ? prodRaw() : devRaw();
                    delete raw[key];
                    expectConfigError(() => parse(stack, raw), { stack, key, says: ["is missing"], expects: [] });
                });
            }
        }
    });

    describe("defaults inside structured keys", () => {
        it("a node group defaults to ON_DEMAND, desiredSize = minSize and a 50 GiB disk", () => {
            const config = parseEdited(
                "dev",
                group((g) => {
                    delete g.capacityType;
                    delete g.desiredSize;
                    delete g.diskSizeGiB;
                }),
            );
            assert.deepEqual(config.cluster.nodeGroups.general, {
                instanceTypes: ["t3.large", "t3a.large", "m5.large"],
                capacityType: "ON_DEMAND",
                minSize: 1,
                desiredSize: 1,
                maxSize: 4,
                diskSizeGiB: 50,
            });
        });

        it("several node groups are all parsed", () => {
            const config = parseEdited("dev", (raw) => {
                raw.nodeGroups.memory = { instanceTypes: ["r6i.xlarge", "r5.xlarge"], minSize: 0, maxSize: 3 };
            });
            assert.deepEqual(Object.keys(config.cluster.nodeGroups), ["general", "memory"]);
            assert.deepEqual(config.cluster.nodeGroups.memory, {
                instanceTypes: ["r6i.xlarge", "r5.xlarge"],
                capacityType: "ON_DEMAND",
                minSize: 0,
                desiredSize: 0,
                maxSize: 3,
                diskSizeGiB: 50,
            });
        });
    });
});

// ---------------------------------------------------------------------------------------------
// loadConfig itself, through the Pulumi runtime's config (what `pulumi up` runs)
// ---------------------------------------------------------------------------------------------

describe("config: loadConfig", () => {
    const useStack = async (
        stack: string,
        values: Record<string, string>,
        secretKeys: string[] = [],
    ): Promise<void> => {
        await pulumi.runtime.setMocks(
            {
                newResource: (args: pulumi.runtime.MockResourceArgs) => ({ id: `${args.name}-id`, state: args.inputs }),
                call: (args: pulumi.runtime.MockCallArgs) => args.inputs,
            },
            PROJECT,
            stack,
            false,
        );
        pulumi.runtime.setAllConfig(values, secretKeys);
    };

    after(() => {
        pulumi.runtime.setAllConfig({});
    });

    const withoutSecrets = (config: StackConfig): StackConfig => {
        assert.ok(!("grafanaAdminPassword" in config.monitoring), "no Grafana password when none is set");
        assert.ok(!("slackWebhookUrl" in config.monitoring), "no Slack webhook when none is set");
        return config;
    };

    for (const stack of ["dev", "prod"] as const) {
        it(`reads Pulumi.${stack}.yaml to the same config as the tests' raw object, with no secret set`, async () => {
            await useStack(stack, stackConfig(stack));
            assert.deepEqual(withoutSecrets(loadConfig()), EXPECTED[stack]);
            assert.deepEqual(
                withoutSecrets(loadConfig()),
                parseStackConfig(stack, rawFor(stack), fixture(stack).region),
            );
        });
    }

    it("hands optional secrets over as secret Outputs, even when set without --secret", async () => {
        const password = "correct-horse-battery-staple-42";
        const webhook = "https://hooks.slack.com/services/T000/B000/XXXX";
        await useStack(
            "dev",
            stackConfig("dev", {
                "scalable-backend:grafanaAdminPassword": password,
                "scalable-backend:alertmanagerSlackWebhookUrl": webhook,
            }),
        );
        const config = loadConfig();
        assert.deepEqual(config.secretsSet, { grafanaAdminPassword: true, alertmanagerSlackWebhookUrl: true });
        for (const [output, value] of [
            [config.monitoring.grafanaAdminPassword, password],
            [config.monitoring.slackWebhookUrl, webhook],
        ] as const) {
            assert.ok(pulumi.Output.isInstance<string>(output));
            assert.equal(await pulumi.isSecret(output), true);
            assert.equal(await new Promise((resolve) => output.apply(resolve)), value);
        }
        assert.ok(!JSON.stringify(config).includes(password), "no plain copy of the password in the config");
    });

    it("names aws:region when it is missing", async () => {
        const values = stackConfig("dev");
        delete values["aws:region"];
        await useStack("dev", values);
        expectConfigError(() => loadConfig(), {
            key: "aws:region",
            says: ["is null"],
            expects: ["an AWS region such as"],
        });
    });

    it("refuses structured config that is not JSON, naming the key and the stack file", async () => {
        await useStack("dev", stackConfig("dev", { "scalable-backend:nodeGroups": "general" }));
        expectConfigError(() => loadConfig(), {
            key: "nodeGroups",
            says: ["is not valid structured config"],
            expects: ["a YAML mapping in Pulumi.dev.yaml"],
        });
        await useStack("prod", stackConfig("prod", { "scalable-backend:clusterLogTypes": "api" }));
        expectConfigError(() => loadConfig(), {
            stack: "prod",
            key: "clusterLogTypes",
            says: ["is not valid structured config"],
            expects: ["a YAML list in Pulumi.prod.yaml"],
        });
    });

    it("does not echo a secret set under an unknown key, nor a malformed known secret", async () => {
        const key = "scalable-backend:grafanaPassword";
        await useStack("dev", stackConfig("dev", { [key]: "hunter2-s3cret" }), [key]);
        expectConfigError(() => loadConfig(), {
            key: "grafanaPassword",
            says: ["is not a known key"],
            expects: ["one of"],
            never: ["hunter2-s3cret"],
        });
        await useStack("dev", stackConfig("dev", { "scalable-backend:grafanaAdminPassword": "hunter2" }), [
            "scalable-backend:grafanaAdminPassword",
        ]);
        expectConfigError(() => loadConfig(), {
            key: "grafanaAdminPassword",
            says: ["shorter than 16 characters (value not shown)"],
            expects: ["a long random password"],
            never: ["hunter2"],
        });
        await useStack(
            "dev",
            stackConfig("dev", { "scalable-backend:alertmanagerSlackWebhookUrl": "http://example.com/hunter2" }),
        );
        expectConfigError(() => loadConfig(), {
            key: "alertmanagerSlackWebhookUrl",
            says: ["not a Slack incoming-webhook URL (value not shown)"],
            expects: ["https://hooks.slack.com/services/"],
            never: ["hunter2", "example.com"],
        });
    });

    it("ignores other namespaces' keys", async () => {
        await useStack("dev", stackConfig("dev", { "aws:profile": "sandbox", "kubernetes:context": "kind" }));
        assert.deepEqual(withoutSecrets(loadConfig()), EXPECTED_DEV);
    });
});

describe("config: review fixes", () => {
    it("refuses CIDRs with leading zeros, which some parsers read as octal", () => {
        expectConfigError(() => parseEdited("dev", set("vpcCidr", "010.20.0.0/16")), {
            key: "vpcCidr",
            says: ['is "010.20.0.0/16", not a valid network CIDR'],
            expects: ["host bits zero"],
        });
    });

    it("says a non-string value is not a string rather than missing", () => {
        expectConfigError(() => parseEdited("dev", set("owner", 42)), {
            key: "owner",
            says: ["is 42, not a string"],
            expects: ["quote it in YAML"],
        });
    });

    it("accepts the region names of every partition", () => {
        for (const region of ["us-gov-west-1", "cn-north-1", "ap-southeast-5", "us-iso-east-1", "eu-isoe-west-1"]) {
            assert.equal(parseStackConfig("dev", devRaw(), region).stack.region, region);
        }
    });

    it("is pure: the caller's arrays are neither frozen nor shared", () => {
        const raw = devRaw();
        const config = parseStackConfig("dev", raw, REGION);
        assert.equal(Object.isFrozen(raw.clusterLogTypes), false);
        assert.equal(Object.isFrozen(raw.adminPrincipalArns), false);
        assert.equal(Object.isFrozen(raw.nodeGroups.general.instanceTypes), false);
        assert.notEqual(config.cluster.nodeGroups.general.instanceTypes, raw.nodeGroups.general.instanceTypes);
    });
});

describe("config: private endpoint access", () => {
    it("accepts private networks and refuses public ones or malformed CIDRs", () => {
        assert.deepEqual(
            parseEdited("prod", set("privateEndpointAccessCidrs", ["172.16.8.0/22", "192.168.0.0/24"])).cluster
                .privateEndpointAccessCidrs,
            ["172.16.8.0/22", "192.168.0.0/24"],
        );
        expectConfigError(() => parseEdited("prod", set("privateEndpointAccessCidrs", ["203.0.113.0/24"])), {
            stack: "prod",
            key: "privateEndpointAccessCidrs",
            says: ["contains a network outside the private ranges"],
            expects: ["private networks (VPN, peered VPCs)"],
        });
        expectConfigError(() => parseEdited("dev", set("privateEndpointAccessCidrs", ["10.0.0.1/16"])), {
            key: "privateEndpointAccessCidrs",
            says: ["not a valid network CIDR"],
            expects: ["IPv4 network"],
        });
    });
});

describe("config: backend", () => {
    const setBackend = (field: string, value: unknown) => (raw: MutableRaw) => {
        if (value === undefined) delete raw.backend[field];
        else raw.backend[field] = value;
    };
    const refuse = (stack: FileStack, field: string, value: unknown, key: string, says: string, expects: string) =>
        expectConfigError(() => parseEdited(stack, setBackend(field, value)), {
            stack,
            key,
            says: [says],
            expects: [expects],
        });

    it("parses the stack files' backends, prod scaling further than dev", () => {
        const dev = parseEdited("dev", () => undefined).backend;
        const prod = parseEdited("prod", () => undefined).backend;
        assert.ok(prod.maxReplicas > dev.maxReplicas);
        assert.ok(prod.minReplicas >= 2);
        assert.equal(parseEdited("dev", () => undefined).image.prebuilt, undefined);
    });

    it("refuses bad replica ranges", () => {
        expectConfigError(() => parseEdited("dev", both(setBackend("minReplicas", 5), setBackend("maxReplicas", 3))), {
            key: "backend",
            says: ["has minReplicas 5 above maxReplicas 3"],
            expects: ["minReplicas <= maxReplicas"],
        });
        refuse("dev", "minReplicas", 0, "backend.minReplicas", "is 0, out of range", "an integer from 1 to 100");
        refuse(
            "dev",
            "maxReplicas",
            "2.5",
            "backend.maxReplicas",
            'is "2.5", not a whole number',
            "an integer from 1 to 200",
        );
        refuse(
            "prod",
            "minReplicas",
            1,
            "backend.minReplicas",
            "one replica means downtime on every node drain",
            "at least 2 in prod",
        );
    });

    it("refuses CPU targets outside 1..100", () => {
        for (const value of [0, 101, -5])
            refuse(
                "dev",
                "cpuTargetPercent",
                value,
                "backend.cpuTargetPercent",
                "out of range",
                "an integer from 1 to 100",
            );
        refuse(
            "dev",
            "cpuTargetPercent",
            "70%",
            "backend.cpuTargetPercent",
            "not a whole number",
            "an integer from 1 to 100",
        );
    });

    it("refuses malformed quantities and a memory limit below the request", () => {
        for (const value of ["0m", "1.2345", "100M", "abc", "-1"]) {
            refuse(
                "dev",
                "cpuRequest",
                value,
                "backend.cpuRequest",
                `is "${value}", not a CPU quantity`,
                'millicores such as "250m"',
            );
        }
        refuse("dev", "cpuRequest", "9", "backend.cpuRequest", "more than a node offers", "at most 8 cores");
        for (const value of ["256M", "256mi", "0Mi", "1.5Gi", "256"]) {
            refuse(
                "dev",
                "memoryRequest",
                value,
                "backend.memoryRequest",
                `is "${value}", not a memory quantity`,
                '"256Mi" or "1Gi"',
            );
        }
        refuse(
            "dev",
            "memoryLimit",
            "64Mi",
            "backend.memoryLimit",
            'is "64Mi", below memoryRequest "128Mi"',
            "a limit at least as large as the request",
        );
        assert.equal(
            parseEdited("dev", both(setBackend("memoryRequest", "1Gi"), setBackend("memoryLimit", "1024Mi"))).backend
                .memoryLimit,
            "1024Mi",
        );
        assert.equal(parseEdited("dev", setBackend("cpuRequest", "0.5")).backend.cpuRequest, "0.5");
    });

    it("accepts a prebuilt image pinned by digest or tag, and refuses one without either, or :latest", () => {
        const digest = `registry.example.com:5000/team/backend@sha256:${"c".repeat(64)}`;
        assert.equal(parseEdited("dev", setBackend("image", digest)).image.prebuilt, digest);
        assert.equal(
            parseEdited("dev", setBackend("image", "ghcr.io/team/backend:v1.4.2")).image.prebuilt,
            "ghcr.io/team/backend:v1.4.2",
        );
        refuse(
            "dev",
            "image",
            "ghcr.io/team/backend",
            "backend.image",
            "with neither tag nor digest",
            "an image pinned by digest",
        );
        refuse(
            "dev",
            "image",
            "ghcr.io/team/backend:latest",
            "backend.image",
            '":latest" moves under you',
            "an image pinned by digest",
        );
        refuse("dev", "image", "Not An Image", "backend.image", "not an image reference", '"registry/repository:tag"');
        refuse("dev", "image", `backend@sha256:${"c".repeat(10)}`, "backend.image", "not an image reference", "sha256");
    });

    it("requires load balancer source ranges in prod, never the whole internet", () => {
        refuse(
            "prod",
            "loadBalancerSourceRanges",
            [],
            "backend.loadBalancerSourceRanges",
            "is empty in prod",
            "the CIDRs of your clients or CDN",
        );
        refuse(
            "prod",
            "loadBalancerSourceRanges",
            ["0.0.0.0/0"],
            "backend.loadBalancerSourceRanges",
            'contains "0.0.0.0/0" in prod',
            "CIDRs of /8 or narrower",
        );
        refuse(
            "dev",
            "loadBalancerSourceRanges",
            ["10.0.0.1/8"],
            "backend.loadBalancerSourceRanges",
            "not a valid network CIDR",
            "IPv4 network",
        );
        expectConfigError(() => parseEdited("dev", setBackend("replicas", 3)), {
            key: "backend.replicas",
            says: ["is not a known key"],
            expects: ["only image, minReplicas"],
        });
    });
});

describe("config: monitoring", () => {
    const setIn = (path: string[], value: unknown) => (raw: MutableRaw) => {
        let target = raw.monitoring;
        for (const key of path.slice(0, -1)) target = target[key];
        target[path[path.length - 1]] = value;
    };
    const refuse = (stack: FileStack, path: string[], value: unknown, key: string, says: string, expects: string) =>
        expectConfigError(() => parseEdited(stack, setIn(path, value)), {
            stack,
            key,
            says: [says],
            expects: [expects],
        });

    it("refuses malformed retention and sizes, and a retention size that would fill the volume", () => {
        refuse(
            "dev",
            ["prometheus", "retention"],
            "15days",
            "monitoring.prometheus.retention",
            'is "15days", not a Prometheus duration',
            'a duration such as "15d"',
        );
        refuse(
            "dev",
            ["prometheus", "retentionSize"],
            "8GiB",
            "monitoring.prometheus.retentionSize",
            'is "8GiB", not a Prometheus size',
            'a size such as "8GB"',
        );
        refuse(
            "dev",
            ["prometheus", "retentionSize"],
            "10GB",
            "monitoring.prometheus.retentionSize",
            'is "10GB", too close to the 10Gi volume',
            "at most 85% of the volume (about 9GB)",
        );
        assert.equal(
            parseEdited("dev", setIn(["prometheus", "retentionSize"], "9GB")).monitoring.prometheus.retentionSize,
            "9GB",
        );
        assert.equal(
            parseEdited(
                "dev",
                both(setIn(["prometheus", "storageGiB"], 0), setIn(["prometheus", "retentionSize"], "100GB")),
            ).monitoring.prometheus.storageGiB,
            0,
        );
    });

    it("refuses prod settings that lose metrics or alerts", () => {
        refuse(
            "prod",
            ["prometheus", "replicas"],
            1,
            "monitoring.prometheus.replicas",
            "one Prometheus means no alerts while it restarts",
            "at least 2 in prod",
        );
        refuse(
            "prod",
            ["prometheus", "storageGiB"],
            0,
            "monitoring.prometheus.storageGiB",
            "is 0 in prod",
            "a volume size in GiB",
        );
    });

    it("refuses bad quantities, timeouts, thresholds and unknown keys", () => {
        refuse(
            "dev",
            ["prometheus", "memoryLimit"],
            "512Mi",
            "monitoring.prometheus.memoryLimit",
            'is "512Mi", below memoryRequest "1Gi"',
            "a limit at least as large as the request",
        );
        refuse(
            "dev",
            ["prometheus", "cpuRequest"],
            "lots",
            "monitoring.prometheus.cpuRequest",
            'is "lots", not a CPU quantity',
            "millicores",
        );
        refuse(
            "dev",
            ["installTimeoutSeconds"],
            60,
            "monitoring.installTimeoutSeconds",
            "is 60, out of range",
            "an integer from 300 to 3600",
        );
        refuse(
            "dev",
            ["alerts", "errorRatioPercent"],
            0,
            "monitoring.alerts.errorRatioPercent",
            "out of range",
            "an integer from 1 to 100",
        );
        refuse(
            "dev",
            ["alerts", "p99LatencyMs"],
            "0.5s",
            "monitoring.alerts.p99LatencyMs",
            "not a whole number",
            "an integer from 1 to 60000",
        );
        refuse(
            "dev",
            ["prometheus", "retension"],
            "3d",
            "monitoring.prometheus.retension",
            'is not a known key (did you mean "retention"?)',
            "only replicas, retention",
        );
        refuse(
            "dev",
            ["loki"],
            {},
            "monitoring.loki",
            "is not a known key",
            "only installTimeoutSeconds, prometheus, alertmanager, grafana, alerts",
        );
        refuse(
            "dev",
            ["grafana", "memoryLimit"],
            "128Mi",
            "monitoring.grafana.memoryLimit",
            'is "128Mi", below memoryRequest "256Mi"',
            "a limit at least as large as the request",
        );
        refuse(
            "dev",
            ["alertmanager", "cpuRequest"],
            "fast",
            "monitoring.alertmanager.cpuRequest",
            'is "fast", not a CPU quantity',
            "millicores",
        );
        expectConfigError(() => parseEdited("dev", (raw) => (raw.charts.kubePrometheusStack.version = "^88.5.3")), {
            key: "charts.kubePrometheusStack.version",
            says: ['is "^88.5.3", not a pinned chart version'],
            expects: ["an exact semver"],
        });
    });
});

describe("config: ephemeral lifetime", () => {
    const lifetime = { createdAt: "2026-11-25T08:00:00.000Z", expiresAt: "2026-11-25T16:00:00.000Z" };

    it("tags an eph-* stack's resources with its creation and expiry", () => {
        const config = parseStackConfig("eph-pr-42", { ...devRaw(), ephemeral: lifetime }, REGION);
        assert.deepEqual(config.stack.tags, {
            project: "scalable-backend",
            stack: "eph-pr-42",
            environment: "ephemeral",
            owner: "platform-team",
            "managed-by": "pulumi",
            "created-at": "2026-11-25T08:00:00.000Z",
            "expires-at": "2026-11-25T16:00:00.000Z",
        });
    });

    it("refuses it on dev and prod, malformed times, and an expiry before creation", () => {
        expectConfigError(() => parseEdited("prod", set("ephemeral", lifetime)), {
            stack: "prod",
            key: "ephemeral",
            says: ["is set on a long-lived stack"],
            expects: ["no ephemeral key outside eph-* stacks"],
        });
        const eph = (value: unknown) => () => parseStackConfig("eph-x", { ...devRaw(), ephemeral: value }, REGION);
        expectConfigError(eph({ ...lifetime, expiresAt: "tomorrow" }), {
            stack: "eph-x",
            key: "ephemeral.expiresAt",
            says: ['is "tomorrow", not a UTC timestamp'],
            expects: ["ISO 8601 in UTC"],
        });
        expectConfigError(eph({ ...lifetime, expiresAt: "2026-11-25T07:00:00.000Z" }), {
            stack: "eph-x",
            key: "ephemeral.expiresAt",
            says: ["not after createdAt"],
            expects: ["an expiry after creation"],
        });
        expectConfigError(eph({ ...lifetime, ttl: "8h" }), {
            stack: "eph-x",
            key: "ephemeral.ttl",
            says: ["is not a known key"],
            expects: ["only createdAt, expiresAt"],
        });
    });
});
