// The app's own lockfile, projected from the root one: the image builds from app/ alone (its own
// context), so a dev dependency of the root project never changes what the image is built from.
//   npm run lock:app        rewrite app/package-lock.json after a root `npm install`
// tests/image.test.ts fails while the committed file differs from this projection.
import * as fs from "fs";
import * as path from "path";

type Entry = Record<string, any>;
export interface Lockfile {
    name: string;
    version: string;
    lockfileVersion: number;
    requires?: boolean;
    packages: Record<string, Entry>;
}

export const APP_DIR = "app";
const FLAGS = ["dev", "optional", "devOptional", "peer"];

/** Where Node finds `dependency` for the package at lock path `from`: its own node_modules, then each parent's. */
function resolve(packages: Record<string, Entry>, from: string, dependency: string): string | undefined {
    let base = from;
    for (;;) {
        const candidate = base === "" ? `node_modules/${dependency}` : `${base}/node_modules/${dependency}`;
        if (packages[candidate] !== undefined) return candidate;
        if (base === "") return undefined;
        const at = base.lastIndexOf("/node_modules/");
        base = at >= 0 ? base.slice(0, at) : "";
    }
}

/** Dependency edges of one entry: name -> whether the edge is optional. */
function edges(entry: Entry, withDev: boolean): [string, boolean][] {
    const optionalPeers = new Set(
        Object.entries(entry.peerDependenciesMeta ?? {})
            .filter(([, m]) => (m as Entry).optional)
            .map(([n]) => n),
    );
    return [
        ...Object.keys(entry.dependencies ?? {}).map((n): [string, boolean] => [n, false]),
        ...Object.keys(entry.optionalDependencies ?? {}).map((n): [string, boolean] => [n, true]),
        ...Object.keys(entry.peerDependencies ?? {})
            .filter((n) => !optionalPeers.has(n))
            .map((n): [string, boolean] => [n, false]),
        ...(withDev ? Object.keys(entry.devDependencies ?? {}).map((n): [string, boolean] => [n, false]) : []),
    ];
}

/** Lock paths reachable from the app workspace; `requiredOnly` skips optional edges. */
function closure(packages: Record<string, Entry>, withDev: boolean, requiredOnly: boolean): Set<string> {
    const seen = new Set<string>();
    const queue: [string, boolean][] = [[APP_DIR, withDev]];
    while (queue.length > 0) {
        const [at, dev] = queue.shift()!;
        for (const [name, optional] of edges(packages[at], dev)) {
            if (requiredOnly && optional) continue;
            const target = resolve(packages, at, name);
            if (target === undefined) {
                if (optional) continue;
                throw new Error(`app lockfile: ${at} needs ${name}, which the root lockfile does not hold`);
            }
            if (!seen.has(target)) {
                seen.add(target);
                queue.push([target, false]);
            }
        }
    }
    return seen;
}

/** The standalone lockfile npm would write for app/package.json, with the root lockfile's exact versions. */
export function appLockfile(root: Lockfile): Lockfile {
    const packages = root.packages;
    const app = packages[APP_DIR];
    if (app === undefined) throw new Error(`app lockfile: the root lockfile has no "${APP_DIR}" workspace`);
    const all = closure(packages, true, false);
    const prod = closure(packages, false, false);
    const required = closure(packages, false, true);
    const out: Record<string, Entry> = { "": { ...app } };
    const relocated = (lockPath: string): string =>
        lockPath.startsWith(`${APP_DIR}/`) ? lockPath.slice(APP_DIR.length + 1) : lockPath;
    for (const lockPath of [...all].sort()) {
        const target = relocated(lockPath);
        if (out[target] !== undefined)
            throw new Error(`app lockfile: ${lockPath} and another package both land at ${target}`);
        const entry: Entry = {};
        for (const [key, value] of Object.entries(packages[lockPath])) {
            if (FLAGS.includes(key)) continue;
            entry[key] = value;
            if (key === "integrity" || (key === "version" && packages[lockPath].integrity === undefined)) {
                if (!prod.has(lockPath)) entry.dev = true;
                else if (!required.has(lockPath)) entry.optional = true;
            }
        }
        out[target] = entry;
    }
    const sorted = Object.fromEntries(
        Object.keys(out)
            .sort()
            .map((k) => [k, out[k]]),
    );
    return {
        name: app.name,
        version: app.version,
        lockfileVersion: root.lockfileVersion,
        requires: true,
        packages: sorted,
    };
}

export function appLockfileText(repositoryRoot: string): string {
    const root = JSON.parse(fs.readFileSync(path.join(repositoryRoot, "package-lock.json"), "utf8")) as Lockfile;
    return `${JSON.stringify(appLockfile(root), null, 2)}\n`;
}

if (require.main === module) {
    const repositoryRoot = path.resolve(__dirname, "..");
    fs.writeFileSync(path.join(repositoryRoot, APP_DIR, "package-lock.json"), appLockfileText(repositoryRoot));
    console.log(`wrote ${APP_DIR}/package-lock.json`);
}
