// Shared by the bootstrap's tests: its project directory, one evaluation of its stack with a real
// repository set (the committed file holds the refused placeholder), and finders over the records.
import * as assert from "node:assert/strict";
import * as path from "path";
import type { PolicyDocument } from "../components/iam";
import { JOB_KINDS, JOBS, type JobKind } from "../bootstrap/components/github";
import { ROOT, type RunOptions, type StackRun } from "../testing/engine";
import { evaluate } from "./helpers";

export const BOOTSTRAP_DIR = path.join(ROOT, "bootstrap");
export const BOOTSTRAP_STACK = "bootstrap";
export const REPOSITORY = "acme-platform/scalable-backend";
export const CONFIG_PREFIX = "scalable-backend-bootstrap:";
export const WITH_REPOSITORY = { [`${CONFIG_PREFIX}githubRepository`]: REPOSITORY };

/** The bootstrap stack under the mock engine, its own project directory. */
export function evaluateBootstrap(options: RunOptions = {}): Promise<StackRun> {
    return evaluate(BOOTSTRAP_STACK, {
        ...options,
        projectDir: BOOTSTRAP_DIR,
        config: { ...WITH_REPOSITORY, ...options.config },
    });
}

let shared: Promise<StackRun> | undefined;
/** The committed stack file with the repository set, evaluated once and shared. */
export function bootstrapRun(): Promise<StackRun> {
    shared ??= evaluateBootstrap();
    return shared;
}

/** The one role of a job kind, by its fixed name. */
export function roleOf(run: StackRun, kind: JobKind) {
    const roles = run.resources.filter((r) => r.type === "aws:iam/role:Role" && r.inputs.name === JOBS[kind].roleName);
    assert.equal(roles.length, 1, `one role ${JOBS[kind].roleName}`);
    return roles[0];
}

/** Every managed policy attached to a job kind's role, parsed, by the policy's resource name. */
export function policiesOf(run: StackRun, kind: JobKind): Record<string, PolicyDocument> {
    const role = roleOf(run, kind);
    const attachments = run.resources.filter(
        (r) => r.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" && r.inputs.role === role.outputs.name,
    );
    const policies: Record<string, PolicyDocument> = {};
    for (const attachment of attachments) {
        const policy = run.resources.find(
            (r) => r.type === "aws:iam/policy:Policy" && r.outputs.arn === attachment.inputs.policyArn,
        );
        assert.ok(policy, `the policy ${attachment.inputs.policyArn} attached to ${role.inputs.name}`);
        policies[policy.name] = JSON.parse(policy.inputs.policy) as PolicyDocument;
    }
    return policies;
}

export function trustOf(run: StackRun, kind: JobKind): PolicyDocument {
    return JSON.parse(roleOf(run, kind).inputs.assumeRolePolicy) as PolicyDocument;
}

export const jobKinds = (): readonly JobKind[] => JOB_KINDS;
