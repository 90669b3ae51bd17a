// What only AWS or a remote component could answer, as readable, deterministic placeholders:
// resource outputs by type and the invokes the program makes.
import * as crypto from "crypto";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

export const ACCOUNT = "<account-id>";

/**
 * Realistic values the mock invents (the image-pinning rule and tests need a real digest's shape),
 * each with the placeholder a printout shows instead: a reader must never take one for real. The
 * engine snapshots and clears it per run (StackRun.invented).
 */
export const invented = new Map<string, string>();

/** A name only AWS can assign, shown as an obvious placeholder. */
const placeholder = (what: string, name: string): string => `<${what} of ${name}>`;

/** Outputs that the real provider or remote component would compute. Deterministic by design. */
export function mockOutputs(
    type: string,
    name: string,
    inputs: Record<string, any>,
    region: string,
): { id: string; state: Record<string, any> } {
    const id = placeholder("id", name);
    const arn = (service: string, resource: string): string => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
    switch (type) {
        case "eks:index:Cluster": {
            const clusterName = inputs.name ?? name;
            const issuer = `oidc.eks.${region}.amazonaws.com/id/<oidc-id of ${clusterName}>`;
            const endpoint = `https://<endpoint of ${clusterName}>.${region}.eks.amazonaws.com`;
            const kubeconfig = {
                apiVersion: "v1",
                kind: "Config",
                clusters: [
                    {
                        name: "kubernetes",
                        cluster: {
                            server: endpoint,
                            "certificate-authority-data": "<certificate of " + clusterName + ">",
                        },
                    },
                ],
                contexts: [{ name: "aws", context: { cluster: "kubernetes", user: "aws" } }],
                "current-context": "aws",
                users: [
                    {
                        name: "aws",
                        user: {
                            exec: {
                                apiVersion: "client.authentication.k8s.io/v1beta1",
                                command: "aws",
                                args: ["eks", "get-token", "--cluster-name", clusterName, "--output", "json"],
                            },
                        },
                    },
                ],
            };
            return {
                id,
                state: {
                    ...inputs,
                    kubeconfig,
                    kubeconfigJson: JSON.stringify(kubeconfig),
                    eksCluster: {
                        name: clusterName,
                        arn: arn("eks", `cluster/${clusterName}`),
                        endpoint,
                        version: inputs.version,
                        vpcConfig: { clusterSecurityGroupId: placeholder("cluster security group", clusterName) },
                    },
                    oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${issuer}`,
                    oidcProviderUrl: `https://${issuer}`,
                    oidcIssuer: issuer,
                    clusterSecurityGroupId: placeholder("cluster security group", clusterName),
                    // Without its default security groups the component reports the EKS-created one.
                    nodeSecurityGroupId: inputs.skipDefaultSecurityGroups
                        ? placeholder("cluster security group", clusterName)
                        : placeholder("node security group", clusterName),
                },
            };
        }
        case "eks:index:ManagedNodeGroup":
            return {
                id,
                state: {
                    ...inputs,
                    nodeGroup: { nodeGroupName: `${inputs.nodeGroupNamePrefix ?? ""}<suffix>`, status: "ACTIVE" },
                },
            };
        // IAM names: the given one, else the resource's (the placeholder of Pulumi's auto-name); ARNs carry the path.
        case "aws:iam/role:Role": {
            const roleName = inputs.name ?? name;
            const arn = `arn:aws:iam::${ACCOUNT}:role${inputs.path ?? "/"}${roleName}`;
            return { id: roleName, state: { ...inputs, name: roleName, arn } };
        }
        case "aws:iam/policy:Policy": {
            const policyName = inputs.name ?? name;
            const arn = `arn:aws:iam::${ACCOUNT}:policy${inputs.path ?? "/"}${policyName}`;
            return { id, state: { ...inputs, name: policyName, arn } };
        }
        case "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
            const host = String(inputs.url).replace(/^https:\/\//, "");
            return { id, state: { ...inputs, arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${host}` } };
        }
        case "aws:s3/bucket:Bucket": {
            const bucket = inputs.bucket ?? `${name}-<suffix>`;
            return {
                id: bucket,
                state: {
                    ...inputs,
                    bucket,
                    arn: `arn:aws:s3:::${bucket}`,
                    bucketDomainName: `${bucket}.s3.amazonaws.com`,
                    region,
                },
            };
        }
        case "aws:kms/key:Key":
            return {
                id,
                state: {
                    ...inputs,
                    keyId: placeholder("key id", name),
                    arn: arn("kms", `key/${placeholder("key id", name)}`),
                },
            };
        case "aws:ec2/vpc:Vpc":
            return { id, state: { ...inputs, arn: arn("ec2", `vpc/${id}`) } };
        case "aws:ec2/launchTemplate:LaunchTemplate":
            return { id, state: { ...inputs, latestVersion: 1, arn: arn("ec2", `launch-template/${id}`) } };
        case "aws:ecr/repository:Repository":
            return {
                id: inputs.name,
                state: {
                    ...inputs,
                    registryId: ACCOUNT,
                    arn: arn("ecr", `repository/${inputs.name}`),
                    repositoryUrl: `${ACCOUNT}.dkr.ecr.${region}.amazonaws.com/${inputs.name}`,
                },
            };
        case "docker-build:index:Image": {
            // A real-looking digest derived from the tags, so "by digest" checks see the true shape.
            const digest = `sha256:${crypto
                .createHash("sha256")
                .update(JSON.stringify(inputs.tags ?? []))
                .digest("hex")}`;
            invented.set(digest, placeholder("digest", name));
            return {
                id,
                state: {
                    ...inputs,
                    digest,
                    ref: `${(inputs.tags ?? [])[0]}@${digest}`,
                    contextHash: placeholder("context hash", name),
                },
            };
        }
        case "kubernetes:core/v1:Service": {
            const metadata = { ...inputs.metadata, name: inputs.metadata?.name ?? `${name}-<suffix>` };
            const ingress =
                inputs.spec?.type === "LoadBalancer"
                    ? [{ hostname: `<nlb hostname of ${metadata.name}>.elb.${region}.amazonaws.com` }]
                    : [];
            return {
                id: `${metadata.namespace}/${metadata.name}`,
                state: { ...inputs, metadata, status: { loadBalancer: { ingress } } },
            };
        }
        case "random:index/randomPassword:RandomPassword":
            // Secret, as the real provider marks it; plain under mocks otherwise.
            return {
                id,
                state: {
                    ...inputs,
                    result: { [specialSigKey]: specialSecretSig, value: placeholder("generated password", name) },
                    bcryptHash: { [specialSigKey]: specialSecretSig, value: "<bcrypt>" },
                },
            };
        case "kubernetes:helm.sh/v3:Release":
            return {
                id: `${inputs.namespace}/${inputs.name}`,
                state: {
                    ...inputs,
                    status: {
                        name: inputs.name,
                        namespace: inputs.namespace,
                        version: inputs.version,
                        status: "deployed",
                        chart: inputs.chart,
                    },
                },
            };
        default:
            if (type.startsWith("kubernetes:")) {
                // The provider auto-names objects without a name; keep it stable for diffs.
                const metadata = { ...(inputs.metadata ?? {}), name: inputs.metadata?.name ?? `${name}-<suffix>` };
                return {
                    id: metadata.namespace ? `${metadata.namespace}/${metadata.name}` : metadata.name,
                    state: { ...inputs, metadata },
                };
            }
            return {
                id,
                state: {
                    ...inputs,
                    arn:
                        inputs.arn ?? arn(type.split(":")[1]?.split("/")[0] ?? "unknown", `${placeholder("id", name)}`),
                },
            };
    }
}

/** Usable zones per region as a new account sees them (us-west-1 offers two); three elsewhere. */
export const ZONE_LETTERS: Readonly<Record<string, readonly string[]>> = {
    "us-east-1": ["a", "b", "c", "d", "e", "f"],
    "us-west-1": ["b", "c"],
};

export function mockCall(token: string, inputs: Record<string, any>, region: string): Record<string, any> {
    switch (token) {
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
            const letters = ZONE_LETTERS[region] ?? ["a", "b", "c"];
            return {
                id: region,
                names: letters.map((l) => `${region}${l}`),
                zoneIds: letters.map((_, i) => `<zone-id ${i + 1} of ${region}>`),
                state: inputs.state,
            };
        }
        case "aws:acm/getCertificate:getCertificate":
            return {
                id: `<certificate for ${inputs.domain}>`,
                arn: `arn:aws:acm:${region}:${ACCOUNT}:certificate/<certificate for ${inputs.domain}>`,
                domain: inputs.domain,
                status: "ISSUED",
                statuses: inputs.statuses,
                mostRecent: inputs.mostRecent,
            };
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                accountId: ACCOUNT,
                arn: `arn:aws:iam::${ACCOUNT}:user/<caller>`,
                userId: "<caller>",
                id: ACCOUNT,
            };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {
                id: inputs.registryId,
                userName: "AWS",
                password: "<ecr token>",
                authorizationToken: "<ecr token>",
                proxyEndpoint: `https://${inputs.registryId}.dkr.ecr.${region}.amazonaws.com`,
                expiresAt: "<expiry>",
            };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        default:
            throw new Error(`The mock engine has no answer for the invoke "${token}". Add one in testing/engine.ts.`);
    }
}
