// What a Docker build sends and what docker-build hashes: the context after .dockerignore, walked
// and hashed the way @pulumi/docker-build v0.0.22 does (provider/internal/context.go), so an image
// tag derived from it changes exactly when docker-build would rebuild.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface IgnoreRule {
    readonly pattern: string;
    readonly negate: boolean;
    readonly regex: RegExp;
}

const GLOB = new Map([
    ["**/", "(?:.*/)?"],
    ["**", ".*"],
    ["*", "[^/]*"],
    ["?", "[^/]"],
]);

/** Docker's patterns as this repository uses them: `*`, `?`, `**`, `!` exceptions, in order, last match wins. */
export function parseDockerignore(text: string): IgnoreRule[] {
    return text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => {
            const negate = line.startsWith("!");
            const pattern = path.posix
                .normalize(line.slice(negate ? 1 : 0).trim())
                .replace(/^\/+/, "")
                .replace(/\/+$/, "");
            if (!/^[A-Za-z0-9._\-/*?]+$/.test(pattern))
                throw new Error(`.dockerignore pattern not supported by this matcher: ${line}`);
            const source = pattern
                .split(/(\*\*\/?|\*|\?)/)
                .map((part) => GLOB.get(part) ?? part.replace(/\./g, "\\."))
                .join("");
            return { pattern, negate, regex: new RegExp(`^${source}$`) };
        });
}

/** Whether a context path (file or directory) is sent: a pattern that matches a parent directory matches its contents. */
export function admitted(rules: readonly IgnoreRule[], file: string): boolean {
    const parts = path.posix.normalize(file).split("/");
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
        if (candidates.some((candidate) => rule.regex.test(candidate))) excluded = !rule.negate;
    }
    return !excluded;
}

/** Whether an exception could admit something below an excluded directory (else the walk skips it). */
function exceptionBelow(rules: readonly IgnoreRule[], directory: string): boolean {
    const dirParts = directory.split("/");
    return rules
        .filter((rule) => rule.negate)
        .some((rule) => {
            const parts = rule.pattern.split("/");
            for (let i = 0; i < Math.min(parts.length, dirParts.length); i++) {
                if (parts[i] === "**") return true;
                if (!parseDockerignore(parts[i])[0].regex.test(dirParts[i])) return false;
            }
            return true;
        });
}

/** docker-build prefers `<Dockerfile>.dockerignore`, then the context's `.dockerignore`. */
export function ignoreFileFor(contextDir: string, dockerfile: string): string | undefined {
    return [`${dockerfile}.dockerignore`, path.join(contextDir, ".dockerignore")].find((file) => fs.existsSync(file));
}

/** The files sent as the build context, relative to it, in the walk's (lexical, depth-first) order. */
export function contextFiles(contextDir: string, rules: readonly IgnoreRule[]): string[] {
    const walk = (relative: string): string[] =>
        fs
            .readdirSync(path.join(contextDir, relative))
            .sort()
            .flatMap((entry) => {
                const child = relative === "" ? entry : `${relative}/${entry}`;
                const stat = fs.lstatSync(path.join(contextDir, child));
                const sent = admitted(rules, child);
                if (stat.isDirectory()) return sent || exceptionBelow(rules, child) ? walk(child) : [];
                return sent && stat.isFile() ? [child] : [];
            });
    return walk("");
}

/** Go's os.FileMode.String() for a regular file: "-rw-r--r--" (setuid, setgid and sticky as u, g, t). */
export function goFileMode(mode: number): string {
    const special = `${mode & 0o4000 ? "u" : ""}${mode & 0o2000 ? "g" : ""}${mode & 0o1000 ? "t" : ""}`;
    const bits = "rwxrwxrwx"
        .split("")
        .map((letter, i) => (mode & (1 << (8 - i)) ? letter : "-"))
        .join("");
    return `${special || "-"}${bits}`;
}

/**
 * docker-build's context hash: the Dockerfile's content, then each sent file's content, path and
 * mode. The ignore file's own text is added too, so any change to what is sent gives a new value.
 */
export function contextDigest(contextDir: string, dockerfile: string): string {
    const hash = crypto.createHash("sha256");
    hash.update(fs.readFileSync(dockerfile));
    const ignoreFile = ignoreFileFor(contextDir, dockerfile);
    const rules = ignoreFile ? parseDockerignore(fs.readFileSync(ignoreFile, "utf8")) : [];
    for (const file of contextFiles(contextDir, rules)) {
        const full = path.join(contextDir, file);
        hash.update(fs.readFileSync(full))
            .update(file)
            .update(goFileMode(fs.statSync(full).mode));
    }
    if (ignoreFile) hash.update(fs.readFileSync(ignoreFile));
    return hash.digest("hex");
}
