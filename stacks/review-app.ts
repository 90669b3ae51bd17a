// A shared review stack's app layer (eph-<slug>, pull-request code): its host read through a
// StackReference and checked before anything else, a Kubernetes provider built from the host's
// kubeconfig, the image (its own ECR repository, force-deleted with the stack, unless a prebuilt
// one is pinned), and the backend in the namespace its tenant provisioned.
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { BackendImage } from "../components/image";
import { ReviewApp } from "../components/review-app";
import type { ReviewAppConfig } from "../config";
import { hostProviderArgs, readHost } from "../lib/host-contract";

export async function reviewAppStack(config: ReviewAppConfig): Promise<Record<string, unknown>> {
    const hostReference = new pulumi.StackReference("host", { name: config.host });
    const host = await readHost(config.stack.name, config.host, hostReference);
    // Built from what the read returned: dependsOn says so to the engine, and to the plan's deploy-time model.
    const onHost = {
        providers: {
            kubernetes: new k8s.Provider("host", hostProviderArgs(host, config.app.identity.namespace), {
                dependsOn: [hostReference],
            }),
        },
    };

    // Only a build needs AWS: a prebuilt image makes the app layer Kubernetes objects alone.
    const image =
        config.image.prebuilt === undefined
            ? new BackendImage(
                  "backend-image",
                  { ...config.image, root: path.resolve(__dirname, "..") },
                  {
                      providers: {
                          aws: new aws.Provider("aws", {
                              region: config.stack.region as aws.Region,
                              defaultTags: { tags: { ...config.stack.tags } },
                          }),
                      },
                  },
              ).reference
            : pulumi.output(config.image.prebuilt);

    const app = new ReviewApp("backend", { ...config.app, image, host }, onHost);

    return {
        placement: "shared",
        host: config.host,
        namespace: config.app.identity.namespace,
        portForward: app.portForward,
        ...(app.url ? { backendUrl: app.url } : {}),
        backendImage: image,
    };
}
