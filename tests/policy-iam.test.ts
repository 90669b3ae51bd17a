// IAM rules of the policy pack: no Action "*", no untagged writes on Resource "*" (with the
// upstream controller's statements allow-listed on purpose), IRSA trust scoped to one service account.
import * as assert from "node:assert/strict";
import { clusterAutoscalerPolicy, irsaTrustPolicy, serviceTrustPolicy } from "../components/iam";
import { loadBalancerControllerPolicy } from "../components/platform";
import {
    ALLOWED_WILDCARD_WRITES,
    iamNoWildcardAction,
    iamNoWildcardResourceWrites,
    irsaTrustScoped,
    isReadOnlyAction,
    isTagScoped,
    parsePolicyDocument,
    Statement,
    untaggedWildcardWrites,
} from "../policy/rules";
import { checkResource } from "../testing/policy";

const POLICY = "aws:iam/policy:Policy";
const ROLE = "aws:iam/role:Role";
const doc = (...Statement: Statement[]) => JSON.stringify({ Version: "2012-10-17", Statement });

const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE";
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`;
const SA = { namespace: "kube-system", name: "aws-load-balancer-controller" };

/** V8 words JSON errors differently across the Node versions the project supports. */
const jsonError = (text: string): string => {
    try {
        JSON.parse(text);
    } catch (error) {
        return (error as Error).message;
    }
    throw new Error(`${text} is valid JSON`);
};

describe("policy: IAM rules", () => {
    describe("parsePolicyDocument", () => {
        it("reads JSON text and objects, a single statement as a list", () => {
            assert.deepEqual(parsePolicyDocument(doc({ Effect: "Allow", Action: "s3:GetObject", Resource: "*" })), {
                statements: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
            });
            assert.deepEqual(parsePolicyDocument({ Statement: { Effect: "Deny", Action: "*" } }), {
                statements: [{ Effect: "Deny", Action: "*" }],
            });
        });

        it("reports text that is not JSON and documents without statements", () => {
            assert.deepEqual(parsePolicyDocument("{"), { error: `is not valid JSON (${jsonError("{")})` });
            assert.deepEqual(parsePolicyDocument("{}"), { error: "has no Statement" });
            assert.deepEqual(parsePolicyDocument(null), { error: "has no Statement" });
        });
    });

    describe("iam-no-wildcard-action", () => {
        it("passes the program's policies and trust policies, and a Deny of everything", async () => {
            assert.deepEqual(
                await checkResource(iamNoWildcardAction, {
                    type: POLICY,
                    props: { policy: JSON.stringify(clusterAutoscalerPolicy("c")) },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(iamNoWildcardAction, {
                    type: POLICY,
                    props: { policy: JSON.stringify(loadBalancerControllerPolicy()) },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(iamNoWildcardAction, {
                    type: ROLE,
                    props: { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")) },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(iamNoWildcardAction, {
                    type: POLICY,
                    props: { policy: doc({ Effect: "Deny", Action: "*", Resource: "*" }) },
                }),
                [],
            );
        });

        it('fails Action "*" in a policy, an inline role policy and a trust policy', async () => {
            assert.deepEqual(
                await checkResource(iamNoWildcardAction, {
                    type: POLICY,
                    props: {
                        policy: doc({ Sid: "Admin", Effect: "Allow", Action: ["s3:GetObject", "*"], Resource: "*" }),
                    },
                }),
                ['the policy, statement 1 (Admin) allows Action "*": list the actions the principal needs.'],
            );
            const role = {
                assumeRolePolicy: doc({ Effect: "Allow", Principal: { AWS: "*" }, Action: "*" }),
                inlinePolicies: [{ name: "ops", policy: doc({ Effect: "Allow", Action: "*:*", Resource: "*" }) }],
            };
            assert.deepEqual(await checkResource(iamNoWildcardAction, { type: ROLE, props: role }), [
                'inline policy ops, statement 1 allows Action "*": list the actions the principal needs.',
                'the trust policy, statement 1 allows Action "*": list the actions the principal needs.',
            ]);
        });

        it("fails Allow with NotAction, and a document it cannot read", async () => {
            assert.deepEqual(
                await checkResource(iamNoWildcardAction, {
                    type: "aws:iam/rolePolicy:RolePolicy",
                    props: { policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "*" }) },
                }),
                [
                    "the policy, statement 1 allows every action except its NotAction list: list the allowed actions with Action instead.",
                ],
            );
            assert.deepEqual(
                await checkResource(iamNoWildcardAction, {
                    type: "aws:iam/userPolicy:UserPolicy",
                    props: { policy: "not json" },
                }),
                [
                    `the policy is not valid JSON (${jsonError("not json")}): fix the document so IAM (and this check) can read it.`,
                ],
            );
        });
    });

    describe("isReadOnlyAction and isTagScoped", () => {
        it("counts Describe/Get/List-style actions as reads and everything else, wildcards included, as writes", () => {
            assert.deepEqual(
                [
                    "ec2:DescribeSubnets",
                    "ec2:Describe*",
                    "acm:ListCertificates",
                    "ecr:BatchGetImage",
                    "iam:GetRole",
                    "ec2:CreateTags",
                    "s3:*",
                    "*",
                    "ec2:*Tags",
                ].map(isReadOnlyAction),
                [true, true, true, true, true, false, false, false, false],
            );
        });

        it("accepts tag equality and tag presence, not IfExists nor tag absence nor other keys", () => {
            assert.equal(
                isTagScoped({ StringEquals: { "aws:ResourceTag/k8s.io/cluster-autoscaler/c": "owned" } }),
                true,
            );
            assert.equal(isTagScoped({ Null: { "aws:RequestTag/elbv2.k8s.aws/cluster": "false" } }), true);
            assert.equal(
                isTagScoped({
                    Null: {
                        "aws:RequestTag/elbv2.k8s.aws/cluster": "true",
                        "aws:ResourceTag/elbv2.k8s.aws/cluster": "false",
                    },
                }),
                true,
            );
            assert.equal(isTagScoped({ StringLike: { "ec2:ResourceTag/team": "platform-*" } }), true);
            assert.equal(isTagScoped({ StringEqualsIfExists: { "aws:ResourceTag/team": "platform" } }), false);
            assert.equal(isTagScoped({ Null: { "aws:ResourceTag/team": "true" } }), false);
            assert.equal(
                isTagScoped({ StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } }),
                false,
            );
            assert.equal(isTagScoped(undefined), false);
        });
    });

    describe("iam-no-wildcard-resource-writes", () => {
        it("passes the autoscaler policy (tag-scoped writes) and the upstream controller policy (allow-listed)", async () => {
            assert.deepEqual(
                await checkResource(iamNoWildcardResourceWrites, {
                    type: POLICY,
                    props: { policy: JSON.stringify(clusterAutoscalerPolicy("c")) },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(iamNoWildcardResourceWrites, {
                    type: POLICY,
                    props: { policy: JSON.stringify(loadBalancerControllerPolicy()) },
                }),
                [],
            );
        });

        it("passes writes on named resources and reads everywhere", async () => {
            const policy = doc(
                { Effect: "Allow", Action: ["s3:PutObject"], Resource: "arn:aws:s3:::bucket/*" },
                { Effect: "Allow", Action: ["ec2:DescribeInstances"], Resource: "*" },
            );
            assert.deepEqual(await checkResource(iamNoWildcardResourceWrites, { type: POLICY, props: { policy } }), []);
        });

        it("fails a new untagged wildcard write, naming only the write actions", async () => {
            const policy = doc({
                Sid: "Cleanup",
                Effect: "Allow",
                Action: ["ec2:DescribeVolumes", "ec2:DeleteVolume"],
                Resource: "*",
            });
            assert.deepEqual(await checkResource(iamNoWildcardResourceWrites, { type: POLICY, props: { policy } }), [
                'the policy, statement 1 (Cleanup) allows ec2:DeleteVolume on Resource "*" with no tag condition: name the resources (ARNs), or add a Condition on aws:ResourceTag/... or aws:RequestTag/... that confines it to this stack\'s resources.',
            ]);
        });

        it("fails an allow-listed action set with one action more, and with NotResource", async () => {
            const grown = doc({ Effect: "Allow", Action: ["ec2:CreateSecurityGroup", "ec2:DeleteVpc"], Resource: "*" });
            assert.deepEqual(
                await checkResource(iamNoWildcardResourceWrites, { type: POLICY, props: { policy: grown } }),
                [
                    'the policy, statement 1 allows ec2:CreateSecurityGroup, ec2:DeleteVpc on Resource "*" with no tag condition: name the resources (ARNs), or add a Condition on aws:ResourceTag/... or aws:RequestTag/... that confines it to this stack\'s resources.',
                ],
            );
            const notResource = doc({ Effect: "Allow", Action: "s3:DeleteBucket", NotResource: "arn:aws:s3:::keep" });
            assert.deepEqual(
                await checkResource(iamNoWildcardResourceWrites, { type: POLICY, props: { policy: notResource } }),
                [
                    'the policy, statement 1 allows s3:DeleteBucket on Resource "*" with no tag condition: name the resources (ARNs), or add a Condition on aws:ResourceTag/... or aws:RequestTag/... that confines it to this stack\'s resources.',
                ],
            );
        });

        it("fails the allow-listed service-linked-role statement once its condition is gone", async () => {
            const policy = doc({ Effect: "Allow", Action: ["iam:CreateServiceLinkedRole"], Resource: "*" });
            assert.deepEqual(await checkResource(iamNoWildcardResourceWrites, { type: POLICY, props: { policy } }), [
                'the policy, statement 1 allows iam:CreateServiceLinkedRole on Resource "*" with no tag condition: name the resources (ARNs), or add a Condition on aws:ResourceTag/... or aws:RequestTag/... that confines it to this stack\'s resources.',
            ]);
        });

        it("allow-lists exactly the upstream controller statements that write to * untagged, each with a reason", () => {
            const upstream = loadBalancerControllerPolicy()
                .Statement.filter((statement) => untaggedWildcardWrites(statement as Statement).length > 0)
                .map((statement) => [...(statement.Action as string[])].sort());
            assert.deepEqual(
                ALLOWED_WILDCARD_WRITES.map((entry) => [...entry.actions]),
                upstream,
                "the upstream policy changed: review its new wildcard writes and update ALLOWED_WILDCARD_WRITES on purpose",
            );
            for (const entry of ALLOWED_WILDCARD_WRITES) {
                assert.deepEqual([...entry.actions], [...entry.actions].sort(), "keep each action set sorted");
                assert.match(entry.reason, /^AWS Load Balancer Controller v3\.5\.0 upstream policy .+; .+\.$/);
            }
        });
    });

    describe("irsa-trust-scoped", () => {
        it("passes the program's IRSA trust policy and non-IRSA trust policies", async () => {
            assert.deepEqual(
                await checkResource(irsaTrustScoped, {
                    type: ROLE,
                    props: { assumeRolePolicy: JSON.stringify(irsaTrustPolicy(PROVIDER, `https://${ISSUER}`, SA)) },
                }),
                [],
            );
            assert.deepEqual(
                await checkResource(irsaTrustScoped, {
                    type: ROLE,
                    props: { assumeRolePolicy: JSON.stringify(serviceTrustPolicy("ec2.amazonaws.com")) },
                }),
                [],
            );
            const github = doc({
                Effect: "Allow",
                Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" },
                Action: "sts:AssumeRoleWithWebIdentity",
            });
            assert.deepEqual(
                await checkResource(irsaTrustScoped, { type: ROLE, props: { assumeRolePolicy: github } }),
                [],
            );
        });

        const trust = (Condition?: Statement["Condition"]) => ({
            assumeRolePolicy: doc({
                Effect: "Allow",
                Principal: { Federated: PROVIDER },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition,
            }),
        });

        it("fails a trust without conditions: any service account, any audience", async () => {
            assert.deepEqual(await checkResource(irsaTrustScoped, { type: ROLE, props: trust() }), [
                `the trust policy, statement 1 lets every service account of the cluster assume the role: add Condition.StringEquals "${ISSUER}:sub": "system:serviceaccount:<namespace>:<name>".`,
                `the trust policy, statement 1 does not pin the token audience: add Condition.StringEquals "${ISSUER}:aud": "sts.amazonaws.com".`,
            ]);
        });

        it("fails a StringLike subject and a subject with wildcards or several accounts", async () => {
            const like = trust({
                StringLike: { [`${ISSUER}:sub`]: "system:serviceaccount:kube-system:*" },
                StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" },
            });
            assert.deepEqual(await checkResource(irsaTrustScoped, { type: ROLE, props: like }), [
                `the trust policy, statement 1 matches ${ISSUER}:sub with a pattern operator: use StringEquals with exactly one "system:serviceaccount:<namespace>:<name>".`,
            ]);
            const several = trust({
                StringEquals: {
                    [`${ISSUER}:sub`]: ["system:serviceaccount:a:x", "system:serviceaccount:b:y"],
                    [`${ISSUER}:aud`]: "sts.amazonaws.com",
                },
            });
            assert.deepEqual(await checkResource(irsaTrustScoped, { type: ROLE, props: several }), [
                `the trust policy, statement 1 scopes ${ISSUER}:sub to ["system:serviceaccount:a:x","system:serviceaccount:b:y"]: name exactly one service account, "system:serviceaccount:<namespace>:<name>", without wildcards.`,
            ]);
            const wildcard = trust({
                StringEquals: {
                    [`${ISSUER}:sub`]: "system:serviceaccount:*:x",
                    [`${ISSUER}:aud`]: "sts.amazonaws.com",
                },
            });
            assert.deepEqual(await checkResource(irsaTrustScoped, { type: ROLE, props: wildcard }), [
                `the trust policy, statement 1 scopes ${ISSUER}:sub to "system:serviceaccount:*:x": name exactly one service account, "system:serviceaccount:<namespace>:<name>", without wildcards.`,
            ]);
        });

        it("fails an audience other than STS, and conditions keyed to another issuer", async () => {
            const audience = trust({
                StringEquals: {
                    [`${ISSUER}:sub`]: "system:serviceaccount:kube-system:x",
                    [`${ISSUER}:aud`]: "example.com",
                },
            });
            assert.deepEqual(await checkResource(irsaTrustScoped, { type: ROLE, props: audience }), [
                `the trust policy, statement 1 does not pin the token audience: add Condition.StringEquals "${ISSUER}:aud": "sts.amazonaws.com".`,
            ]);
            const other = "oidc.eks.eu-west-1.amazonaws.com/id/OTHER";
            const elsewhere = trust({
                StringEquals: {
                    [`${other}:sub`]: "system:serviceaccount:kube-system:x",
                    [`${other}:aud`]: "sts.amazonaws.com",
                },
            });
            assert.deepEqual(await checkResource(irsaTrustScoped, { type: ROLE, props: elsewhere }), [
                `the trust policy, statement 1 lets every service account of the cluster assume the role: add Condition.StringEquals "${ISSUER}:sub": "system:serviceaccount:<namespace>:<name>".`,
                `the trust policy, statement 1 does not pin the token audience: add Condition.StringEquals "${ISSUER}:aud": "sts.amazonaws.com".`,
            ]);
        });
    });
});
