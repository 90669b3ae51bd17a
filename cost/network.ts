// NAT gateways (hours and the assumed data through them), Elastic IPs (public IPv4 addresses), and
// the NLB the AWS Load Balancer Controller creates for each LoadBalancer Service: its hours, a
// baseline of capacity units and, when internet-facing, one public IPv4 address per zone.
import type { RecordedResource } from "../testing/engine";
import { hostZones } from "./hosted";
import { findings, Findings, fixed, formatNumber, inputFrom, ofType, Scope, Unpriced } from "./model";

export const NAT_GATEWAY = "aws:ec2/natGateway:NatGateway";
export const EIP = "aws:ec2/eip:Eip";
export const SUBNET = "aws:ec2/subnet:Subnet";
export const SERVICE = "kubernetes:core/v1:Service";

const ANNOTATION = "service.beta.kubernetes.io/aws-load-balancer-";
export const NLB_CLASS = "service.k8s.aws/nlb";

export function natGateways(scope: Scope): Findings {
    const result = findings();
    const gb = scope.assumptions.natGbPerGatewayMonth;
    for (const nat of ofType(scope, NAT_GATEWAY)) {
        const base = { resource: nat.name, type: nat.type };
        result.lines.push(
            {
                ...base,
                description: "NAT gateway",
                quantity: fixed(1),
                unit: "gateway-hour",
                price: ["natGateway", "hour"],
            },
            {
                ...base,
                description: "NAT gateway data processing",
                quantity: fixed(gb),
                unit: "GB",
                price: ["natGateway", "gb"],
                assumption: `${formatNumber(gb)} GB a month through each gateway (assumed: image pulls, updates, AWS API calls)`,
            },
        );
    }
    return result;
}

/** Every Elastic IP is an in-use public IPv4 address, billed by the hour whether attached or not. */
export function elasticIps(scope: Scope): Findings {
    const result = findings();
    const nats = ofType(scope, NAT_GATEWAY);
    for (const eip of ofType(scope, EIP)) {
        const user = nats.find((nat) => inputFrom(scope, nat, "allocationId", EIP).some((e) => e.urn === eip.urn));
        result.lines.push({
            resource: eip.name,
            type: eip.type,
            description: `public IPv4 address${user ? ` of NAT gateway ${user.name}` : ""}`,
            quantity: fixed(1),
            unit: "address-hour",
            price: ["publicIpv4", "addressHour"],
        });
    }
    return result;
}

export type Listener = "TCP" | "TLS";

/** What one NLB capacity unit is, per listener type (Elastic Load Balancing pricing). */
export const LCU_DIMENSIONS: Readonly<Record<Listener, string>> = {
    TCP: "800 new TCP flows/s, 100,000 active flows or 1 GB/h processed",
    TLS: "50 new TLS connections/s, 3,000 active TLS connections or 1 GB/h processed",
};

/** TLS when the Service names a certificate for its ports (the controller then listens with TLS). */
export function listenerOf(service: RecordedResource): Listener {
    return service.inputs.metadata?.annotations?.[`${ANNOTATION}ssl-cert`] ? "TLS" : "TCP";
}

/**
 * An NLB of the AWS Load Balancer Controller: the class the backend's Service sets, or the
 * controller's and the in-tree controller's NLB annotations. Anything else is a Classic Load
 * Balancer from the in-tree controller, which the table does not price.
 */
export function isNlb(service: RecordedResource): boolean {
    const type = service.inputs.metadata?.annotations?.[`${ANNOTATION}type`];
    return service.inputs.spec?.loadBalancerClass === NLB_CLASS || ["external", "nlb", "nlb-ip"].includes(type);
}

/**
 * The scheme annotation decides; without it the AWS Load Balancer Controller makes an internal NLB,
 * the in-tree controller (type nlb, no class) an internet-facing one unless marked internal.
 */
export function isInternetFacing(service: RecordedResource): boolean {
    const annotations = service.inputs.metadata?.annotations ?? {};
    const scheme = annotations[`${ANNOTATION}scheme`];
    if (scheme !== undefined) return scheme === "internet-facing";
    const inTree = !service.inputs.spec?.loadBalancerClass && annotations[`${ANNOTATION}type`] === "nlb";
    return inTree && annotations[`${ANNOTATION}internal`] !== "true";
}

