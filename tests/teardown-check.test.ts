// The teardown check: what it asks AWS, how it reads the answers, when it waits, and its exit codes;
// the real CLI path against a fake `aws` executable.
import * as assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ROOT } from "../testing/engine";
import {
    Aws,
    awsCli,
    controllerLeftovers,
    describeLeftovers,
    parseArgs,
    regionOf,
    run,
    UsageError,
    volumeLeftovers,
} from "../tools/teardown-check";

const FAKE_AWS_BIN = path.join(__dirname, "fixtures", "fake-aws", "bin");

const volume = (id: string, state: string, claim?: string) => ({
    VolumeId: id,
    Size: 50,
    State: state,
    Tags: [
        { Key: "scalable-backend/cluster", Value: "scalable-backend-prod" },
        ...(claim
            ? [
                  { Key: "kubernetes.io/created-for/pvc/namespace", Value: "monitoring" },
                  { Key: "kubernetes.io/created-for/pvc/name", Value: claim },
              ]
            : []),
    ],
});
const NLB_ARN =
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/k8s-backend-backend-0a1b2c3d4e/f00";
const TG_ARN = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/k8s-backend-backend-0a1b2c3d4e/f01";
const SG_ARN = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0123456789abcdef0";
const describeVolumes = (...volumes: object[]) => JSON.stringify({ Volumes: volumes });
const getResources = (...arns: string[]) =>
    JSON.stringify({
        ResourceTagMappingList: arns.map((arn) => ({
            ResourceARN: arn,
            Tags: [
                { Key: "elbv2.k8s.aws/cluster", Value: "scalable-backend-prod" },
                { Key: "service.k8s.aws/stack", Value: "backend/backend" },
            ],
        })),
    });

/** An `aws` that answers each call from a queue per command, and records the calls. */
function scriptedAws(answers: Record<string, string[]>): { aws: Aws; calls: string[][] } {
    const calls: string[][] = [];
    const aws: Aws = async (args) => {
        calls.push([...args]);
        const queue = answers[`${args[0]} ${args[1]}`];
        return queue.length > 1 ? (queue.shift() as string) : queue[0];
    };
    return { aws, calls };
}

function context(aws: Aws) {
    const out: string[] = [];
    let slept = 0;
    return {
        out,
        sleptMs: () => slept,
        context: {
            aws,
            out: (text: string) => out.push(text),
            sleep: async (ms: number) => {
                slept += ms;
            },
            root: ROOT,
        },
    };
}

describe("teardown check: arguments and region", () => {
    it("takes one stack, an optional region and an optional wait in whole minutes", () => {
        assert.deepEqual(parseArgs(["prod"]), { stack: "prod", region: undefined, waitMinutes: 0 });
        assert.deepEqual(parseArgs(["eph-x", "--region", "us-east-1", "--wait", "10"]), {
            stack: "eph-x",
            region: "us-east-1",
            waitMinutes: 10,
        });
        for (const bad of [
            [],
            ["dev", "prod"],
            ["dev", "--wait"],
            ["dev", "--wait", "5m"],
            ["dev", "--wait", "61"],
            ["dev", "--force"],
        ])
            assert.throws(() => parseArgs(bad), UsageError, bad.join(" "));
    });

    it("reads the region from the stack file, dev's for ephemeral stacks, and asks for --region without one", () => {
        assert.equal(regionOf(ROOT, "prod"), "eu-west-1");
        assert.equal(regionOf(ROOT, "dev"), regionOf(ROOT, "eph-feature-x"));
        assert.throws(
            () => regionOf(ROOT, "staging"),
            /No Pulumi\.staging\.yaml to read stack "staging"'s region from: pass --region\./,
        );
    });
});

describe("teardown check: reading AWS's answers", () => {
    it("lists every volume not yet deleted, with its claim, and keeps deleting ones (they still bill)", () => {
        assert.deepEqual(
            volumeLeftovers(
                describeVolumes(
                    volume("vol-1", "available", "prometheus-db-prometheus-0"),
                    volume("vol-2", "deleting"),
                    volume("vol-3", "deleted"),
                ),
            ),
            [
                {
                    kind: "EBS volume",
                    id: "vol-1",
                    detail: "50 GiB, available, claim monitoring/prometheus-db-prometheus-0",
                },
                { kind: "EBS volume", id: "vol-2", detail: "50 GiB, deleting" },
            ],
        );
        assert.deepEqual(volumeLeftovers("{}"), []);
    });

    it("names the controller's load balancers, target groups and security groups and their Service", () => {
        assert.deepEqual(
            controllerLeftovers(getResources(NLB_ARN, TG_ARN, SG_ARN)).map((l) => `${l.kind} ${l.detail}`),
            [
                "load balancer for Service backend/backend",
                "target group for Service backend/backend",
                "security group for Service backend/backend",
            ],
        );
        assert.deepEqual(controllerLeftovers(JSON.stringify({ ResourceTagMappingList: [] })), []);
    });

    it("says plainly when nothing is left", () => {
        assert.equal(describeLeftovers("c", "eu-west-1", []), "Nothing left in eu-west-1 for cluster c.");
    });
});

