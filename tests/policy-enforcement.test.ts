// Enforcement per rule and environment, the CLI's pack-config precedence, and the offline
// evaluator that stands in for the policy SDK in tests.
import * as assert from "node:assert/strict";
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    effectiveEnforcement,
    enforcementFor,
    environmentOf,
    RULE_TIERS,
    withEnforcement,
} from "../policy/enforcement";
import { ALL_POLICIES, kmsKeyRotation, resourcePolicy } from "../policy/rules";
import type { RecordedResource } from "../testing/engine";
import {
    checkResource,
    checkStack,
    evaluate,
    NotApplicable,
    resourceArgs,
    resourceInputsFrom,
    stackArgs,
    stackInputsFrom,
} from "../testing/policy";

const PROD_TIER = [
    "eks-control-plane-logs-complete",
    "eks-public-endpoint-restricted",
    "iam-no-wildcard-resource-writes",
    "read-only-root-filesystem",
    "container-resources",
    "container-probes",
    "image-pinned",
    "no-replicas-under-hpa",
    "load-balancer-restricted",
    "backend-tls",
    "no-placeholder-values",
];

describe("policy: enforcement", () => {
    it("names every rule once, and gives each a tier", () => {
        const names = ALL_POLICIES.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        assert.deepEqual(Object.keys(RULE_TIERS), names);
        assert.deepEqual(
            names.filter((name) => RULE_TIERS[name] === "prod"),
            PROD_TIER,
        );
    });

    it("tells the environment from the stack name, failing closed to prod", () => {
        assert.deepEqual(
            [
                "dev",
                "prod",
                "eph-pr-42",
                "acme/scalable-backend/dev",
                "acme/scalable-backend/eph-x",
                "staging",
                "",
                undefined,
            ].map(environmentOf),
            ["dev", "prod", "ephemeral", "dev", "ephemeral", "prod", "prod", "prod"],
        );
    });

    it("makes a prod-tier rule mandatory in prod and advisory in dev and ephemeral stacks", () => {
        assert.deepEqual(
            (["prod", "dev", "ephemeral"] as const).map((env) => enforcementFor("load-balancer-restricted", env)),
            ["mandatory", "advisory", "advisory"],
        );
    });

    it("makes an always-tier rule mandatory everywhere", () => {
        assert.deepEqual(
            (["prod", "dev", "ephemeral"] as const).map((env) => enforcementFor("pod-security-restricted", env)),
            ["mandatory", "mandatory", "mandatory"],
        );
    });

    it("refuses a rule without a tier", () => {
        assert.throws(() => enforcementFor("no-such-rule", "prod"), {
            message: 'enforcementFor: "no-such-rule" has no tier in policy/enforcement.ts RULE_TIERS; add it there.',
        });
    });

    it("sets each policy's level for the environment without touching the originals", () => {
        const dev = withEnforcement([...ALL_POLICIES], "dev");
        assert.deepEqual(
            dev.filter((p) => p.enforcementLevel === "advisory").map((p) => p.name),
            PROD_TIER,
        );
        assert.deepEqual(
            withEnforcement([...ALL_POLICIES], "prod").map((p) => p.enforcementLevel),
            ALL_POLICIES.map(() => "mandatory"),
        );
        assert.deepEqual(
            ALL_POLICIES.map((p) => p.enforcementLevel),
            ALL_POLICIES.map(() => undefined),
        );
        assert.equal(dev[1].name, kmsKeyRotation.name);
        assert.equal((dev[1] as ResourceValidationPolicy).validateResource, kmsKeyRotation.validateResource);
    });

    it("refuses a tier table that names missing rules, and a policy the table lacks", () => {
        assert.throws(() => withEnforcement(ALL_POLICIES.slice(1), "prod"), {
            message: "withEnforcement: RULE_TIERS names rules that do not exist: eks-secrets-encryption.",
        });
        const extra = resourcePolicy("extra-rule", "d", [], () => []);
        assert.throws(() => withEnforcement([...ALL_POLICIES, extra], "dev"), {
            message: 'enforcementFor: "extra-rule" has no tier in policy/enforcement.ts RULE_TIERS; add it there.',
        });
    });

    it("applies a pack config like the CLI: the pack's level, then all, then the rule's entry", () => {
        assert.equal(effectiveEnforcement("image-pinned", "advisory"), "advisory");
        assert.equal(effectiveEnforcement("image-pinned", "advisory", { all: "mandatory" }), "mandatory");
        assert.equal(
            effectiveEnforcement("image-pinned", "advisory", { all: "mandatory", "image-pinned": "disabled" }),
            "disabled",
        );
        assert.equal(
            effectiveEnforcement("image-pinned", "mandatory", { "image-pinned": { enforcementLevel: "advisory" } }),
            "advisory",
        );
        assert.equal(
            effectiveEnforcement("image-pinned", "mandatory", {
                all: { enforcementLevel: "advisory" },
                "image-pinned": { setting: 1 },
            }),
            "advisory",
        );
        assert.equal(effectiveEnforcement("image-pinned", "mandatory", { "other-rule": "advisory" }), "mandatory");
    });
});

