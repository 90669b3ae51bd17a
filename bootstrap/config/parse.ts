// parseBootstrapConfig: the bootstrap stack's raw config in (strings, as the CLI hands them over),
// validated settings out, or a ConfigError naming the stack, the key, what is wrong and what is
// expected. Pure, and run before any resource exists. It reuses the main program's Reader and
// region check; keys are always written in full ("scalable-backend-bootstrap:..."), so errors
// name this project's keys, not the main program's.
import { ConfigError, type RawConfig, Reader, suggest } from "../../config/reader";
import { parseRegion } from "../../config/stack";

export const PROJECT = "scalable-backend-bootstrap";

/** Every key the bootstrap reads (without the project prefix), and whether it is required. */
export const CONFIG_KEYS: Readonly<Record<string, "required" | "optional">> = {
    githubRepository: "required",
    stateBucketName: "required",
    existingOidcProviderArn: "optional",
};

/** The full key, as stack files and errors write it. */
export const key = (name: string): string => `${PROJECT}:${name}`;

/** What the committed stack file holds until someone sets the real repository. */
export const REPOSITORY_PLACEHOLDER = "OWNER/REPO";

export interface BootstrapConfig {
    readonly stack: string;
    readonly region: string;
    /** "owner/name", exactly as GitHub spells it: the OIDC `sub` claim compares case-sensitively. */
    readonly githubRepository: string;
    readonly stateBucketName: string;
    /** The account's existing GitHub OIDC provider, referenced instead of created. */
    readonly existingOidcProviderArn?: string;
    /** Tags on every bootstrap resource (through the provider's default tags). */
    readonly tags: Readonly<Record<string, string>>;
}

// GitHub: an owner is 1-39 letters, digits and single inner hyphens; a repository name is up to
// 100 letters, digits, ".", "-" and "_", and never "." or "..".
const OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const REPOSITORY = /^[A-Za-z0-9._-]{1,100}$/;

export function parseGithubRepository(reader: Reader, raw: unknown): string {
    const name = key("githubRepository");
    const value = reader.string(name, raw);
    const expected = `the repository as "owner/name", exactly as GitHub spells it (pulumi config set githubRepository my-org/scalable-backend)`;
    if (value.trim().toUpperCase() === REPOSITORY_PLACEHOLDER)
        reader.fail(name, `is "${value}", the placeholder of the committed stack file`, expected);
    if (/[*?]/.test(value))
        reader.fail(name, `is "${value}": a wildcard would let other repositories assume the roles`, expected);
    const parts = value.split("/");
    if (
        parts.length !== 2 ||
        !OWNER.test(parts[0]) ||
        !REPOSITORY.test(parts[1]) ||
        parts[1] === "." ||
        parts[1] === ".."
    )
        reader.fail(name, `is "${value}", not a GitHub repository`, expected);
    return value;
}

/**
 * S3's naming rules for general purpose buckets (3-63 lowercase letters, digits, hyphens and dots,
 * starting and ending with a letter or digit, not an IP address, none of the reserved prefixes and
 * suffixes), plus no dots: a dotted name breaks TLS on virtual-hosted-style requests.
 */
export function parseBucketName(reader: Reader, raw: unknown): string {
    const name = key("stateBucketName");
    const value = reader.string(name, raw);
    const expected = `an S3 bucket name of 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit, such as "scalable-backend-state-123456789012"`;
    if (value.includes("."))
        reader.fail(name, `is "${value}", with a dot (TLS to virtual-hosted buckets fails on dotted names)`, expected);
    if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(value))
        reader.fail(name, `is "${value}", not a valid S3 bucket name`, expected);
    for (const prefix of ["xn--", "sthree-", "amzn-s3-demo-"])
        if (value.startsWith(prefix))
            reader.fail(name, `is "${value}", with S3's reserved prefix "${prefix}"`, expected);
    for (const suffix of ["-s3alias", "--ol-s3", "--x-s3", "--table-s3"])
        if (value.endsWith(suffix)) reader.fail(name, `is "${value}", with S3's reserved suffix "${suffix}"`, expected);
    return value;
}

const GITHUB_PROVIDER_ARN = /^arn:aws:iam::\d{12}:oidc-provider\/token\.actions\.githubusercontent\.com$/;

export function parseExistingProviderArn(reader: Reader, raw: unknown): string | undefined {
    if (raw === undefined) return undefined;
    const name = key("existingOidcProviderArn");
    const value = reader.string(name, raw);
    if (!GITHUB_PROVIDER_ARN.test(value))
        reader.fail(
            name,
            `is "${value}", not the ARN of a GitHub Actions OIDC provider`,
            `"arn:aws:iam::<account-id>:oidc-provider/token.actions.githubusercontent.com" of this account (IAM > Identity providers), or no key to create the provider`,
        );
    return value;
}

/**
 * Validates the bootstrap's raw config: `raw` holds this project's keys without the prefix;
 * `region` is `aws:region`. Pure: no Pulumi calls, so tests reach every error path.
 */
export function parseBootstrapConfig(stack: string, raw: RawConfig, region: string | undefined): BootstrapConfig {
    const reader = new Reader(stack);
    const known = Object.keys(CONFIG_KEYS);
    for (const name of Object.keys(raw)) {
        if (!known.includes(name))
            reader.fail(key(name), `is not a known key${suggest(name, known)}`, `one of ${known.map(key).join(", ")}`);
    }
    const checkedRegion = parseRegion(stack, region);
    const githubRepository = parseGithubRepository(reader, raw.githubRepository);
    const stateBucketName = parseBucketName(reader, raw.stateBucketName);
    const existingOidcProviderArn = parseExistingProviderArn(reader, raw.existingOidcProviderArn);
    return Object.freeze({
        stack,
        region: checkedRegion,
        githubRepository,
        stateBucketName,
        ...(existingOidcProviderArn !== undefined ? { existingOidcProviderArn } : {}),
        // No `stack` or `environment` tag: the main program's deploy roles are scoped by those.
        tags: Object.freeze({ project: PROJECT, "managed-by": "pulumi" }),
    });
}

export { ConfigError };
