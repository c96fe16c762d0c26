/**
 * A client for the Confluent-compatible Schema Registry REST API (Confluent, Karapace, Redpanda,
 * Apicurio's ccompat API). Plain fetch; schemas are cached by id, since ids are immutable.
 */
import { readFileSync } from 'node:fs';
import { AuthError, ConnectionError, NotFoundError, ZdpError } from '../errors.js';
import { readSecret } from '../config/load.js';
import type { HttpService } from '../config/types.js';
import type { SchemaReference, SchemaType, SubjectVersion } from '../core/registry-types.js';

export type { SchemaReference, SchemaType, SubjectVersion };



export interface RegistrySchema {
  id: number;
  schema: string;
  schemaType: SchemaType;
  references: SchemaReference[];
}


const ACCEPT = 'application/vnd.schemaregistry.v1+json, application/json';

export class SchemaRegistryClient {
  private readonly byId = new Map<number, Promise<RegistrySchema>>();
  private readonly headers: Record<string, string>;
  private readonly baseUrl: string;

  constructor(
    private readonly service: HttpService,
    env: NodeJS.ProcessEnv,
    private readonly cluster: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.baseUrl = service.url.replace(/\/+$/, '');
    this.headers = { Accept: ACCEPT };
    if (service.token) this.headers.Authorization = `Bearer ${readSecret(service.token, env)}`;
    else if (service.username !== undefined) {
      const password = service.password ? readSecret(service.password, env) : '';
      this.headers.Authorization = `Basic ${Buffer.from(`${service.username}:${password}`).toString('base64')}`;
    }
    if (service.caFile) {
      // Node's fetch has no per-request CA; NODE_EXTRA_CA_CERTS must be set before start.
      readFileSync(service.caFile);
    }
  }

  get url(): string {
    return this.baseUrl;
  }

