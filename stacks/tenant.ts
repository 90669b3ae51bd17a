// A review stack's tenant layer (tenant-<slug>, trusted code run from main): its host read through a
// StackReference and checked before anything else, then the namespace eph-<slug> with the limits the
// review's own code can neither write nor lift.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { Tenant } from "../components/tenant";
import type { TenantConfig } from "../config";
import { hostProviderArgs, readHost } from "../lib/host-contract";

export async function tenantStack(config: TenantConfig): Promise<Record<string, unknown>> {
    const hostReference = new pulumi.StackReference("host", { name: config.host });
    const host = await readHost(config.stack.name, config.host, hostReference);
    // Built from what the read returned: dependsOn says so to the engine, and to the plan's deploy-time model.
    const onHost = {
        providers: { kubernetes: new k8s.Provider("host", hostProviderArgs(host), { dependsOn: [hostReference] }) },
    };

    const tenant = new Tenant("tenant", { ...config.tenant, host }, onHost);

    return { placement: "shared", host: config.host, namespace: tenant.namespaceName };
}
