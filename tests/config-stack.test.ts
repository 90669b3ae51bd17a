// config/stack.ts and the whole parse: the real stack files, drift against Pulumi.yaml, stack
// classification, the ConfigError shape, unknown keys, owner, region, CLI-shaped values, the
// absence of top-level defaults, ephemeral stacks, secrets never echoed, purity.
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as util from "node:util";
import * as yaml from "js-yaml";
import {
    DECLARED_KEYS,
    LAYER_KEYS,
    classifyStack,
    CONFIG_KEYS,
    ConfigError,
    OPTIONAL_KEYS,
    parseStackConfig,
    PROJECT,
    type StackConfig,
} from "../config";
import { readConfigFile, ROOT } from "../testing/engine";
import { EXPECTED, EXPECTED_DEV, EXPECTED_PROD, TAGS_DEV } from "./config-expected";
import {
    accepts,
    assertDeepFrozen,
    both,
    devRaw,
    type MutableRaw,
    drop,
    EPHEMERAL_BOUNDARY,
    ephRaw,
    expectConfigError,
    FILE_KEYS,
    fixture,
    KNOWN_KEYS,
    parse,
    parseEdited,
    PREFIX,
    prodRaw,
    rawFor,
    rawFromCli,
    REGION,
    rejects,
    rename,
    set,
    type FileStack,
} from "./config-helpers";

describe("config: the real stack files", () => {
    for (const stack of ["dev", "prod"] as const) {
        describe(`Pulumi.${stack}.yaml`, () => {
            it("sets aws:region to the region the tests assume", () => {
                assert.equal(fixture(stack).region, REGION);
            });

            it("parses to exactly the expected config", () => {
                assert.deepEqual(parseStackConfig(stack, rawFor(stack), fixture(stack).region), EXPECTED[stack]);
            });

            it("is deeply frozen: writing to it throws", () => {
                const config = parse(stack, rawFor(stack));
                assertDeepFrozen(config, "config");
                // Modules are strict: writing to a frozen object throws instead of silently doing nothing.
                assert.throws(() => {
                    (config.stack as any).owner = "someone-else";
                }, TypeError);
                assert.throws(() => {
                    (config.cluster.nodeGroups.general.instanceTypes as string[]).push("m5.large");
                }, TypeError);
                assert.throws(() => {
                    (config.stack.tags as Record<string, string>).extra = "x";
                }, TypeError);
            });

            it("parses each edit below from a valid start (so each case fails for its one change)", () => {
                assert.equal(parse(stack, rawFor(stack)).stack.profile, stack);
            });
        });
    }

    it("is pure: the caller's arrays are neither frozen nor shared", () => {
        const raw = devRaw();
        const config = parse("dev", raw);
        assert.equal(Object.isFrozen(raw.clusterLogTypes), false);
        assert.equal(Object.isFrozen(raw.adminPrincipalArns), false);
        assert.equal(Object.isFrozen(raw.nodeGroups.general.instanceTypes), false);
        assert.notEqual(config.cluster.nodeGroups.general.instanceTypes, raw.nodeGroups.general.instanceTypes);
    });
});