/** The zones an NLB spans: the subnets it names, else one per zone among the subnets tagged for its scheme. */
export function zonesOf(scope: Scope, service: RecordedResource, internetFacing: boolean): number {
    const named = service.inputs.metadata?.annotations?.[`${ANNOTATION}subnets`];
    if (typeof named === "string" && named.trim() !== "") return named.split(",").filter((s) => s.trim()).length;
    const role = internetFacing ? "kubernetes.io/role/elb" : "kubernetes.io/role/internal-elb";
    const zones = ofType(scope, SUBNET)
        .filter((s) => s.inputs.tags?.[role] === "1")
        .map((s) => String(s.inputs.availabilityZone));
    return new Set(zones).size;
}

export function loadBalancers(scope: Scope): Findings {
    const result = findings();
    for (const service of ofType(scope, SERVICE).filter((s) => s.inputs.spec?.type === "LoadBalancer")) {
        const base = { resource: service.name, type: service.type };
        if (!isNlb(service)) {
            result.unpriced.push({
                ...base,
                description: "load balancer of a LoadBalancer Service",
                reason: `without loadBalancerClass ${NLB_CLASS} or an NLB type annotation the in-tree controller creates a Classic Load Balancer, which the price table does not hold`,
                kind: "unknown",
            });
            continue;
        }
        const internetFacing = isInternetFacing(service);
        const own = zonesOf(scope, service, internetFacing);
        // On a host's cluster the NLB lands in the host's subnets: one per zone of the contract it read.
        const zones = own > 0 ? own : hostZones(scope);
        const listener = listenerOf(service);
        const lcu = scope.assumptions.nlbLcuPerHour;
        result.lines.push(
            {
                ...base,
                description: `NLB (${internetFacing ? "internet-facing" : "internal"}, ${listener} listener)`,
                quantity: fixed(1),
                unit: "NLB-hour",
                price: ["nlb", "hour"],
            },
            {
                ...base,
                description: "NLB capacity units",
                quantity: fixed(lcu),
                unit: "LCU-hour",
                price: ["nlb", "lcuHour"],
                assumption: `${formatNumber(lcu)} LCU an hour on the ${listener} listener (assumed; one ${listener} LCU: ${LCU_DIMENSIONS[listener]})`,
            },
        );
        if (internetFacing) {
            if (zones === 0) {
                result.unpriced.push({
                    ...base,
                    description: "NLB public IPv4 addresses",
                    reason: "no subnet is tagged kubernetes.io/role/elb, so the zones it spans are unknown",
                    kind: "unknown",
                });
                continue;
            }
            result.lines.push({
                ...base,
                description: "NLB public IPv4 addresses",
                quantity: fixed(zones),
                unit: "address-hour",
                price: ["publicIpv4", "addressHour"],
                assumption:
                    own > 0
                        ? `one per zone: ${zones} zone(s) with a subnet tagged kubernetes.io/role/elb`
                        : `one per zone: the ${zones} load balancer subnet(s) of the host's contract (its StackReference)`,
            });
        }
    }
    return result;
}

/** Traffic-driven charges the estimate leaves to the reader, stated when the stack can incur them. */
export function networkNotModelled(scope: Scope): Unpriced[] {
    const unpriced: Unpriced[] = [];
    if (ofType(scope, SERVICE).some((s) => s.inputs.spec?.type === "LoadBalancer"))
        unpriced.push({
            description: "data transfer out to the internet",
            reason: "responses through the NLB are billed per GB out of the region: it follows traffic",
            kind: "not modelled",
        });
    if (new Set(ofType(scope, SUBNET).map((s) => s.inputs.availabilityZone)).size > 1)
        unpriced.push({
            description: "data transfer between availability zones",
            reason: "pod-to-pod, cross-zone NLB targets and NAT from other zones are billed per GB each way: it follows traffic",
            kind: "not modelled",
        });
    return unpriced;
}
