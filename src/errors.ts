/**
 * The zdp error family. Every failure a user can cause or meet is a ZdpError with a stable
 * `code`; the exit code is derived from the error's category in exactly one table
 * (EXIT_CODES), and only src/main.ts turns errors into process exit codes.
 */

export type ErrorCategory =
  | 'internal'
  | 'usage'
  | 'config'
  | 'connection'
  | 'auth'
  | 'notFound'
  | 'checkFailed'
  | 'partial'
  | 'environment'
  | 'tls'
  | 'interrupted';

/** The one table of exit codes. Documented in README.md ("Exit codes"). */
export const EXIT_CODES: Readonly<Record<ErrorCategory, number>> = Object.freeze({
  internal: 1,
  usage: 2,
  config: 3,
  connection: 4,
  auth: 5,
  notFound: 6,
  checkFailed: 7,
  partial: 8,
  environment: 9,
  tls: 10,
  interrupted: 130,
});

export interface Diagnostic {
  code: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  /** dotted key path, e.g. clusters.prod.sasl.mechanism */
  path?: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface ZdpErrorOptions {
  hint?: string;
  cause?: unknown;
  context?: Record<string, unknown>;
  diagnostics?: Diagnostic[];
  /** the same request may well succeed if tried again (a leader moving, a broker restarting, a timeout) */
  retriable?: boolean;
}

export class ZdpError extends Error {
  readonly code: string;
  readonly category: ErrorCategory;
  readonly hint: string | undefined;
  readonly context: Record<string, unknown>;
  readonly diagnostics: Diagnostic[];
  readonly retriable: boolean;

  constructor(category: ErrorCategory, code: string, message: string, options: ZdpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.category = category;
    this.code = code;
    this.hint = options.hint;
    this.context = options.context ?? {};
    this.diagnostics = options.diagnostics ?? [];
    this.retriable = options.retriable ?? false;
  }

  get exitCode(): number {
    return EXIT_CODES[this.category];
  }
}

export class UsageError extends ZdpError {
  constructor(message: string, options: ZdpErrorOptions & { code?: string } = {}) {
    super('usage', options.code ?? 'USAGE', message, options);
  }
}

export class ConfigError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('config', code, message, options);
  }
}

export class ConnectionError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('connection', code, message, options);
  }
}

export class AuthError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('auth', code, message, options);
  }
}

export class TlsError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('tls', code, message, options);
  }
}

export class NotFoundError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('notFound', code, message, options);
  }
}

export class CheckFailedError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('checkFailed', code, message, options);
  }
}

export class PartialError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('partial', code, message, options);
  }
}

/** A missing or unusable tool or resource on this machine: Java, Maven, a busy port, a process that died. */
export class EnvironmentError extends ZdpError {
  constructor(code: string, message: string, options: ZdpErrorOptions = {}) {
    super('environment', code, message, options);
  }
}

export class InterruptedError extends ZdpError {
  constructor(message = 'interrupted', options: ZdpErrorOptions = {}) {
    super('interrupted', 'INTERRUPTED', message, options);
  }
}

/** Error codes that say a whole cluster is out of reach (or refuses this user): asking topic by topic or group by group would fail the same way. */
const WHOLE_CLUSTER = new Set(['AUTH_FAILED', 'TLS_HANDSHAKE_FAILED', 'BROKER_UNREACHABLE', 'TIMEOUT']);

export function isWholeClusterError(error: unknown): boolean {
  return error instanceof ZdpError && WHOLE_CLUSTER.has(error.code);
}

export function isZdpError(error: unknown): error is ZdpError {
  return error instanceof ZdpError;
}

/** The JSON shape written to stderr for a failure under --json. */
export function errorToJson(error: ZdpError): Record<string, unknown> {
  const out: Record<string, unknown> = {
    kind: 'Error',
    version: 1,
    code: error.code,
    exitCode: error.exitCode,
    message: error.message,
    retriable: error.retriable,
  };
  if (error.hint) out.hint = error.hint;
  if (error.diagnostics.length > 0) out.diagnostics = error.diagnostics;
  return out;
}
