/**
 * A real Confluent-compatible schema registry for local clusters: Apicurio Registry 2.4.2 (in-memory
 * storage), built once from its Maven Central artifacts with the Quarkus Maven plugin into the
 * cache, then run as `java -jar`. Its ccompat API serves the Confluent REST API.
 *
 * Why a build: Apicurio publishes the application as a plain jar plus its dependencies; the runnable
 * Quarkus app is produced by the Quarkus build step. Some artifacts of that release are not on Maven
 * Central (the JSON Schema library comes from its Central fork com.github.erosb, the config-index
 * extension from the 0.1.10.Final release that has its deployment module there, and okio is pinned
 * to 3.x: the 1.x jar another dependency brings shadows okio 3's classes and breaks Protobuf files
 * with imports).
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EnvironmentError } from '../errors.js';
import { cacheDir, findMaven } from './kafka-dist.js';
import type { JavaRuntime } from './java.js';

const run = promisify(execFile);

export const APICURIO_VERSION = '2.4.2.Final';
/** Bumped whenever the build below changes, so caches of an older build are rebuilt. */
const BUILD_REVISION = 2;
const QUARKUS_VERSION = '2.16.4.Final';
/** The Confluent-compatible API path of Apicurio Registry. */
export const CCOMPAT_PATH = '/apis/ccompat/v7';

export interface RegistryDist {
  jar: string;
  version: string;
}

function pom(): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.zdp.cache</groupId>
  <artifactId>apicurio-registry-local</artifactId>
  <version>${APICURIO_VERSION}</version>
  <packaging>jar</packaging>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
    <quarkus.version>${QUARKUS_VERSION}</quarkus.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-common-app-components-config-index</artifactId><version>0.1.10.Final</version></dependency>
      <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-common-app-components-config-index-deployment</artifactId><version>0.1.10.Final</version></dependency>
      <dependency><groupId>com.squareup.okio</groupId><artifactId>okio</artifactId><version>3.3.0</version></dependency>
      <dependency><groupId>io.quarkus.platform</groupId><artifactId>quarkus-bom</artifactId><version>\${quarkus.version}</version><type>pom</type><scope>import</scope></dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>io.apicurio</groupId><artifactId>apicurio-registry-app</artifactId><version>${APICURIO_VERSION}</version><type>pom</type>
      <exclusions><exclusion><groupId>com.github.everit-org.json-schema</groupId><artifactId>org.everit.json.schema</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>com.github.erosb</groupId><artifactId>everit-json-schema</artifactId><version>1.14.2</version></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId><artifactId>maven-dependency-plugin</artifactId><version>3.8.1</version>
        <executions><execution><id>unpack-app</id><phase>process-resources</phase><goals><goal>unpack</goal></goals>
          <configuration><artifactItems><artifactItem><groupId>io.apicurio</groupId><artifactId>apicurio-registry-app</artifactId><version>${APICURIO_VERSION}</version><type>jar</type><outputDirectory>\${project.build.outputDirectory}</outputDirectory></artifactItem></artifactItems></configuration>
        </execution></executions>
      </plugin>
      <plugin>
        <groupId>io.quarkus</groupId><artifactId>quarkus-maven-plugin</artifactId><version>\${quarkus.version}</version><extensions>true</extensions>
        <executions><execution><goals><goal>build</goal></goals></execution></executions>
      </plugin>
    </plugins>
  </build>
</project>
`;
}

export async function resolveRegistryDist(env: NodeJS.ProcessEnv, log: (line: string) => void): Promise<RegistryDist> {
  const root = join(cacheDir(env), 'apicurio', `${APICURIO_VERSION}-r${BUILD_REVISION}`);
  const jar = join(root, 'apicurio-registry-runner.jar');
  if (existsSync(join(root, '.complete'))) return { jar, version: APICURIO_VERSION };
  const mvn = await findMaven(env);
  if (!mvn) {
    throw new EnvironmentError('REGISTRY_DIST_MISSING', 'the local schema registry needs Maven (mvn) to fetch Apicurio Registry from Maven Central once', {
      hint: 'install Maven (apt-get install maven), or start the clusters without --registry',
    });
  }
  const work = join(cacheDir(env), 'apicurio', `.build-${process.pid}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  try {
    log(`building Apicurio Registry ${APICURIO_VERSION} from Maven Central (once; cached in ${root})`);
    writeFileSync(join(work, 'pom.xml'), pom());
    try {
      await run(mvn, ['-B', '-q', 'package', '-DskipTests'], { cwd: work, env, timeout: 20 * 60_000, maxBuffer: 64 * 1024 * 1024 });
    } catch (cause) {
      const out = `${(cause as { stdout?: string }).stdout ?? ''}\n${(cause as { stderr?: string }).stderr ?? ''}`;
      throw new EnvironmentError('REGISTRY_BUILD_FAILED', `building Apicurio Registry failed:\n${out.split('\n').filter((l) => /ERROR/.test(l)).slice(0, 6).join('\n')}`, {
        hint: 'check network access to Maven Central',
        cause,
      });
    }
    const staged = join(work, 'dist');
    mkdirSync(staged, { recursive: true });
    cpSync(join(work, 'target', `apicurio-registry-local-${APICURIO_VERSION}-runner.jar`), join(staged, 'apicurio-registry-runner.jar'));
    cpSync(join(work, 'target', 'lib'), join(staged, 'lib'), { recursive: true });
    writeFileSync(join(staged, '.complete'), `${APICURIO_VERSION}\n`);
    rmSync(root, { recursive: true, force: true });
    mkdirSync(join(root, '..'), { recursive: true });
    renameSync(staged, root);
    log(`Apicurio Registry ${APICURIO_VERSION} ready`);
    return { jar, version: APICURIO_VERSION };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

export interface RegistryProcess {
  pid: number;
  port: number;
  url: string;
}

/** Starts the registry on loopback and waits until its ccompat API answers. */
export async function startRegistry(java: JavaRuntime, dist: RegistryDist, dir: string, port: number, env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<RegistryProcess> {
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const logFile = join(dir, 'logs', 'registry.log');
  const fd = openSync(logFile, 'a');
  const child = spawn(java.bin, [
    '-Xms64m', '-Xmx384m', '-XX:+UseSerialGC', '-Djava.awt.headless=true',
    `-Dquarkus.http.port=${port}`, '-Dquarkus.http.host=127.0.0.1',
    '-Dquarkus.log.level=WARN', '-Dquarkus.log.category."io.apicurio".level=WARN',
    `-Dzdp.registry.dir=${dir}`,
    '-jar', dist.jar,
  ], { cwd: dir, env, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  child.unref();
  const url = `http://127.0.0.1:${port}${CCOMPAT_PATH}`;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (exited !== undefined) {
      throw new EnvironmentError('REGISTRY_START_FAILED', `the local schema registry exited with code ${exited} while starting`, { hint: `see ${logFile}` });
    }
    try {
      const r = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(1000) });
      if (r.ok) return { pid: child.pid!, port, url };
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  try {
    process.kill(child.pid!, 'SIGKILL');
  } catch {
    // gone
  }
  throw new EnvironmentError('REGISTRY_START_TIMEOUT', `the local schema registry did not answer within ${Math.round(timeoutMs / 1000)}s`, { hint: `see ${logFile}` });
}
