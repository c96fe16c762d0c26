/** The words of a data product's terms that flags and files share: light, so help text can use them. */
export const COMPATIBILITY_RULES = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;
export type CompatibilityRule = (typeof COMPATIBILITY_RULES)[number];
export const CONSUMPTION_MODES = ['kafka', 'http-fetch', 'http-produce', 'sse', 'mcp'] as const;
export type ConsumptionMode = (typeof CONSUMPTION_MODES)[number];