describe("config: drift between config/, Pulumi.yaml and the stack files", () => {
    for (const stack of ["dev", "prod"] as const) {
        const file = path.join(ROOT, `Pulumi.${stack}.yaml`);
        const projectKeys = (): string[] =>
            Object.keys(readConfigFile(file).values)
                .filter((k) => k.startsWith(PREFIX))
                .map((k) => k.slice(PREFIX.length));

        it(`Pulumi.${stack}.yaml sets exactly the required keys of CONFIG_KEYS`, () => {
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
            secret?: boolean;
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

        it("declares only the keys every layer requires: a declared key without a default is required by the CLI", () => {
            assert.deepEqual(Object.keys(project().config), ["owner"]);
            assert.deepEqual(DECLARED_KEYS, ["owner"]);
        });

        it("documents every other key in its comments, the cluster's required ones first", () => {
            const text = fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8");
            const documented = [...text.matchAll(/^# {3}(\w+) /gm)].map((m) => m[1]);
            assert.deepEqual(
                documented,
                [...LAYER_KEYS.cluster.required, ...OPTIONAL_KEYS],
                "Pulumi.yaml's comment lists each key once: the cluster's required keys, then the optional ones",
            );
        });

        for (const [key, kind] of Object.entries(CONFIG_KEYS).filter(([k]) => DECLARED_KEYS.includes(k))) {
            it(`declares ${key} (${kind}) with a description${kind === "object" ? " and no type" : ` and type ${kind}`}, and no default`, () => {
                const declaration = project().config[key];
                assert.ok(declaration && typeof declaration === "object", `Pulumi.yaml does not declare ${key}`);
                assert.ok((declaration.description ?? "").trim().length > 10, `${key}'s description is too short`);
                assert.equal(declaration.type, TYPE_OF_KIND[kind]);
                if (kind === "array") assert.deepEqual(declaration.items, { type: "string" });
                assert.equal(declaration.secret, kind === "secret" ? true : undefined);
                // Every stack file states its values; a project default would apply to every stack unseen.
                assert.equal(declaration.default, undefined, `${key} has a project-level default`);
                assert.equal(declaration.value, undefined, `${key} has a project-level value`);
            });
        }
    });
});

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

describe("config: ConfigError", () => {
    it("names the stack, the full key, the problem and the expectation", () => {
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

    it("keeps its message in the stack trace (Pulumi prints errors with util.inspect)", () => {
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
});

describe("config: unknown top-level keys", () => {
    const oneOf = [`one of ${KNOWN_KEYS.join(", ")}`];
    rejects([
        {
            title: 'a misspelt key with a suggestion ("kubernetesVersoin")',
            edit: rename("kubernetesVersion", "kubernetesVersoin"),
            key: "kubernetesVersoin",
            says: ['is not a known key (did you mean "kubernetesVersion"?)'],
            expects: oneOf,
        },
        {
            title: 'a short key with two letters swapped ("owenr")',
            edit: rename("owner", "owenr"),
            key: "owenr",
            says: ['is not a known key (did you mean "owner"?)'],
            expects: oneOf,
        },
        {
            title: "an unknown key",
            stack: "prod",
            edit: set("enableSpot", "true"),
            key: "enableSpot",
            says: ["is not a known key"],
            expects: oneOf,
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

describe("config: owner", () => {
    const tagValue = ["a team or person, 1-128 characters of letters, digits, spaces and ._:/=+@-"];
    rejects([
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
            says: ["is missing", "needs it"],
            expects: ["it in Pulumi.dev.yaml"],
        },
        {
            title: "an owner that is a number",
            edit: set("owner", 42),
            key: "owner",
            says: ["is 42, not a string"],
            expects: ["quote it in YAML"],
        },
        {
            title: "an owner that is not a valid tag value",
            edit: set("owner", "platform-team; rm -rf"),
            key: "owner",
            says: ['is "platform-team; rm -rf", not a valid tag value'],
            expects: tagValue,
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

describe("config: region (aws:region, not a project key)", () => {
    const cases: [FileStack, string | undefined, string][] = [
        ["dev", undefined, "is null"],
        ["prod", undefined, "is null"],
        ["dev", "", 'is ""'],
        ["dev", "eu-west", 'is "eu-west"'],
        ["prod", "EU-WEST-1", 'is "EU-WEST-1"'],
    ];
    for (const [stack, region, says] of cases) {
        it(`rejects the region ${JSON.stringify(region)} (${stack}), naming aws:region without the project prefix`, () => {
            const error = expectConfigError(() => parseStackConfig(stack, rawFor(stack), region), {
                stack,
                key: "aws:region",
                says: [says],
                expects: ['an AWS region such as "eu-west-1" (pulumi config set aws:region eu-west-1)'],
            });
            assert.ok(!error.message.includes(`${PREFIX}aws:region`), error.message);
        });
    }

    for (const [region, says] of [
        ["eu-west-9", 'is "eu-west-9", which is not an AWS region (did you mean "eu-west-1"?)'],
        ["us-east-7", 'is "us-east-7", which is not an AWS region (did you mean "us-east-1"?)'],
        ["eu-centrl-1", 'is "eu-centrl-1", which is not an AWS region (did you mean "eu-central-1"?)'],
        ["xx-north-1", 'is "xx-north-1", which is not an AWS region'],
    ] as const) {
        it(`rejects ${region}, well formed but no region the pinned @pulumi/aws knows`, () => {
            expectConfigError(() => parseStackConfig("prod", prodRaw(), region), {
                stack: "prod",
                key: "aws:region",
                says: [says],
                expects: ['an AWS region such as "eu-west-1"'],
            });
        });
    }

    for (const [region, partition] of [
        ["us-gov-west-1", "the aws-us-gov partition"],
        ["cn-north-1", "the aws-cn partition"],
        ["us-iso-east-1", "an isolated (ISO) partition"],
        ["eu-isoe-west-1", "an isolated (ISO) partition"],
        ["eusc-de-east-1", "the aws-eusc partition"],
    ] as const) {
        it(`rejects ${region}, a real region in ${partition} whose ARNs the program does not write`, () => {
            expectConfigError(() => parseStackConfig("dev", devRaw(), region), {
                key: "aws:region",
                says: [`is "${region}", in ${partition}, which this program does not support`],
                expects: ["a region of the standard aws partition"],
            });
        });
    }

    for (const region of ["us-east-1", "ap-southeast-2", "ap-southeast-5", "mx-central-1", "il-central-1"]) {
        it(`accepts ${region}`, () => {
            assert.equal(parseStackConfig("dev", devRaw(), region).stack.region, region);
        });
    }
});

describe("config: values as the CLI passes them", () => {
    it("the dev file hands scalars over as strings", () => {
        const raw = devRaw();
        assert.equal(raw.availabilityZoneCount, "2");
        assert.equal(raw.endpointPublicAccess, "true");
        assert.equal(raw.logRetentionDays, "7");
        assert.equal(raw.kubernetesVersion, "1.35");
        assert.deepEqual(raw.clusterLogTypes, ["api", "audit", "authenticator"]);
    });

    accepts([
        {
            title: "typed scalars the same as the CLI's strings",
            edit: both(set("availabilityZoneCount", 2), set("endpointPublicAccess", true), set("logRetentionDays", 7)),
            read: (config) => config,
            expected: EXPECTED_DEV,
        },
        {
            title: "typed scalars the same as the CLI's strings",
            stack: "prod",
            edit: both(set("availabilityZoneCount", 3), set("endpointPublicAccess", true), set("logRetentionDays", 90)),
            read: (config) => config,
            expected: EXPECTED_PROD,
        },
        {
            title: "node group sizes as strings the same as numbers",
            stack: "prod",
            edit: both(
                set("nodeGroups.general.minSize", "3"),
                set("nodeGroups.general.desiredSize", "3"),
                set("nodeGroups.general.maxSize", "10"),
                set("nodeGroups.general.diskSizeGiB", "50"),
            ),
            read: (config) => config,
            expected: EXPECTED_PROD,
        },
        {
            title: 'the YAML-unquoted form of a supported version (1.35 → "1.35")',
            edit: set("kubernetesVersion", String(yaml.load("1.35"))),
            read: (config) => config,
            expected: EXPECTED_DEV,
        },
    ]);

    describe("the YAML float trap, through a real stack file", () => {
        let dir: string;
        before(() => {
            dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-test-"));
        });
        after(() => {
            fs.rmSync(dir, { recursive: true, force: true });
        });

        /** The dev file with `kubernetesVersion: "1.35"` replaced, read the way the CLI hands it over. */
        const devFileWith = (version: string): Record<string, any> => {
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
});

describe("config: no defaults for top-level keys (the CLI requires every key Pulumi.yaml declares)", () => {
    for (const stack of ["dev", "prod", "eph-feature-x"] as const) {
        for (const key of FILE_KEYS) {
            it(`refuses ${stack} without ${key}, naming it and what it takes`, () => {
                const raw = stack === "prod" ? prodRaw() : stack === "dev" ? devRaw() : ephRaw();
                delete raw[key];
                // A cluster needs every one of them: refused before any is parsed, naming the layer.
                expectConfigError(() => parse(stack, raw), {
                    stack,
                    key,
                    says: ["is missing: a stack with its own cluster", "needs it"],
                    expects:
                        stack === "eph-feature-x"
                            ? [`npm run stack -- create ${stack} --placement cluster writes every key a cluster needs`]
                            : [`it in Pulumi.${stack}.yaml`],
                });
            });
        }
    }
});

describe("config: ephemeral stacks", () => {
    it("parse dev's values, the permissions boundary and the ephemeral IAM path to dev's config under the ephemeral profile", () => {
        const name = "eph-feature-x";
        const clusterName = "scalable-backend-eph-feature-x";
        const tags = { ...TAGS_DEV, stack: name, environment: "ephemeral" };
        assert.deepEqual(parse(name, ephRaw()), {
            ...EXPECTED_DEV,
            stack: {
                ...EXPECTED_DEV.stack,
                name,
                profile: "ephemeral",
                clusterName,
                tags,
                loadBalancerControllerReplicas: 1,
            },
            network: { ...EXPECTED_DEV.network, clusterName },
            cluster: {
                ...EXPECTED_DEV.cluster,
                clusterName,
                tags,
                permissionsBoundaryArn: EPHEMERAL_BOUNDARY,
                iamPath: "/scalable-backend-eph/",
            },
            platform: {
                ...EXPECTED_DEV.platform,
                loadBalancerControllerReplicas: 1,
                permissionsBoundaryArn: EPHEMERAL_BOUNDARY,
                iamPath: "/scalable-backend-eph/",
            },
            image: { ...EXPECTED_DEV.image, repositoryName: `${clusterName}/backend` },
            backend: { ...EXPECTED_DEV.backend, stack: name },
        });
    });

    it("are deeply frozen", () => {
        assertDeepFrozen(parse("eph-feature-x", ephRaw()), "config");
    });

    it("are validated like any stack", () => {
        const raw = ephRaw();
        raw.owner = "";
        expectConfigError(() => parse("eph-feature-x", raw), {
            stack: "eph-feature-x",
            key: "owner",
            says: ["is missing or empty"],
            expects: ["a non-empty string"],
        });
    });
});

describe("config: permissions boundary (permissionsBoundaryArn)", () => {
    const ARN = "arn:aws:iam::123456789012:policy/scalable-backend-boundary";
    const boundaryOf = (c: StackConfig): unknown[] => [
        c.cluster.permissionsBoundaryArn,
        c.platform.permissionsBoundaryArn,
    ];

    it("is unset in dev and prod, whose settings then carry no boundary at all", () => {
        for (const stack of ["dev", "prod"] as const) {
            const config = parse(stack, rawFor(stack));
            assert.equal("permissionsBoundaryArn" in config.cluster, false, stack);
            assert.equal("permissionsBoundaryArn" in config.platform, false, stack);
        }
    });

    accepts([
        {
            title: "a boundary on dev",
            edit: set("permissionsBoundaryArn", ARN),
            read: boundaryOf,
            expected: [ARN, ARN],
        },
        ...[
            "arn:aws:iam::123456789012:policy/boundaries/ci/scalable-backend",
            "arn:aws-us-gov:iam::123456789012:policy/a+b=c,d.e@f_g-h",
        ].map((arn) => ({
            title: `a boundary with a path or in another partition (${arn})`,
            stack: "prod" as const,
            edit: set("permissionsBoundaryArn", arn),
            read: boundaryOf,
            expected: [arn, arn],
        })),
    ]);

    it("is handed to the cluster and the platform of an eph-* stack", () => {
        assert.deepEqual(boundaryOf(parse("eph-pr-42", ephRaw())), [EPHEMERAL_BOUNDARY, EPHEMERAL_BOUNDARY]);
    });

    for (const [title, value, problem] of [
        ["missing", undefined, "is missing on an ephemeral stack"],
        ["empty", "", "is empty on an ephemeral stack"],
        ["blank", "  ", "is empty on an ephemeral stack"],
    ] as const) {
        it(`is required on an eph-* stack: refuses it ${title}, saying why and how to set it`, () => {
            const raw: MutableRaw = { ...devRaw(), placement: "cluster" };
            if (value !== undefined) raw.permissionsBoundaryArn = value;
            expectConfigError(() => parse("eph-pr-42", raw), {
                stack: "eph-pr-42",
                key: "permissionsBoundaryArn",
                says: [
                    problem,
                    "the ephemeral deploy role may only create IAM roles that carry the permissions boundary",
                    "so pulumi up would fail with AccessDenied on the first role",
                ],
                expects: [
                    "the boundary policy's ARN, which the bootstrap program outputs as permissionsBoundaryArn",
                    "npm run stack -- create eph-pr-42 --permissions-boundary <arn>",
                    "pulumi config set permissionsBoundaryArn <arn> --stack eph-pr-42",
                ],
            });
        });
    }

    const notPolicy = [
        '"arn:aws:iam::<12-digit account>:policy/<path/name>"',
        "the bootstrap program's permissionsBoundaryArn output",
    ];
    const malformed: [string, string][] = [
        ["a role ARN", "arn:aws:iam::123456789012:role/scalable-backend-boundary"],
        ["an AWS managed policy (no account of yours)", "arn:aws:iam::aws:policy/PowerUserAccess"],
        ["an 11-digit account", "arn:aws:iam::12345678901:policy/boundary"],
        ["a policy without a name", "arn:aws:iam::123456789012:policy/"],
        ["a path without a name", "arn:aws:iam::123456789012:policy/boundaries/"],
        ["a wildcard", "arn:aws:iam::123456789012:policy/*"],
        ["a region in an IAM ARN", "arn:aws:iam:eu-west-1:123456789012:policy/boundary"],
        ["a bare policy name", "scalable-backend-boundary"],
    ];
    rejects(
        (["dev", "prod"] as const).flatMap((stack) =>
            malformed.map(([title, arn]) => ({
                title: `${title} as the boundary`,
                stack,
                edit: set("permissionsBoundaryArn", arn),
                key: "permissionsBoundaryArn",
                says: [`is "${arn}", not the ARN of a customer managed IAM policy`],
                expects: notPolicy,
            })),
        ),
    );
    for (const [title, arn] of malformed) {
        it(`rejects ${title} as the boundary (eph-pr-42)`, () => {
            expectConfigError(() => parse("eph-pr-42", { ...ephRaw(), permissionsBoundaryArn: arn }), {
                stack: "eph-pr-42",
                key: "permissionsBoundaryArn",
                says: [`is "${arn}", not the ARN of a customer managed IAM policy`],
                expects: notPolicy,
            });
        });
    }
    rejects([
        {
            title: "an empty boundary",
            edit: set("permissionsBoundaryArn", ""),
            key: "permissionsBoundaryArn",
            says: ["is missing or empty"],
            expects: ["a non-empty string"],
        },
        {
            title: "a boundary that is not a string",
            stack: "prod",
            edit: set("permissionsBoundaryArn", 42),
            key: "permissionsBoundaryArn",
            says: ["is 42, not a string"],
            expects: ["a non-empty string"],
        },
    ]);
});

describe("config: secrets in errors", () => {
    const SECRET = "hunter2-s3cret";
    rejects([
        {
            title: "an unknown key that looks like a secret, without its value or a suggestion",
            edit: set("adminToken", SECRET),
            key: "adminToken",
            says: ["is not a known key"],
            expects: [`one of ${KNOWN_KEYS.join(", ")}`],
            never: [SECRET, "did you mean"],
        },
        {
            title: "a misspelt secret key, with a suggestion but without its value",
            edit: set("grafanaAdminPasword", SECRET),
            key: "grafanaAdminPasword",
            says: ['did you mean "grafanaAdminPassword"'],
            expects: ["one of"],
            never: [SECRET],
        },
        {
            title: "an unknown key, without its value",
            stack: "prod",
            edit: set("databasePassword", SECRET),
            key: "databasePassword",
            says: ["is not a known key"],
            expects: ["one of"],
            never: [SECRET],
        },
        {
            title: "an unknown key inside a node group, without its value",
            edit: set("nodeGroups.general.sshPrivateKey", SECRET),
            key: "nodeGroups.general.sshPrivateKey",
            says: ["is not a known key"],
            expects: ["only instanceTypes"],
            never: [SECRET],
        },
        {
            title: "an unknown key inside addonVersions, without its value",
            edit: set("addonVersions.apiToken", SECRET),
            key: "addonVersions.apiToken",
            says: ["is not a known key"],
            expects: ["only vpcCni"],
            never: [SECRET],
        },
        {
            title: "a bad non-secret value, echoed because it helps",
            edit: set("owner", "team!"),
            key: "owner",
            says: ['is "team!", not a valid tag value'],
            expects: ["a team or person"],
        },
    ]);
    // The `never` check itself: a fragment that is in the message fails it.
    it("fails a case whose error echoes what it must not", () => {
        assert.throws(
            () =>
                expectConfigError(() => parseEdited("dev", set("owner", "team!")), {
                    key: "owner",
                    says: [],
                    expects: [],
                    never: ["team!"],
                }),
            /must not echo "team!"/,
        );
    });
});