describe("teardown check: run", () => {
    it("asks for the cluster's tagged volumes and the controller's resources in the stack's region", async () => {
        const { aws, calls } = scriptedAws({
            "ec2 describe-volumes": [describeVolumes()],
            "resourcegroupstaggingapi get-resources": [getResources()],
        });
        const { out, context: ctx } = context(aws);
        assert.equal(await run(["prod"], ctx), 0);
        assert.deepEqual(calls, [
            [
                "ec2",
                "describe-volumes",
                "--region",
                "eu-west-1",
                "--filters",
                "Name=tag:scalable-backend/cluster,Values=scalable-backend-prod",
                "--output",
                "json",
            ],
            [
                "resourcegroupstaggingapi",
                "get-resources",
                "--region",
                "eu-west-1",
                "--tag-filters",
                "Key=elbv2.k8s.aws/cluster,Values=scalable-backend-prod",
                "--output",
                "json",
            ],
        ]);
        assert.deepEqual(out, ["Nothing left in eu-west-1 for cluster scalable-backend-prod."]);
    });

    it("exits 1 with every leftover listed", async () => {
        const { aws } = scriptedAws({
            "ec2 describe-volumes": [describeVolumes(volume("vol-1", "available", "alertmanager-db-alertmanager-0"))],
            "resourcegroupstaggingapi get-resources": [getResources(NLB_ARN)],
        });
        const { out, context: ctx } = context(aws);
        assert.equal(await run(["prod"], ctx), 1);
        assert.deepEqual(out, [
            [
                "2 resource(s) left in eu-west-1 for cluster scalable-backend-prod, billed until deleted:",
                "  EBS volume vol-1 (50 GiB, available, claim monitoring/alertmanager-db-alertmanager-0)",
                `  load balancer ${NLB_ARN} (for Service backend/backend)`,
                "Volumes in state deleting go by themselves: run again with --wait 10. Anything else: delete it",
                "(aws ec2 delete-volume --volume-id ..., aws elbv2 delete-load-balancer --load-balancer-arn ...).",
                "The resource tagging API can list a just-deleted load balancer for a few minutes.",
            ].join("\n"),
        ]);
    });

    it("with --wait, polls every 15 s until the volumes are gone, then exits 0", async () => {
        const { aws, calls } = scriptedAws({
            "ec2 describe-volumes": [
                describeVolumes(volume("vol-1", "deleting")),
                describeVolumes(volume("vol-1", "deleting")),
                describeVolumes(),
            ],
            "resourcegroupstaggingapi get-resources": [getResources()],
        });
        const { out, sleptMs, context: ctx } = context(aws);
        assert.equal(await run(["dev", "--wait", "10"], ctx), 0);
        assert.equal(calls.length, 6);
        assert.equal(sleptMs(), 30_000);
        assert.deepEqual(out.slice(0, 2), ["1 left; checking again in 15 s.", "1 left; checking again in 15 s."]);
    });

    it("with --wait, gives up after the wait and exits 1", async () => {
        const { aws } = scriptedAws({
            "ec2 describe-volumes": [describeVolumes(volume("vol-1", "available"))],
            "resourcegroupstaggingapi get-resources": [getResources()],
        });
        const { sleptMs, context: ctx } = context(aws);
        assert.equal(await run(["dev", "--wait", "1"], ctx), 1);
        assert.equal(sleptMs(), 60_000);
    });

    it("exits 2 on bad arguments, and on an AWS CLI failure, saying which", async () => {
        const { aws } = scriptedAws({});
        const bad = context(aws);
        assert.equal(await run(["staging"], bad.context), 2);
        assert.match(bad.out[0], /pass --region/);
        const failing = context(async () => {
            throw new Error("aws ec2 describe-volumes: Unable to locate credentials.");
        });
        assert.equal(await run(["dev"], failing.context), 2);
        assert.deepEqual(failing.out, ["The AWS CLI failed: aws ec2 describe-volumes: Unable to locate credentials."]);
    });
});

describe("teardown check: the real `aws` executable", () => {
    let state: string;
    const savedPath = process.env.PATH;
    beforeEach(() => {
        state = fs.mkdtempSync(path.join(os.tmpdir(), "fake-aws-"));
        process.env.FAKE_AWS_STATE = state;
    });
    afterEach(() => {
        process.env.PATH = savedPath;
        delete process.env.FAKE_AWS_STATE;
        fs.rmSync(state, { recursive: true, force: true });
    });

    it("runs `aws` from PATH with the arguments and returns what it prints", async () => {
        process.env.PATH = `${FAKE_AWS_BIN}${path.delimiter}${savedPath}`;
        fs.writeFileSync(path.join(state, "ec2.describe-volumes.json"), describeVolumes(volume("vol-9", "available")));
        assert.equal(
            await awsCli(["ec2", "describe-volumes", "--region", "eu-west-1"]),
            describeVolumes(volume("vol-9", "available")),
        );
        assert.equal(
            fs.readFileSync(path.join(state, "calls"), "utf8"),
            "ec2\x1fdescribe-volumes\x1f--region\x1feu-west-1\n",
        );
    });

    it("reports the CLI's own error, and a missing CLI with how to install it", async () => {
        process.env.PATH = `${FAKE_AWS_BIN}${path.delimiter}${savedPath}`;
        fs.writeFileSync(
            path.join(state, "ec2.describe-volumes.err"),
            '\nUnable to locate credentials. You can configure credentials by running "aws configure".\n',
        );
        await assert.rejects(awsCli(["ec2", "describe-volumes"]), {
            message:
                'aws ec2 describe-volumes: Unable to locate credentials. You can configure credentials by running "aws configure".',
        });
        process.env.PATH = state;
        await assert.rejects(awsCli(["ec2", "describe-volumes"]), {
            message: "`aws` was not found on PATH: install the AWS CLI v2 and log in.",
        });
    });
});