describe("policy: offline evaluation", () => {
    /** A mock-engine record; what the evaluator does not read gets neutral values. */
    const record = (
        fields: Pick<RecordedResource, "type" | "name" | "urn" | "inputs" | "outputs"> & Partial<RecordedResource>,
    ): RecordedResource => ({
        custom: true,
        secretInputs: [],
        providers: {},
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        ignoreChanges: [],
        aliases: [],
        deleteBeforeReplace: false,
        options: { dependsOn: [], protect: false, ignoreChanges: [] },
        ...fields,
    });
    const key = record({
        type: "aws:kms/key:Key",
        name: "k",
        urn: "urn:pulumi:dev::p::aws:kms/key:Key::k",
        inputs: { enableKeyRotation: false },
        outputs: { enableKeyRotation: false, arn: "arn:k" },
        provider: "urn:pulumi:dev::p::pulumi:providers:aws::aws::id-1",
        dependencies: [],
        propertyDependencies: {},
        protect: true,
        ignoreChanges: ["tags"],
    });
    const provider: RecordedResource = {
        ...key,
        type: "pulumi:providers:aws",
        name: "aws",
        urn: "urn:pulumi:dev::p::pulumi:providers:aws::aws",
        inputs: { region: "eu-west-1" },
        outputs: {},
        provider: undefined,
    };

    it("builds resource args as the SDK does: inputs as props, the provider with its inputs, the options", () => {
        const [input] = resourceInputsFrom([key, provider]);
        assert.deepEqual(input, {
            type: "aws:kms/key:Key",
            name: "k",
            urn: key.urn,
            props: { enableKeyRotation: false },
            provider: { type: "pulumi:providers:aws", name: "aws", urn: provider.urn, props: { region: "eu-west-1" } },
            opts: { protect: true, ignoreChanges: ["tags"], parent: undefined },
        });
        const args = resourceArgs(input);
        assert.deepEqual(args.opts, {
            protect: true,
            ignoreChanges: ["tags"],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
            parent: undefined,
        });
        assert.equal(args.isType({ __pulumiType: "aws:kms/key:Key" } as never), true);
        assert.equal(args.isType({ __pulumiType: "aws:s3/bucket:Bucket" } as never), false);
        assert.deepEqual(args.asType({ __pulumiType: "aws:kms/key:Key" } as never), { enableKeyRotation: false });
        assert.equal(args.asType({ __pulumiType: "aws:s3/bucket:Bucket" } as never), undefined);
        assert.deepEqual(resourceArgs({ type: "t", props: {}, config: { limit: 3 } }).getConfig(), { limit: 3 });
        assert.throws(
            () => args.notApplicable("why"),
            (error: unknown) =>
                error instanceof NotApplicable && error.reason === "why" && error.message === "not applicable: why",
        );
    });

    it("builds stack args as the SDK does: state as props, references resolved, unknown URNs dropped", () => {
        const child: RecordedResource = {
            ...key,
            name: "child",
            urn: "urn:child",
            parent: key.urn,
            dependencies: [key.urn, "urn:elsewhere"],
            propertyDependencies: { arn: [key.urn, "urn:elsewhere"] },
        };
        const args = stackArgs(stackInputsFrom([key, child]), { threshold: 1 });
        const [parent, resolved] = args.resources;
        assert.deepEqual(parent.props, { enableKeyRotation: false, arn: "arn:k" });
        assert.equal(resolved.parent, parent);
        assert.deepEqual(resolved.dependencies, [parent]);
        assert.deepEqual(resolved.propertyDependencies, { arn: [parent] });
        assert.equal(resolved.opts.parent, key.urn);
        assert.deepEqual(args.getConfig(), { threshold: 1 });
    });

    it("reports violations at the policy's level, the stack policy's blamed URN, and skips disabled policies", async () => {
        const stackPolicy: StackValidationPolicy = {
            name: "s",
            description: "d",
            enforcementLevel: "advisory",
            validateStack: (_args, report) => {
                report("whole stack");
                report("one", "urn:x");
            },
        };
        const disabled = { ...kmsKeyRotation, enforcementLevel: "disabled" as const };
        assert.deepEqual(
            await evaluate([{ ...kmsKeyRotation, enforcementLevel: "mandatory" }, stackPolicy, disabled], [key]),
            [
                {
                    policy: "kms-key-rotation",
                    enforcementLevel: "mandatory",
                    urn: key.urn,
                    message:
                        "The KMS key does not rotate: set enableKeyRotation: true (AWS then rotates its key material yearly, old data stays readable).",
                },
                { policy: "s", enforcementLevel: "advisory", urn: undefined, message: "whole stack" },
                { policy: "s", enforcementLevel: "advisory", urn: "urn:x", message: "one" },
            ],
        );
        assert.deepEqual(await evaluate([{ ...kmsKeyRotation, enforcementLevel: undefined }], [key]), [
            {
                policy: "kms-key-rotation",
                enforcementLevel: "advisory",
                urn: key.urn,
                message:
                    "The KMS key does not rotate: set enableKeyRotation: true (AWS then rotates its key material yearly, old data stays readable).",
            },
        ]);
    });

    it("runs every validation of a policy, treats notApplicable as no finding, and lets real errors through", async () => {
        const several: ResourceValidationPolicy = {
            name: "several",
            description: "d",
            validateResource: [
                (_args, report) => report("first"),
                (args) => args.notApplicable(),
                async (_args, report) => report("third"),
            ],
        };
        assert.deepEqual(await checkResource(several, { type: "t", props: {} }), ["first", "third"]);
        assert.deepEqual(await checkResource({ name: "none", description: "d" }, { type: "t", props: {} }), []);
        const stackNotApplicable: StackValidationPolicy = {
            name: "s",
            description: "d",
            validateStack: (args) => args.notApplicable("no clusters"),
        };
        assert.deepEqual(await checkStack(stackNotApplicable, []), []);
        const broken: ResourceValidationPolicy = {
            name: "broken",
            description: "d",
            validateResource: () => {
                throw new TypeError("bug");
            },
        };
        await assert.rejects(checkResource(broken, { type: "t", props: {} }), { name: "TypeError", message: "bug" });
        const brokenStack: StackValidationPolicy = {
            name: "broken",
            description: "d",
            validateStack: () => {
                throw new RangeError("bug");
            },
        };
        await assert.rejects(checkStack(brokenStack, []), { name: "RangeError", message: "bug" });
    });
});