  /**
   * One request to the Confluent API at `path`, or, with `raw`, to another URL of the same server
   * (Apicurio's native API) with its own body and headers; `path` then only names it in errors.
   */
  private async request<T>(method: string, path: string, body?: unknown, raw?: { url: string; body?: Buffer; headers: Record<string, string> }): Promise<T> {
    const url = raw?.url ?? `${this.baseUrl}${path}`;
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: raw ? { ...this.headers, ...raw.headers } : body === undefined ? this.headers : { ...this.headers, 'Content-Type': 'application/vnd.schemaregistry.v1+json' },
        ...(raw ? (raw.body ? { body: raw.body } : {}) : body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const waited = ((performance.now() - started) / 1000).toFixed(1);
      const code = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name;
      throw new ConnectionError('REGISTRY_UNREACHABLE', `cannot reach the schema registry of "${this.cluster}" at ${this.baseUrl} (${code === 'TimeoutError' ? `no answer after ${waited}s` : code})`, {
        hint: `check clusters.${this.cluster}.schemaRegistry.url`,
        cause,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.ok) return json as T;
    const err = (json ?? {}) as { error_code?: number; message?: string };
    const detail = err.message ?? text.slice(0, 200);
    if (response.status === 401 || response.status === 403) {
      throw new AuthError('REGISTRY_AUTH', `the schema registry of "${this.cluster}" refused ${method} ${path} (${response.status})`, {
        hint: `check clusters.${this.cluster}.schemaRegistry.username and its password or token reference`,
      });
    }
    if (response.status === 404) {
      throw new NotFoundError(err.error_code === 40403 ? 'SCHEMA_NOT_FOUND' : err.error_code === 40402 ? 'VERSION_NOT_FOUND' : 'SUBJECT_NOT_FOUND', `schema registry of "${this.cluster}": ${detail}`, {
        context: { path, errorCode: err.error_code },
      });
    }
    throw new ZdpError('connection', 'REGISTRY_ERROR', `schema registry of "${this.cluster}" answered ${response.status} to ${method} ${path}: ${detail}`, {
      context: { status: response.status, errorCode: err.error_code },
    });
  }

  async getSchemaById(id: number): Promise<RegistrySchema> {
    let cached = this.byId.get(id);
    if (!cached) {
      cached = this.request<{ schema: string; schemaType?: SchemaType; references?: SchemaReference[] }>('GET', `/schemas/ids/${id}`).then((r) => ({
        id,
        schema: r.schema,
        schemaType: r.schemaType ?? 'AVRO',
        references: r.references ?? [],
      }));
      this.byId.set(id, cached);
      cached.catch(() => this.byId.delete(id));
    }
    return cached;
  }

  async getSubjectVersionsForId(id: number): Promise<{ subject: string; version: number }[]> {
    return this.request<{ subject: string; version: number }[]>('GET', `/schemas/ids/${id}/versions`);
  }

  async listSubjects(): Promise<string[]> {
    return (await this.request<string[]>('GET', '/subjects')).sort();
  }

  async listVersions(subject: string): Promise<number[]> {
    return (await this.request<number[]>('GET', `/subjects/${encodeURIComponent(subject)}/versions`)).sort((a, b) => a - b);
  }

  async getVersion(subject: string, version: number | 'latest'): Promise<SubjectVersion> {
    const r = await this.request<{ subject: string; version: number; id: number; schema: string; schemaType?: SchemaType; references?: SchemaReference[] }>(
      'GET',
      `/subjects/${encodeURIComponent(subject)}/versions/${version}`,
    );
    return { subject: r.subject, version: r.version, id: r.id, schema: r.schema, schemaType: r.schemaType ?? 'AVRO', references: r.references ?? [] };
  }

  /** The subject's compatibility level, falling back to the global one. */
  async getCompatibility(subject?: string): Promise<string> {
    if (subject !== undefined) {
      try {
        const r = await this.request<{ compatibilityLevel?: string; compatibility?: string }>('GET', `/config/${encodeURIComponent(subject)}?defaultToGlobal=true`);
        const level = r.compatibilityLevel ?? r.compatibility;
        if (level) return level;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
    const g = await this.request<{ compatibilityLevel?: string; compatibility?: string }>('GET', '/config');
    return g.compatibilityLevel ?? g.compatibility ?? 'BACKWARD';
  }

  async register(subject: string, schema: string, schemaType: SchemaType = 'AVRO', references: SchemaReference[] = []): Promise<number> {
    const body: Record<string, unknown> = { schema };
    if (schemaType !== 'AVRO') body.schemaType = schemaType;
    if (references.length > 0) body.references = references;
    const r = await this.request<{ id: number }>('POST', `/subjects/${encodeURIComponent(subject)}/versions`, body);
    return r.id;
  }

  /** Would `schema` be accepted as the next version of `subject` under its compatibility level? */
  async checkCompatibility(subject: string, schema: string, schemaType: SchemaType = 'AVRO'): Promise<{ compatible: boolean; messages: string[] }> {
    const body: Record<string, unknown> = { schema };
    if (schemaType !== 'AVRO') body.schemaType = schemaType;
    try {
      const r = await this.request<{ is_compatible?: boolean; messages?: string[] }>('POST', `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`, body);
      return { compatible: r.is_compatible !== false, messages: r.messages ?? [] };
    } catch (error) {
      // a subject without versions accepts anything
      if (error instanceof NotFoundError) return { compatible: true, messages: [] };
      throw error;
    }
  }

  async setCompatibility(subject: string, level: string): Promise<void> {
    await this.request<unknown>('PUT', `/config/${encodeURIComponent(subject)}`, { compatibility: level });
  }

  /** The compatibility level set on the subject itself, if any (not the global fallback). */
  async getSubjectCompatibility(subject: string): Promise<string | undefined> {
    try {
      const r = await this.request<{ compatibilityLevel?: string; compatibility?: string }>('GET', `/config/${encodeURIComponent(subject)}`);
      return r.compatibilityLevel ?? r.compatibility;
    } catch (error) {
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  /** Every version of every subject (soft-deleted ones are not served and not copied). */
  async listAllVersions(subjects?: readonly string[]): Promise<SubjectVersion[]> {
    const out: SubjectVersion[] = [];
    for (const subject of subjects ?? (await this.listSubjects())) {
      for (const version of await this.listVersions(subject)) out.push(await this.getVersion(subject, version));
    }
    return out;
  }

  /** A request given as data (see core/migration/subjects.ts); 2xx or a zdp error. */
  async send(req: { method: string; path: string; body?: Record<string, unknown> }): Promise<unknown> {
    return this.request<unknown>(req.method, req.path, req.body);
  }

  /**
   * How this registry can take schemas with given ids: Confluent's IMPORT mode (the /mode API
   * answers), Apicurio's admin import (its native API answers), or not at all.
   */
  async idPreservation(): Promise<{ kind: 'import-mode' } | { kind: 'apicurio'; version: string } | { kind: 'none'; why: string }> {
    try {
      const r = await this.request<{ mode?: string }>('GET', '/mode');
      if (typeof r?.mode === 'string') return { kind: 'import-mode' };
    } catch (error) {
      if (error instanceof ZdpError && (error.category === 'auth' || error.code === 'REGISTRY_UNREACHABLE')) throw error;
    }
    const native = this.apicurioBase();
    // not answering (or not as Apicurio) means it is not one
    const info = native ? await this.request<{ name?: string; version?: string }>('GET', '/system/info', undefined, { url: `${native}/apis/registry/v2/system/info`, headers: {} }).catch(() => undefined) : undefined;
    if (info?.name === 'apicurio-registry') return { kind: 'apicurio', version: info.version ?? '?' };
    return { kind: 'none', why: `the registry at ${this.baseUrl} has no IMPORT mode (GET /mode) and is not an Apicurio Registry` };
  }

  /** Apicurio's base URL (before /apis/ccompat/...), when the configured URL is its Confluent API. */
  private apicurioBase(): string | undefined {
    const m = /^(.*)\/apis\/ccompat\/v\d+$/.exec(this.baseUrl);
    return m?.[1];
  }

  /** Apicurio 2.x admin import of an archive, keeping content ids (= the Confluent API's schema ids). */
  async apicurioImport(archive: Buffer): Promise<void> {
    const native = this.apicurioBase();
    if (!native) throw new ZdpError('usage', 'REGISTRY_NOT_APICURIO', `${this.baseUrl} is not an Apicurio Registry Confluent API URL (…/apis/ccompat/v6 or v7)`);
    await this.request<unknown>('POST', '/admin/import', undefined, {
      url: `${native}/apis/registry/v2/admin/import`,
      body: archive,
      headers: { 'Content-Type': 'application/zip', 'X-Registry-Preserve-GlobalId': 'false', 'X-Registry-Preserve-ContentId': 'true' },
    });
  }

  /** Quick reachability probe: fails fast naming the URL. */
  async ping(): Promise<void> {
    await this.request<unknown>('GET', '/subjects');
  }
}
