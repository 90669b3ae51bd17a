// An ephemeral stack's lifetime: creation and expiry, written by `npm run stack -- create` and
// recorded as AWS tags.
import type { Reader } from "./reader";
import type { Profile } from "./stack";

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/;

/** The `created-at` and `expires-at` tags (none outside eph-* stacks). */
export function parseLifetime(reader: Reader, raw: unknown, profile: Profile): Readonly<Record<string, string>> {
    if (raw === undefined) return {};
    if (profile !== "ephemeral" && profile !== "tenant")
        reader.fail("ephemeral", "is set on a long-lived stack", "no ephemeral key outside eph-* and tenant-* stacks");
    const value = reader.object("ephemeral", raw);
    reader.rejectUnknownKeys("ephemeral", value, ["createdAt", "expiresAt"]);
    const createdAt = reader.string("ephemeral.createdAt", value.createdAt);
    const expiresAt = reader.string("ephemeral.expiresAt", value.expiresAt);
    for (const [key, time] of [
        ["ephemeral.createdAt", createdAt],
        ["ephemeral.expiresAt", expiresAt],
    ] as const) {
        if (!ISO_TIME.test(time) || Number.isNaN(Date.parse(time)))
            reader.fail(key, `is "${time}", not a UTC timestamp`, `ISO 8601 in UTC such as "2026-11-25T08:00:00.000Z"`);
    }
    if (Date.parse(expiresAt) <= Date.parse(createdAt))
        reader.fail(
            "ephemeral.expiresAt",
            `is "${expiresAt}", not after createdAt "${createdAt}"`,
            "an expiry after creation",
        );
    return { "created-at": createdAt, "expires-at": expiresAt };
}
