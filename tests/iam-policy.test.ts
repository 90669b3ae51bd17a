// The small IAM evaluator the bootstrap's tests reason with (testing/iam-policy.ts): what it
// decides, and that it refuses what it does not model.
import * as assert from "node:assert/strict";
import type { PolicyDocument } from "../components/iam";
import { boundaryGaps, decide, globMatch, patternCovers, patternsOverlap } from "../testing/iam-policy";

const doc = (...Statement: PolicyDocument["Statement"]): PolicyDocument => ({ Version: "2012-10-17", Statement });

describe("iam-policy: a small evaluator for the bootstrap's tests", () => {
    it("matches wildcards, actions case-insensitively and ARNs as written", () => {
        assert.ok(globMatch("ec2:Describe*", "ec2:describeVpcs", true));
        assert.ok(!globMatch("ec2:Describe*", "ec2:CreateVpc", true));
        assert.ok(globMatch("arn:aws:s3:::b/.pulumi/stacks/p/dev.*", "arn:aws:s3:::b/.pulumi/stacks/p/dev.json.bak"));
        assert.ok(!globMatch("arn:aws:s3:::b/.pulumi/stacks/p/dev.*", "arn:aws:s3:::b/.pulumi/stacks/p/dev2.json"));
        assert.ok(!globMatch("arn:aws:s3:::B/*", "arn:aws:s3:::b/x"));
        assert.ok(globMatch("a?c", "abc") && !globMatch("a?c", "abbc"));
    });

    it("tells a pattern that covers another from one that only overlaps it", () => {
        assert.ok(patternCovers("ec2:*", "ec2:Describe*"));
        assert.ok(!patternCovers("ec2:Describe*", "ec2:*"));
        assert.ok(patternsOverlap("ec2:Describe*", "ec2:*"));
        assert.ok(patternsOverlap("ec2:Get*", "ec2:*Vpc"), "ec2:GetVpc matches both");
        assert.ok(!patternsOverlap("policy/scalable-backend-boundary", "policy/scalable-backend-eph/*"));
    });

    it("decides: an explicit Deny beats an Allow, no Allow is an implicit deny", () => {
        const policy = doc(
            { Effect: "Allow", Action: "s3:*", Resource: "*" },
            { Effect: "Deny", Action: "s3:DeleteBucket", Resource: "*" },
        );
        assert.equal(decide([policy], { action: "s3:GetObject", resource: "arn:aws:s3:::b/k" }), "Allow");
        assert.equal(decide([policy], { action: "s3:DeleteBucket", resource: "arn:aws:s3:::b" }), "ExplicitDeny");
        assert.equal(decide([policy], { action: "ec2:DescribeVpcs", resource: "*" }), "ImplicitDeny");
    });

    it("evaluates conditions as IAM does when a key is absent: positive operators fail, negated ones hold", () => {
        const policy = doc(
            {
                Effect: "Allow",
                Action: "iam:CreateRole",
                Resource: "*",
                Condition: { StringEquals: { "iam:PermissionsBoundary": "arn:b" } },
            },
            {
                Effect: "Deny",
                Action: "iam:CreateRole",
                Resource: "*",
                Condition: { StringNotEquals: { "iam:PermissionsBoundary": "arn:b" } },
            },
        );
        const create = (context?: Record<string, string>) =>
            decide([policy], { action: "iam:CreateRole", resource: "arn:r", context });
        assert.equal(create({ "iam:PermissionsBoundary": "arn:b" }), "Allow");
        assert.equal(create({ "iam:PermissionsBoundary": "arn:other" }), "ExplicitDeny");
        assert.equal(create(), "ExplicitDeny");
        const nulls = doc({ Effect: "Allow", Action: "x:Y", Resource: "*", Condition: { Null: { "k:a": "true" } } });
        assert.equal(decide([nulls], { action: "x:Y", resource: "r" }), "Allow");
        assert.equal(decide([nulls], { action: "x:Y", resource: "r", context: { "k:a": "1" } }), "ImplicitDeny");
        const arns = doc({
            Effect: "Allow",
            Action: "kms:PutKeyPolicy",
            Resource: "*",
            Condition: { ArnNotLike: { "aws:PrincipalArn": "arn:aws:iam::1:role/eph/*" } },
        });
        const put = (principal: string) =>
            decide([arns], { action: "kms:PutKeyPolicy", resource: "k", context: { "aws:PrincipalArn": principal } });
        assert.equal(put("arn:aws:iam::1:role/admin"), "Allow");
        assert.equal(put("arn:aws:iam::1:role/eph/x"), "ImplicitDeny");
    });

    it("refuses what it does not model", () => {
        const notAction = doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" } as never);
        assert.throws(() => decide([notAction], { action: "s3:GetObject", resource: "*" }), /NotAction/);
        const ifExists = doc({
            Effect: "Allow",
            Action: "s3:GetObject",
            Resource: "*",
            Condition: { StringEqualsIfExists: { "s3:x": "y" } },
        });
        assert.throws(() => decide([ifExists], { action: "s3:GetObject", resource: "*" }), /not modelled/);
    });

    it("finds the grants a boundary leaves out, and those an unconditional Deny takes back", () => {
        const boundary = doc(
            { Sid: "Ec2", Effect: "Allow", Action: "ec2:*", Resource: "*" },
            {
                Sid: "Slr",
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: "*",
                Condition: { StringEquals: { "iam:AWSServiceName": ["a.amazonaws.com", "b.amazonaws.com"] } },
            },
            { Sid: "NoVpcDelete", Effect: "Deny", Action: "ec2:DeleteVpc", Resource: "*" },
        );
        const policy = doc(
            { Effect: "Allow", Action: ["ec2:Describe*", "s3:GetObject"], Resource: "*" },
            {
                Effect: "Allow",
                Action: "iam:CreateServiceLinkedRole",
                Resource: "*",
                Condition: { StringEquals: { "iam:AWSServiceName": "a.amazonaws.com" } },
            },
            { Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*" },
            { Effect: "Allow", Action: "ec2:Delete*", Resource: "*" },
        );
        assert.deepEqual(boundaryGaps(boundary, policy), [
            { action: "s3:GetObject", resource: "*", reason: "no Allow of the boundary covers it" },
            { action: "iam:CreateServiceLinkedRole", resource: "*", reason: "no Allow of the boundary covers it" },
            { action: "ec2:Delete*", resource: "*", reason: "denied outright by NoVpcDelete" },
        ]);
    });
});
