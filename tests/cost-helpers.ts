// Hand-made records for the cost tests: only what the estimate reads, in eu-west-1 unless told.
import type { RecordedResource } from "../testing/engine";
import type { EstimateOptions } from "../cost/estimate";
import { estimate, Estimate } from "../cost/estimate";
import { loadPriceTable } from "../cost/table";

export const TABLE = loadPriceTable();
export const urnOf = (type: string, name: string): string => `urn:pulumi:t::p::${type}::${name}`;

export function resource(
    type: string,
    name: string,
    inputs: Record<string, any> = {},
    extra: Partial<RecordedResource> = {},
): RecordedResource {
    return {
        type,
        name,
        urn: urnOf(type, name),
        custom: !type.startsWith("scalable-backend:"),
        inputs,
        secretInputs: [],
        providers: {},
        dependencies: [],
        propertyDependencies: {},
        protect: false,
        ignoreChanges: [],
        aliases: [],
        deleteBeforeReplace: false,
        options: { dependsOn: [], protect: false, ignoreChanges: [] },
        outputs: {},
        ...extra,
    };
}

/** `r`'s input `input` came from these resources (as the engine records Output-borne dependencies). */
export const fedBy = (input: string, ...from: RecordedResource[]): Partial<RecordedResource> => ({
    propertyDependencies: { [input]: from.map((f) => f.urn) },
});

export const awsProvider = (region = "eu-west-1"): RecordedResource =>
    resource("pulumi:providers:aws", `aws-${region}`, { region });

/** The estimate of these resources behind one eu-west-1 provider. */
export function estimateOf(
    resources: RecordedResource[],
    options: EstimateOptions = {},
    region = "eu-west-1",
): Estimate {
    return estimate({ stack: "t", resources: [awsProvider(region), ...resources] }, TABLE, options);
}

/** Items as [resource, description, unit price, monthly min/expected/max] rows: what a hand computation checks. */
export const rows = (e: Estimate) =>
    e.items.map((i) => [i.resource, i.description, i.unitPrice, i.monthly.min, i.monthly.expected, i.monthly.max]);

export const unknowns = (e: Estimate) =>
    e.unpriced.filter((u) => u.kind === "unknown").map((u) => [u.resource, u.description, u.reason]);
