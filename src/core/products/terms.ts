/** The words of a data product's terms that flags and files share: light, so help text can use them. */
/**
 * CONSUMER_SAFE, the default, protects the consumers a data product already has as well as new ones:
 * whatever could make any reader fail or misread needs a major version. The others are the schema
 * registry's rules, by name.
 */
export const COMPATIBILITY_RULES = ['CONSUMER_SAFE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;
export type CompatibilityRule = (typeof COMPATIBILITY_RULES)[number];
export const DEFAULT_COMPATIBILITY: CompatibilityRule = 'CONSUMER_SAFE';
export const CONSUMPTION_MODES = ['kafka', 'http-fetch', 'http-produce', 'sse', 'mcp'] as const;
export type ConsumptionMode = (typeof CONSUMPTION_MODES)[number];
