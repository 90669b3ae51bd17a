// config/placement.ts and config/review.ts: which layer a stack is, each layer's keys, the host it
// names, and the app layer's limits, refused before any resource with the key and the fix.
import assert from "node:assert/strict";
import { type LayerConfig, parseConfig, parseHostStack } from "../config";
import { Reader } from "../config/reader";
import { REVIEW_QUOTA } from "../lib/review-quota";
import { reviewAppConfig, tenantConfig } from "../tools/ephemeral";
import { devStackFileConfig } from "../tools/stack";
import { toCliValues } from "../config";
import { devRaw, ephRaw, expectConfigError, type MutableRaw, rawFromCli, REGION } from "./config-helpers";
import { EPHEMERAL_META } from "./helpers";

const LOOKUP = () => ({ organization: "acme", project: "scalable-backend" });
const parseAny = (stack: string, raw: MutableRaw): LayerConfig => parseConfig(stack, raw, REGION, [], LOOKUP);
/** The app layer's raw config as `npm run stack -- create` writes it. */
const appRaw = (): MutableRaw => rawFromCli(toCliValues(reviewAppConfig(devStackFileConfig(), EPHEMERAL_META)));
const tenantRaw = (): MutableRaw => rawFromCli(toCliValues(tenantConfig(devStackFileConfig(), EPHEMERAL_META)));
const withBackend = (edit: Record<string, unknown>): MutableRaw => {
    const raw = appRaw();
    return { ...raw, backend: { ...raw.backend, ...edit } };
};

