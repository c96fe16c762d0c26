/** A small Kafka Connect REST client: connectors, their status and offsets (KIP-875, Kafka 3.5+). */
import type { HttpService } from '../config/types.js';
import { readSecret } from '../config/load.js';
import { AuthError, ConnectionError, NotFoundError, ZdpError } from '../errors.js';

export interface ConnectorStatus {
  name: string;
  connector: { state: string; trace?: string };
  tasks: { id: number; state: string; trace?: string }[];
}

export class ConnectClient {
  private readonly headers: Record<string, string> = { Accept: 'application/json' };
  readonly url: string;

  constructor(service: HttpService, env: NodeJS.ProcessEnv, private readonly timeoutMs = 10_000) {
    this.url = service.url.replace(/\/+$/, '');
    if (service.token) this.headers.Authorization = `Bearer ${readSecret(service.token, env)}`;
    else if (service.username !== undefined) this.headers.Authorization = `Basic ${Buffer.from(`${service.username}:${service.password ? readSecret(service.password, env) : ''}`).toString('base64')}`;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: body === undefined ? this.headers : { ...this.headers, 'Content-Type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (cause) {
      const code = (cause as { cause?: { code?: string } }).cause?.code ?? (cause as Error).name;
      throw new ConnectionError('CONNECT_UNREACHABLE', `cannot reach Kafka Connect at ${this.url} (${code === 'TimeoutError' ? `no answer after ${((performance.now() - started) / 1000).toFixed(1)}s` : code})`, {
        hint: 'check --connect-url (or clusters.<target>.connect.url): the REST listener of a Connect worker whose workers write to the target cluster',
        cause,
      });
    }
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (response.ok) return json as T;
    const detail = (json as { message?: string } | undefined)?.message ?? text.slice(0, 300);
    if (response.status === 401 || response.status === 403) throw new AuthError('CONNECT_AUTH', `Kafka Connect at ${this.url} refused ${method} ${path} (${response.status})`, { hint: 'check the connect username and its password or token reference' });
    if (response.status === 404) throw new NotFoundError('CONNECT_NOT_FOUND', `Kafka Connect at ${this.url}: ${detail}`);
    throw new ZdpError('connection', 'CONNECT_ERROR', `Kafka Connect at ${this.url} answered ${response.status} to ${method} ${path}: ${detail}`);
  }

  /** The worker's version; fails fast when the URL is not a Connect worker. */
  async info(): Promise<{ version: string; kafka_cluster_id: string }> {
    const info = await this.request<{ version?: string; kafka_cluster_id?: string }>('GET', '/');
    if (!info || typeof info.version !== 'string') throw new ZdpError('connection', 'NOT_CONNECT', `${this.url} answers, but not as a Kafka Connect worker (no version at /)`, { hint: 'point --connect-url at the Connect REST listener, e.g. http://connect:8083' });
    return info as { version: string; kafka_cluster_id: string };
  }

  putConfig(name: string, config: Record<string, string>): Promise<unknown> {
    return this.request('PUT', `/connectors/${encodeURIComponent(name)}/config`, config);
  }

  async status(name: string): Promise<ConnectorStatus | undefined> {
    try {
      return await this.request<ConnectorStatus>('GET', `/connectors/${encodeURIComponent(name)}/status`);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  /** Source offsets of a connector (KIP-875). */
  async offsets(name: string): Promise<{ partition: Record<string, unknown>; offset: Record<string, unknown> | null }[]> {
    const r = await this.request<{ offsets: { partition: Record<string, unknown>; offset: Record<string, unknown> | null }[] }>('GET', `/connectors/${encodeURIComponent(name)}/offsets`);
    return r.offsets ?? [];
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.request('DELETE', `/connectors/${encodeURIComponent(name)}`);
      return true;
    } catch (e) {
      if (e instanceof NotFoundError) return false;
      throw e;
    }
  }
}
