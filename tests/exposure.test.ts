// The plan printout's security lines: the API endpoint and its access entries, the load balancer's
// source ranges, security group rule CIDRs and NetworkPolicy peers, exactly as a reviewer reads them.
import * as assert from "node:assert/strict";
import { exposure, peer } from "../tools/exposure";
import { renderTree } from "../tools/plan";
import { configuredRun, one, stackRun } from "./helpers";

const linesOf = async (stack: "dev" | "prod", type: string, name: string) =>
    exposure(one(await stackRun(stack), type, name));

describe("plan printout: exposure", () => {
    it("says dev's API endpoint is public to everyone, and prod's only to its list", async () => {
        assert.equal(
            (await linesOf("dev", "eks:index:Cluster", "cluster-eks"))[0],
            "API endpoint: public to 0.0.0.0/0 (no list: everyone), and private",
        );
        assert.deepEqual(await linesOf("prod", "eks:index:Cluster", "cluster-eks"), [
            "API endpoint: public to 198.51.100.0/24, and private",
            "access entries: none but the identity that creates the cluster (admin)",
        ]);
    });

    it("names a namespace scope's namespaces and an entry's Kubernetes groups (dev's review roles)", async () => {
        assert.deepEqual((await linesOf("dev", "eks:index:Cluster", "cluster-eks")).slice(1), [
            "access entry: arn:aws:iam::<account-id>:role/scalable-backend-github-review-app -> AmazonEKSEditPolicy (namespaces eph-*); Kubernetes groups scalable-backend:review-deployers",
            "access entry: arn:aws:iam::<account-id>:role/scalable-backend-github-review-tenant -> no access policy; Kubernetes groups scalable-backend:review-provisioners",
        ]);
    });

    it("lists each access entry with its policy and scope, and a private-only endpoint as such", async () => {
        assert.deepEqual(exposure(one(await configuredRun("prod"), "eks:index:Cluster", "cluster-eks")), [
            "API endpoint: private only",
            "access entry: arn:aws:iam::123456789012:role/platform-admins -> AmazonEKSClusterAdminPolicy (cluster)",
            "access entry: arn:aws:iam::123456789012:role/drift -> AmazonEKSAdminViewPolicy (cluster)",
            "access entry: arn:aws:iam::123456789012:role/preview -> AmazonEKSViewPolicy (cluster)",
            "access entry: arn:aws:iam::123456789012:user/ops/auditor -> AmazonEKSViewPolicy (cluster)",
        ]);
    });

    it("gives the load balancer's scheme, ports and source ranges", async () => {
        assert.deepEqual(await linesOf("dev", "kubernetes:core/v1:Service", "backend-service"), [
            "load balancer: internet-facing, ports 80, admits 0.0.0.0/0 (no list: everyone)",
        ]);
        assert.deepEqual(await linesOf("prod", "kubernetes:core/v1:Service", "backend-service"), [
            "load balancer: internet-facing, ports 443, admits 203.0.113.0/24",
        ]);
        assert.deepEqual(exposure({ type: "kubernetes:core/v1:Service", inputs: { spec: { type: "ClusterIP" } } }), []);
        assert.deepEqual(
            exposure({
                type: "kubernetes:core/v1:Service",
                inputs: { spec: { type: "LoadBalancer", ports: [{ port: 80 }] } },
            }),
            ["load balancer: internal (the default), ports 80, admits 0.0.0.0/0 (no list: everyone)"],
        );
    });

    it("gives security group rules' direction, ports and sources", async () => {
        assert.deepEqual(
            await linesOf("prod", "aws:ec2/securityGroupRule:SecurityGroupRule", "cluster-private-endpoint"),
            ["ingress tcp/443 from 10.20.0.0/16"],
        );
        const rule = (inputs: Record<string, unknown>) =>
            exposure({ type: "aws:ec2/securityGroupRule:SecurityGroupRule", inputs });
        assert.deepEqual(
            rule({ type: "egress", protocol: "-1", fromPort: 0, toPort: 65535, cidrBlocks: ["0.0.0.0/0"] }),
            ["egress -1/0-65535 to 0.0.0.0/0"],
        );
        assert.deepEqual(
            rule({ type: "ingress", protocol: "tcp", fromPort: 443, toPort: 443, sourceSecurityGroupId: "sg-1" }),
            ["ingress tcp/443 from security group sg-1"],
        );
        assert.deepEqual(rule({ type: "ingress", protocol: "tcp", fromPort: 1, toPort: 2, self: true }), [
            "ingress tcp/1-2 from itself",
        ]);
    });

    it("gives every NetworkPolicy's peers and ports, and says what a default deny denies", async () => {
        const np = (name: string) => linesOf("prod", "kubernetes:networking.k8s.io/v1:NetworkPolicy", name);
        assert.deepEqual(await np("backend-default-deny"), [
            "ingress: none (denied) for pods all",
            "egress: none (denied) for pods all",
        ]);
        assert.deepEqual(await np("backend-allow-load-balancer"), [
            "ingress from 10.20.192.0/22; 10.20.196.0/22; 10.20.200.0/22 on TCP/8080",
        ]);
        assert.deepEqual(await np("backend-allow-dns"), [
            "egress to namespaces kubernetes.io/metadata.name=kube-system / pods k8s-app=kube-dns on UDP/53, TCP/53",
        ]);
        assert.equal(peer({ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }), "0.0.0.0/0 except 10.0.0.0/8");
        assert.equal(peer({}), "everything");
    });

    it("prints them under their resources, marked with !", async () => {
        assert.match(
            renderTree(await stackRun("dev")),
            /kubernetes:core\/v1:Service {2}backend-service.*\n {6,}! load balancer: internet-facing, ports 80, admits 0\.0\.0\.0\/0 \(no list: everyone\)\n/,
        );
    });
});