describe("config: placement and layers", () => {
    it("dev and prod are clusters; eph-* is a shared app layer unless it says cluster; tenant-* a tenant", () => {
        assert.equal(parseAny("dev", devRaw()).layer, "cluster");
        assert.equal(parseAny("eph-a", ephRaw()).layer, "cluster");
        assert.equal(parseAny("eph-a", appRaw()).layer, "app");
        const { placement: _placement, ...unplaced } = appRaw();
        assert.equal(parseAny("eph-a", unplaced).layer, "app");
        assert.equal(parseAny("tenant-a", tenantRaw()).layer, "tenant");
    });

    it("parses the app layer the tool writes to exactly these settings", () => {
        const config = parseAny("eph-a", appRaw());
        assert.equal(config.layer, "app");
        if (config.layer !== "app") return;
        assert.equal(config.host, "acme/scalable-backend/dev");
        assert.equal(config.tenantStack, "tenant-a");
        assert.deepEqual(config.image, { repositoryName: "scalable-backend-eph-a/backend", forceDelete: true });
        assert.deepEqual(
            { ...config.app, tls: { ...config.app.tls } },
            {
                identity: { namespace: "eph-a", name: "backend" },
                stack: "eph-a",
                minReplicas: 1,
                maxReplicas: 2,
                cpuTargetPercent: 70,
                cpuRequest: "50m",
                memoryRequest: "64Mi",
                memoryLimit: "128Mi",
                loadBalancerSourceRanges: [],
                tls: { plainHttp: true },
                exposure: "clusterIP",
            },
        );
        assert.equal(config.stack.tags.environment, "ephemeral");
        assert.ok(Object.isFrozen(config.app));
    });

    it("parses the tenant layer to the namespace, the quota and the deployers' binding", () => {
        const config = parseAny("tenant-a", tenantRaw());
        assert.equal(config.layer, "tenant");
        if (config.layer !== "tenant") return;
        assert.deepEqual(config.tenant, {
            namespace: "eph-a",
            stack: "tenant-a",
            owner: "platform-team",
            quota: REVIEW_QUOTA,
            containerLimits: {
                defaultRequest: { cpu: "50m", memory: "64Mi" },
                default: { memory: "128Mi" },
                max: { memory: "512Mi" },
            },
            deployersGroup: "scalable-backend:review-deployers",
            monitorsClusterRole: "scalable-backend-review-monitors",
        });
        assert.equal(config.stack.tags.environment, "tenant");
    });

    const refusals: [string, string, () => MutableRaw, string, string[], string[]][] = [
        [
            "a placement on dev",
            "dev",
            () => ({ ...devRaw(), placement: "shared" }),
            "placement",
            ["is set on dev"],
            ["no placement key outside eph-* stacks"],
        ],
        [
            "a placement on a tenant",
            "tenant-a",
            () => ({ ...tenantRaw(), placement: "cluster" }),
            "placement",
            ["is set on a tenant stack"],
            ["no placement key"],
        ],
        [
            "an unknown placement",
            "eph-a",
            () => ({ ...appRaw(), placement: "namespace" }),
            "placement",
            ['is "namespace"'],
            ['one of "shared", "cluster"'],
        ],
        [
            "an app layer without backend",
            "eph-a",
            () => ({ ...appRaw(), backend: undefined }),
            "backend",
            ["is missing: a shared review stack's app layer"],
            ["it in Pulumi.eph-a.yaml"],
        ],
        [
            "a cluster's config without a placement (an eph-* stack from before placements)",
            "eph-a",
            () => {
                const { placement: _placement, ...old } = ephRaw();
                return old;
            },
            "kubernetesVersion",
            ["is set on a shared review stack's app layer"],
            ["pulumi config set placement cluster --stack eph-a"],
        ],
        [
            "a cluster key on an app layer",
            "eph-a",
            () => ({ ...appRaw(), vpcCidr: "10.0.0.0/16" }),
            "vpcCidr",
            ["is set on a shared review stack's app layer", "which does not read it"],
            ["no vpcCidr here"],
        ],
        [
            "a backend on a tenant",
            "tenant-a",
            () => ({ ...tenantRaw(), backend: {} }),
            "backend",
            ["is set on a review stack's tenant layer"],
            ["only owner, ephemeral, hostStack"],
        ],
        [
            "an app key on a cluster",
            "dev",
            () => ({ ...devRaw(), hostStack: "dev" }),
            "hostStack",
            ["is set on a stack with its own cluster"],
            ["a shared review stack's key"],
        ],
        [
            "a cluster eph-* stack without its cluster keys",
            "eph-a",
            () => ({ ...appRaw(), placement: "cluster" }),
            "kubernetesVersion",
            ["is missing: a stack with its own cluster"],
            ["--placement cluster writes every key a cluster needs"],
        ],
        [
            "more replicas than the quota holds",
            "eph-a",
            () => withBackend({ maxReplicas: 3 }),
            "backend.maxReplicas",
            ["is 3, above the 2"],
            ['placement "cluster"'],
        ],
        [
            "requests above the quota",
            "eph-a",
            () => withBackend({ cpuRequest: "100m" }),
            "backend.cpuRequest",
            ["4 pods", "a rollout's surge pod and the one it replaces", "would need 400", "requests.cpu quota of 250m"],
            ["at most 62m per pod"],
        ],
        [
            "memory limits above the quota",
            "eph-a",
            () => withBackend({ memoryLimit: "512Mi" }),
            "backend.memoryLimit",
            ["would need 2048", "limits.memory quota of 1Gi"],
            ["at most 256Mi per pod"],
        ],
        [
            "a prebuilt image pinned by tag only",
            "eph-a",
            () => withBackend({ image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/backend:1.2.3" }),
            "backend.image",
            ["pinned by tag", "exactly the image that was reviewed"],
            ["--image <repository>@sha256:<digest>"],
        ],
        [
            "a certificate on a review app",
            "eph-a",
            () => withBackend({ tls: { certificateDomain: "review.example.com" } }),
            "backend.tls",
            ["plain HTTP"],
            ["{ plainHttp: true }"],
        ],
        [
            "public without source ranges",
            "eph-a",
            () => ({ ...appRaw(), exposure: "public" }),
            "backend.loadBalancerSourceRanges",
            ["whole internet"],
            ["--public --source-ranges"],
        ],
        [
            "source ranges on a ClusterIP app",
            "eph-a",
            () => withBackend({ loadBalancerSourceRanges: ["203.0.113.0/24"] }),
            "backend.loadBalancerSourceRanges",
            ["exposure is clusterIP"],
            ['exposure "public"'],
        ],
        [
            "an unknown exposure",
            "eph-a",
            () => ({ ...appRaw(), exposure: "internet" }),
            "exposure",
            ['is "internet"'],
            ['one of "clusterIP", "public"'],
        ],
        [
            "prod as the host",
            "eph-a",
            () => ({ ...appRaw(), hostStack: "prod" }),
            "hostStack",
            ["names prod", "never runs unreviewed"],
            ['"dev" (the default)'],
        ],
        [
            "prod of another org as the host",
            "tenant-a",
            () => ({ ...tenantRaw(), hostStack: "acme/scalable-backend/prod" }),
            "hostStack",
            ["names prod"],
            ['"dev"'],
        ],
        [
            "a review stack as the host",
            "eph-a",
            () => ({ ...appRaw(), hostStack: "eph-other" }),
            "hostStack",
            ['names "eph-other", which is not a host'],
            ['"dev" (the default)'],
        ],
        [
            "a malformed host",
            "eph-a",
            () => ({ ...appRaw(), hostStack: "acme/dev" }),
            "hostStack",
            ['is "acme/dev", not a stack name'],
            ['"<organization>/<project>/dev"'],
        ],
    ];
    for (const [title, stack, raw, key, says, expects] of refusals) {
        it(`refuses ${title}`, () => {
            expectConfigError(() => parseAny(stack, raw()), { stack, key, says, expects });
        });
    }

    it("names the host in full: the default organization's dev, a bare dev, or as given", () => {
        const reader = new Reader("eph-a");
        assert.equal(
            parseHostStack(reader, undefined, "organization", "scalable-backend"),
            "organization/scalable-backend/dev",
        );
        assert.equal(parseHostStack(reader, "dev", "acme", "scalable-backend"), "acme/scalable-backend/dev");
        assert.equal(parseHostStack(reader, "other/backend-x/dev", "acme", "scalable-backend"), "other/backend-x/dev");
    });

    it("asks for the organization only on a layer with a host", () => {
        parseConfig("dev", devRaw(), REGION, [], () => assert.fail("a cluster has no host"));
    });
});
