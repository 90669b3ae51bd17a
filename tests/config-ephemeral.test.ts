// config/ephemeral.ts: an ephemeral stack's creation and expiry, recorded as AWS tags.
import assert from "node:assert/strict";
import { parseStackConfig } from "../config";
import { TAGS_DEV } from "./config-expected";
import { ephRaw, expectConfigError, REGION, rejects, set } from "./config-helpers";

const lifetime = { createdAt: "2026-11-25T08:00:00.000Z", expiresAt: "2026-11-25T16:00:00.000Z" };

describe("config: ephemeral lifetime", () => {
    it("tags an eph-* stack's resources with its creation and expiry", () => {
        const config = parseStackConfig("eph-pr-42", { ...ephRaw(), ephemeral: lifetime }, REGION);
        const tags = {
            ...TAGS_DEV,
            stack: "eph-pr-42",
            environment: "ephemeral",
            "created-at": lifetime.createdAt,
            "expires-at": lifetime.expiresAt,
        };
        assert.deepEqual([config.stack.tags, config.cluster.tags], [tags, tags]);
    });

    rejects([
        {
            title: "a lifetime on a long-lived stack",
            stack: "prod",
            edit: set("ephemeral", lifetime),
            key: "ephemeral",
            says: ["is set on a long-lived stack"],
            expects: ["no ephemeral key outside eph-* and tenant-* stacks"],
        },
    ]);

    const cases: [string, unknown, string, string, string][] = [
        [
            "an expiry that is not a timestamp",
            { ...lifetime, expiresAt: "tomorrow" },
            "ephemeral.expiresAt",
            'is "tomorrow", not a UTC timestamp',
            "ISO 8601 in UTC",
        ],
        [
            "a creation time without the zone",
            { ...lifetime, createdAt: "2026-11-25T08:00:00" },
            "ephemeral.createdAt",
            "not a UTC timestamp",
            "ISO 8601 in UTC",
        ],
        [
            "an expiry before creation",
            { ...lifetime, expiresAt: "2026-11-25T07:00:00.000Z" },
            "ephemeral.expiresAt",
            "not after createdAt",
            "an expiry after creation",
        ],
        [
            "an unknown key",
            { ...lifetime, ttl: "8h" },
            "ephemeral.ttl",
            "is not a known key",
            "only createdAt, expiresAt",
        ],
    ];
    for (const [title, value, key, says, expects] of cases) {
        it(`rejects ${title} (eph-x)`, () => {
            expectConfigError(() => parseStackConfig("eph-x", { ...ephRaw(), ephemeral: value }, REGION), {
                stack: "eph-x",
                key,
                says: [says],
                expects: [expects],
            });
        });
    }
});
