// What changed between two offline plans (out/<stack>/plan.json), resource by resource, as
// `pulumi preview` says it: created, updated (each changed input path, old -> new), deleted,
// unchanged. Pure: plans in, changes out. Resources are matched by URN, as the engine matches them.

/** One resource as plan.json lists it (tools/plan.ts `planEntry`). */
export interface PlanEntry {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    readonly protect?: boolean;
    readonly dependsOn?: readonly string[];
    readonly inputs: Record<string, unknown>;
}

export interface Plan {
    readonly stack: string;
    readonly resourceCount?: number;
    readonly resources: readonly PlanEntry[];
}

/** One changed leaf: `spec.maxReplicas`, old and new value (undefined: absent on that side). */
export interface PathChange {
    readonly path: string;
    readonly before: unknown;
    readonly after: unknown;
}

export interface Update {
    readonly before: PlanEntry;
    readonly after: PlanEntry;
    readonly changes: readonly PathChange[];
}

export interface StackChanges {
    readonly create: readonly PlanEntry[];
    readonly update: readonly Update[];
    readonly delete: readonly PlanEntry[];
    readonly unchanged: number;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
    value !== null && typeof value === "object" && !Array.isArray(value);

/** `a.b`, `a["app.kubernetes.io/name"]`, `a[0]`: a path a reader can paste into a lookup. */
function child(path: string, key: string | number): string {
    if (typeof key === "number") return `${path}[${key}]`;
    // "(protect)" and "(dependsOn)" are the options beside the inputs: bare, as no input is so named.
    if (/^[A-Za-z_$][\w$-]*$/.test(key) || /^\(\w+\)$/.test(key)) return path === "" ? key : `${path}.${key}`;
    return `${path}[${JSON.stringify(key)}]`;
}

/** Every leaf of a value by path; an empty object or list is a leaf of its own. */
export function leaves(value: unknown, path = "", into = new Map<string, unknown>()): Map<string, unknown> {
    if (Array.isArray(value) && value.length > 0) value.forEach((item, i) => leaves(item, child(path, i), into));
    else if (isObject(value) && Object.keys(value).length > 0)
        for (const key of Object.keys(value).sort()) leaves(value[key], child(path, key), into);
    else into.set(path, value);
    return into;
}

/** The resource as compared: its inputs, and the options a reviewer cares about, as `(protect)`, `(dependsOn)`. */
function comparable(entry: PlanEntry): Record<string, unknown> {
    return { ...entry.inputs, "(protect)": entry.protect ?? false, "(dependsOn)": entry.dependsOn ?? [] };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export function pathChanges(before: PlanEntry, after: PlanEntry): PathChange[] {
    const old = leaves(comparable(before));
    const now = leaves(comparable(after));
    const paths = [...new Set([...old.keys(), ...now.keys()])].sort();
    return paths
        .filter((p) => !same(old.get(p), now.get(p)))
        .map((p) => ({ path: p, before: old.get(p), after: now.get(p) }));
}

/** The changes from `base` to `pr`; a missing base plan makes every resource a create. */
export function compare(base: Plan | undefined, pr: Plan): StackChanges {
    const before = new Map((base?.resources ?? []).map((r) => [r.urn, r]));
    const after = new Map(pr.resources.map((r) => [r.urn, r]));
    const byTypeName = (a: PlanEntry, b: PlanEntry) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name);
    const update: Update[] = [];
    let unchanged = 0;
    for (const [urn, now] of after) {
        const old = before.get(urn);
        if (!old) continue;
        const changes = pathChanges(old, now);
        if (changes.length === 0) unchanged++;
        else update.push({ before: old, after: now, changes });
    }
    return {
        create: [...after.values()].filter((r) => !before.has(r.urn)).sort(byTypeName),
        update: update.sort((a, b) => byTypeName(a.after, b.after)),
        delete: [...before.values()].filter((r) => !after.has(r.urn)).sort(byTypeName),
        unchanged,
    };
}

export const MAX_VALUE = 60;

/** A value as one short line: strings quoted, `[secret]` as is, long values cut with "...". */
export function renderValue(value: unknown): string {
    if (value === undefined) return "(none)";
    if (value === "[secret]") return "[secret]";
    const text = JSON.stringify(value);
    return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 3)}...` : text;
}

/** "+ 1 to create, ~ 2 to update, - 0 to delete, 74 unchanged" */
export function summaryLine(changes: StackChanges): string {
    return `+ ${changes.create.length} to create, ~ ${changes.update.length} to update, - ${changes.delete.length} to delete, ${changes.unchanged} unchanged`;
}

export const MAX_PATHS = 20;

/** One line per changed resource, each changed path indented under it. */
export function changeLines(changes: StackChanges): string[] {
    const lines: string[] = [];
    for (const r of changes.create) lines.push(`+ ${r.type} ${r.name}`);
    for (const u of changes.update) {
        lines.push(`~ ${u.after.type} ${u.after.name}`);
        for (const c of u.changes.slice(0, MAX_PATHS))
            lines.push(`    ${c.path}: ${renderValue(c.before)} -> ${renderValue(c.after)}`);
        if (u.changes.length > MAX_PATHS) lines.push(`    ... and ${u.changes.length - MAX_PATHS} more path(s)`);
    }
    for (const r of changes.delete) lines.push(`- ${r.type} ${r.name}`);
    return lines;
}
