/**
 * The configuration of a local single-node KRaft cluster (broker + controller in one process),
 * as pure functions: ports and options in, server.properties and logging config out.
 */

export type DevAuth = 'none' | 'scram';

export interface BrokerLayout {
  clientPort: number;
  controllerPort: number;
  /** plaintext inter-broker listener, only when the client listener uses TLS or SASL */
  internalPort?: number | undefined;
  auth: DevAuth;
  tls: boolean;
  dataDir: string;
  /** PEM file with the broker key and certificate chain (tls only) */
  keystorePem?: string | undefined;
  /** scram only: the user allowed everything by the authorizer (zdp's admin user) */
  superUser?: string | undefined;
  /** scram only: that user's password, with which the broker authenticates to itself on INTERNAL */
  superUserPassword?: string | undefined;
  /** scram only: the password of the controller listener's own PLAIN user */
  controllerPassword?: string | undefined;
  /** another broker of a multi-broker cluster: broker role only, this node id; the controller is node 1 on controllerPort */
  brokerOnly?: { nodeId: number } | undefined;
}

/** The controller listener's user (SASL/PLAIN: KRaft reads SCRAM credentials only after the controller is up). */
export const CONTROLLER_USER = 'zdp-controller';

/** A JAAS option value in double quotes (the passwords zdp generates are base64url; quotes escaped regardless). */
function jaas(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export const SCRAM_MECHANISMS = ['SCRAM-SHA-512', 'SCRAM-SHA-256'] as const;

export function clientProtocol(layout: Pick<BrokerLayout, 'auth' | 'tls'>): 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL' {
  if (layout.auth === 'scram') return layout.tls ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return layout.tls ? 'SSL' : 'PLAINTEXT';
}

/** Lines of server.properties, in a fixed order, LF-terminated. */
export function renderServerProperties(layout: BrokerLayout): string {
  const protocol = clientProtocol(layout);
  const secured = protocol !== 'PLAINTEXT';
  if (secured && layout.internalPort === undefined) throw new Error('a secured client listener needs an internal port');
  const only = layout.brokerOnly;
  const lines: string[] = [
    only ? `# Written by \`zdp dev up\`: broker ${only.nodeId} of a KRaft cluster on loopback (node 1 is its controller). Regenerated on every start.` : '# Written by `zdp dev up`: a KRaft node (broker and controller) on loopback. Regenerated on every start.',
    only ? 'process.roles=broker' : 'process.roles=broker,controller',
    `node.id=${only ? only.nodeId : 1}`,
    `controller.quorum.voters=1@127.0.0.1:${layout.controllerPort}`,
    'controller.listener.names=CONTROLLER',
  ];
  const controllerListener = only ? '' : `,CONTROLLER://127.0.0.1:${layout.controllerPort}`;
  const scram = layout.auth === 'scram';
  if (scram && (!layout.superUser || !layout.superUserPassword || !layout.controllerPassword)) throw new Error('scram needs the admin user, its password and a controller password');
  if (secured) {
    // with SCRAM, the broker's own listeners authenticate too: nothing on this machine reaches the
    // cluster without a password (INTERNAL: SCRAM as the admin user; CONTROLLER: PLAIN as its own user)
    const inner = scram ? 'SASL_PLAINTEXT' : 'PLAINTEXT';
    lines.push(
      `listeners=CLIENT://127.0.0.1:${layout.clientPort},INTERNAL://127.0.0.1:${layout.internalPort}${controllerListener}`,
      `advertised.listeners=CLIENT://127.0.0.1:${layout.clientPort},INTERNAL://127.0.0.1:${layout.internalPort}`,
      `listener.security.protocol.map=CLIENT:${protocol},INTERNAL:${inner},CONTROLLER:${inner}`,
      'inter.broker.listener.name=INTERNAL',
    );
  } else {
    lines.push(
      `listeners=PLAINTEXT://127.0.0.1:${layout.clientPort}${controllerListener}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${layout.clientPort}`,
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
    );
  }
  if (layout.auth === 'scram') {
    lines.push(`listener.name.client.sasl.enabled.mechanisms=${SCRAM_MECHANISMS.join(',')}`);
    for (const m of SCRAM_MECHANISMS) {
      lines.push(`listener.name.client.${m.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`);
    }
    lines.push(
      'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
      'listener.name.internal.sasl.enabled.mechanisms=SCRAM-SHA-512',
      `listener.name.internal.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=${jaas(layout.superUser!)} password=${jaas(layout.superUserPassword!)};`,
      'sasl.mechanism.controller.protocol=PLAIN',
      'listener.name.controller.sasl.enabled.mechanisms=PLAIN',
      `listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=${jaas(CONTROLLER_USER)} password=${jaas(layout.controllerPassword!)} user_${CONTROLLER_USER}=${jaas(layout.controllerPassword!)};`,
    );
    // authenticated clusters also authorize, as production ones do: ACLs are real here, and no
    // unauthenticated principal (ANONYMOUS) is a super user
    lines.push(
      'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
      `super.users=User:${layout.superUser};User:${CONTROLLER_USER}`,
      'allow.everyone.if.no.acl.found=false',
    );
  }
  if (layout.tls) {
    if (!layout.keystorePem) throw new Error('tls needs a keystore');
    lines.push(
      'listener.name.client.ssl.keystore.type=PEM',
      `listener.name.client.ssl.keystore.location=${layout.keystorePem}`,
      'listener.name.client.ssl.client.auth=none',
    );
  }
  lines.push(
    `log.dirs=${layout.dataDir}`,
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=10',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    'log.message.timestamp.type=CreateTime',
    'log.retention.check.interval.ms=30000',
    'log.segment.bytes=67108864',
    'num.network.threads=2',
    'num.io.threads=4',
    'background.threads=4',
    'log.cleaner.threads=1',
    'log.cleaner.dedupe.buffer.size=8388608',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
  );
  return `${lines.join('\n')}\n`;
}

/** Logging config for the release's backend: everything to stdout, which zdp sends to a log file. */
export function renderLoggingConfig(backend: 'log4j1' | 'log4j2'): string {
  const quiet = ['kafka.request.logger', 'state.change.logger', 'kafka.log.LogCleaner', 'org.apache.kafka.storage.internals.log', 'kafka.log', 'org.apache.kafka.common.utils.AppInfoParser', 'org.apache.kafka.common.config.AbstractConfig'];
  if (backend === 'log4j1') {
    return [
      'log4j.rootLogger=INFO, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      ...quiet.map((l) => `log4j.logger.${l}=WARN`),
      '',
    ].join('\n');
  }
  return [
    'status = error',
    'appender.stdout.type = Console',
    'appender.stdout.name = STDOUT',
    'appender.stdout.layout.type = PatternLayout',
    'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
    'rootLogger.level = INFO',
    'rootLogger.appenderRef.stdout.ref = STDOUT',
    ...quiet.flatMap((l, i) => [`logger.q${i}.name = ${l}`, `logger.q${i}.level = WARN`]),
    '',
  ].join('\n');
}
