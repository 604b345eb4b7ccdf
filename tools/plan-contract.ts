/** The plan JSON contract (`npm run plan -- --json FILE`) that other tools rely on. */

/** One planned resource. */
export interface PlannedResource {
    urn: string;
    type: string;
    name: string;
    parent: string | null;
    /** The provider reference `<provider urn>::<provider id>`, or null for components and providers. */
    provider: string | null;
    protect: boolean;
    retainOnDelete: boolean;
    /** The ID of an existing resource Pulumi imports instead of creating (`import`), or null. */
    importId: string | null;
    /** Input properties whose drift Pulumi leaves alone (`ignoreChanges`), sorted. */
    ignoreChanges: string[];
    /** Explicit dependencies only. */
    dependsOn: string[];
    /**
     * The URNs each input property depends on, as the engine sends them to an analyzer. The offline plan
     * records none (its mocks do not see them); the policy tests set them to exercise the pack's per-property
     * tracing.
     */
    propertyDependencies?: Record<string, string[]>;
    /** What the program passed, other resources' outputs resolved to their mocked values. */
    inputs: Record<string, unknown>;
}

/** One policy violation found by the policy pack. */
export interface PolicyDiagnostic {
    policy: string;
    level: "mandatory" | "advisory";
    message: string;
    /** "" for a stack policy that names no resource. */
    urn: string;
}

export interface PlanDocument {
    project: string;
    stack: string;
    homeRegion: string;
    regions: string[];
    /**
     * `count` ACTIVE accounts are governed; `leftOut` lists the organization's other accounts (SUSPENDED,
     * PENDING_CLOSURE, ...) with their state, which no service covers.
     */
    accounts: {
        management: string;
        securityAdmin: string;
        count: number;
        leftOut: { id: string; state: string }[];
    };
    /** The organization as discovery reported it: the root policies attach to and its enabled policy types. */
    organization: { id: string; rootId: string; enabledPolicyTypes: string[] };
    resources: PlannedResource[];
    diagnostics: PolicyDiagnostic[];
}
