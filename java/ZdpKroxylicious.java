import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.config.NamedFilterDefinition;
import io.kroxylicious.proxy.config.PluginFactory;
import io.kroxylicious.proxy.config.PluginFactoryRegistry;
import io.kroxylicious.proxy.filter.Filter;
import io.kroxylicious.proxy.filter.FilterContext;
import io.kroxylicious.proxy.filter.FilterFactory;
import io.kroxylicious.proxy.filter.FilterFactoryContext;
import io.kroxylicious.proxy.filter.RequestFilter;
import io.kroxylicious.proxy.filter.RequestFilterResult;
import io.kroxylicious.proxy.filter.ResponseFilter;
import io.kroxylicious.proxy.filter.ResponseFilterResult;
import io.kroxylicious.proxy.internal.config.Features;
import io.kroxylicious.proxy.service.ClusterNetworkAddressConfigProvider;
import io.kroxylicious.proxy.service.ClusterNetworkAddressConfigProviderService;
import io.kroxylicious.proxy.service.HostPort;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.regex.Pattern;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataRequest;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Runs the Kroxylicious proxy engine (io.kroxylicious:kroxylicious-runtime from Maven Central) on
 * a config file, with every gateway listener bound to one address (loopback by default) instead of
 * the wildcard address Kroxylicious binds to. With -Dzdp.standbyFile it loads everything, then
 * waits for that file before binding: a switch to another backend then costs a bind, not a JVM start.
 * Unless -Dzdp.filter=off, every virtual cluster runs zdp's quiesce filter (ZdpQuiesce, below in
 * this file), with its control endpoint on -Dzdp.control.port.
 */
public class ZdpKroxylicious {
    static final ConfigParser parser = new ConfigParser();
    /** zdp's own filter (ZdpQuiesce, below) on every virtual cluster, unless turned off */
    static final boolean filter = !"off".equals(System.getProperty("zdp.filter", "on"));

    public static void main(String[] args) throws Exception {
        String bind = System.getProperty("zdp.bindAddress", "127.0.0.1");
        // a switchable instance (a fleet deployed without zdp): -Dzdp.clusters=source=a.yaml,target=b.yaml
        // and -Dzdp.cluster=source; POST /v1/switch moves it from one to the other in this process
        Map<String, String> clusters = new LinkedHashMap<>();
        String listed = System.getProperty("zdp.clusters", "");
        for (String entry : listed.split(",")) {
            int eq = entry.indexOf('=');
            if (eq > 0) clusters.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
        }
        String current = System.getProperty("zdp.cluster");
        if (!clusters.isEmpty() && (current == null || !clusters.containsKey(current))) {
            System.err.println("zdp: -Dzdp.cluster must name one of -Dzdp.clusters (" + String.join(", ", clusters.keySet()) + ")");
            System.exit(2);
        }
        if (filter) {
            ZdpQuiesce.cluster = current;
            ZdpQuiesce.switchable = List.copyOf(clusters.keySet());
            ZdpQuiesce.startControl();
        }
        PluginFactoryRegistry registry = new PluginFactoryRegistry() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> PluginFactory<T> pluginFactory(Class<T> type) {
                PluginFactory<T> inner = parser.pluginFactory(type);
                if (type == FilterFactory.class) {
                    return new PluginFactory<T>() {
                        @Override
                        public T pluginInstance(String name) {
                            return ZdpQuiesce.TYPE.equals(name) ? (T) new ZdpQuiesce() : inner.pluginInstance(name);
                        }

                        @Override
                        public Class<?> configType(String name) {
                            return ZdpQuiesce.TYPE.equals(name) ? Void.class : inner.configType(name);
                        }
                    };
                }
                if (type != ClusterNetworkAddressConfigProviderService.class) {
                    return inner;
                }
                return new PluginFactory<T>() {
                    @Override
                    public T pluginInstance(String name) {
                        ClusterNetworkAddressConfigProviderService<Object> service = (ClusterNetworkAddressConfigProviderService<Object>) inner.pluginInstance(name);
                        ClusterNetworkAddressConfigProviderService<Object> bound = cfg -> bindTo(service.build(cfg), bind);
                        return (T) bound;
                    }

                    @Override
                    public Class<?> configType(String name) {
                        return inner.configType(name);
                    }
                };
            }
        };
        if (!clusters.isEmpty()) {
            serveSwitchable(registry, clusters, current, bind);
            return;
        }
        try (KafkaProxy proxy = build(registry, args[0])) {
            // standby: everything is loaded, nothing is bound until the file appears (a fast switch)
            String standby = System.getProperty("zdp.standbyFile");
            if (standby != null) {
                String warmup = System.getProperty("zdp.warmupConfig");
                if (warmup != null) warmUp(registry, warmup, System.getProperty("zdp.warmupBootstrap"));
                ZdpQuiesce.warmControl();
                upstreamBrokers();
                System.out.println("zdp: kroxylicious loaded, standing by for " + standby);
                // zdp waits for this before it fences the running proxy, so the switch costs only the bind
                Files.writeString(Path.of(standby + ".ready"), "loaded\n");
                Path release = Path.of(standby);
                while (!Files.exists(release)) {
                    Thread.sleep(5);
                }
                waitForPorts(bind, System.getProperty("zdp.standbyPorts", ""));
            }
            // the brokers read from the cluster before the bind (a standby read them while loading)
            if (standby == null) upstreamBrokers();
            long releasedAt = System.currentTimeMillis();
            proxy.startup();
            long boundAt = System.currentTimeMillis();
            serving = proxy;
            bindBrokerPorts(proxy, Map.copyOf(upstreamNodes));
            reconcile(System.getProperty("zdp.bootstrap"));
            System.out.println("zdp: kroxylicious started, listeners bound to " + bind + " in " + (boundAt - releasedAt) + " ms (at " + boundAt + ")");
            // zdp waits for this, not for /livez: the management port is bound only now, and its first
            // answer took 0.6-0.8 s on a busy host, on every client's pause
            if (standby != null) Files.writeString(Path.of(standby + ".bound"), boundAt + "\n");
            proxy.block();
        }
    }

    /** the proxy of a one-cluster instance once it is bound: what POST /v1/unbind closes the listeners of */
    static volatile KafkaProxy serving;

    /**
     * The instance stops listening and keeps its connections (POST /v1/unbind): its listening
     * sockets (bootstrap and broker ports) are closed, and its management listener with them, so
     * that its standby can bind the same addresses while its clients' connections, and the requests
     * held on them, stay where they are. zdp then releases the standby, and this instance closes and
     * exits the moment the standby listens (closeWhenTaken): a client whose connection closes
     * reconnects to a proxy already listening. Closed first and bound after, the ports stayed
     * shut 30-120 ms after the clients' connections went (a fleet benchmark run): a kafkajs client
     * that reconnected at once was refused and waited out its backoff (0.26-0.36 s, twice for a
     * transactional producer: its send's retry and its seed broker's). The accepted connections
     * keep the address as the listener had it, reusable (Kroxylicious binds with SO_REUSEADDR), so
     * a new listener binds beside them. Reached into as bindBrokerPorts does; answers the ports
     * closed, and throws where this Kroxylicious is laid out otherwise (zdp then goes the old way),
     * or with -Dzdp.unbind=false (the way before 2026-12-08, should this reach into Kroxylicious do harm).
     */
    static List<Integer> unbind() throws Exception {
        KafkaProxy proxy = serving;
        if ("false".equals(System.getProperty("zdp.unbind"))) throw new UnsupportedOperationException("-Dzdp.unbind=false");
        if (proxy == null) throw new IllegalStateException("no proxy bound in this process");
        var registryField = KafkaProxy.class.getDeclaredField("endpointRegistry");
        registryField.setAccessible(true);
        Object registry = registryField.get(proxy);
        var channelsField = registry.getClass().getDeclaredField("listeningChannels");
        channelsField.setAccessible(true);
        var ports = new TreeSet<Integer>();
        var closes = new ArrayList<io.netty.channel.ChannelFuture>();
        for (Object record : ((Map<?, ?>) channelsField.get(registry)).values()) {
            var stage = record.getClass().getDeclaredMethod("bindingStage");
            stage.setAccessible(true);
            var channel = (io.netty.channel.Channel) ((CompletionStage<?>) stage.invoke(record)).toCompletableFuture().getNow(null);
            if (channel == null || !channel.isOpen()) continue;
            if (channel.localAddress() instanceof InetSocketAddress a) ports.add(a.getPort());
            closes.add(channel.close());
        }
        // the management listener runs on event loops of its own: none of the clients' connections is on them
        var stopping = shutDown(proxy, "managementEventGroup");
        for (var close : closes) close.await(2_000);
        for (var stop : stopping) stop.await(2_000);
        System.out.println("zdp: unbound, listening no more on port(s) " + ports + "; the connections stay until closing (at " + System.currentTimeMillis() + ")");
        return List.copyOf(ports);
    }

    /**
     * Every connection of the proxy closed now, by its own event loops (their shutdown closes each
     * channel), rather than by the kernel as the process exits: an exiting JVM's memory goes before
     * its sockets, and on a busy host its clients saw their connections close 0.36 s after it
     * halted (a fleet benchmark run), and reconnected that much later. Best effort, 1 s at most.
     */
    static void closeConnections() {
        try {
            for (var stop : shutDown(serving, "serverEventGroup")) stop.await(1_000);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError | InterruptedException e) {
            // the process's exit closes them
        }
    }

    /** Shuts down, at once, the event loops (boss and workers) of one of the proxy's event groups (`managementEventGroup`, `serverEventGroup`): every channel on them closes. Answers the shutdowns to wait for. */
    static List<io.netty.util.concurrent.Future<?>> shutDown(KafkaProxy proxy, String eventGroup) throws ReflectiveOperationException {
        var field = KafkaProxy.class.getDeclaredField(eventGroup);
        field.setAccessible(true);
        Object group = field.get(proxy);
        var stopping = new ArrayList<io.netty.util.concurrent.Future<?>>();
        if (group == null) return stopping;
        for (String name : List.of("bossGroup", "workerGroup")) {
            var accessor = group.getClass().getDeclaredMethod(name);
            accessor.setAccessible(true);
            stopping.add(((io.netty.channel.EventLoopGroup) accessor.invoke(group)).shutdownGracefully(0, 0, TimeUnit.MILLISECONDS));
        }
        return stopping;
    }

    /** how long after the standby listens on the bootstrap port a handing-over instance closes: the standby binds its broker ports to their brokers just after (see bindBrokerPorts) */
    static final long TAKEN_SETTLE_MS = 5;

    /**
     * After unbind, with POST /v1/unbind {"closeWhenTaken": true}: the instance closes (closing) and
     * exits the moment another process listens on its bootstrap port (-Dzdp.bootstrap) — its
     * standby, which zdp releases as the unbind is answered. Each of its clients' connections
     * closes then, and the client reconnects to a proxy already listening. Waited for by zdp (the
     * standby's bind, then closing, then a kill: each a call of its own on a busy host), the
     * connections went 0.1-0.4 s after the standby bound, and each client's reconnection with them.
     * A standby that does not listen within `waitMs` leaves the instance as it is (zdp stops it).
     */
    static void closeWhenTaken(String bind, long waitMs) {
        String bootstrap = System.getProperty("zdp.bootstrap", "");
        int colon = bootstrap.lastIndexOf(':');
        if (colon < 0) return;
        int port = Integer.parseInt(bootstrap.substring(colon + 1));
        var watcher = new Thread(() -> {
            long from = System.currentTimeMillis();
            try {
                while (portFree(bind, port)) {
                    if (System.currentTimeMillis() - from > waitMs) {
                        System.out.println("zdp: nothing listens on port " + port + " " + waitMs + " ms after the unbind: this instance stays until stopped");
                        return;
                    }
                    Thread.sleep(1);
                }
                long taken = System.currentTimeMillis();
                Thread.sleep(TAKEN_SETTLE_MS);
                ZdpQuiesce.closing();
                System.out.println("zdp: the standby listens on port " + port + " " + (taken - from) + " ms after the unbind: this instance closes its connections and exits (at " + System.currentTimeMillis() + ")");
                closeConnections();
                System.out.println("zdp: connections closed (at " + System.currentTimeMillis() + ")");
                System.out.flush();
                Runtime.getRuntime().halt(0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "zdp-hand-over");
        watcher.setDaemon(true);
        watcher.start();
    }

    /**
     * A released standby binds the ports of the instance it replaces as soon as they are free: zdp
     * releases it as it kills that instance, and the kernel frees a killed JVM's sockets some ms
     * later. Waited for by zdp's own process (polling, on a busy host, every 10 ms at best) before
     * it released the standby, the ports stayed closed 0.2-0.5 s in fleet benchmark runs; a client
     * that reconnects meanwhile waits out its backoff (kafkajs: 300 ms, then 600 ms). Tried here
     * every millisecond, as the bind itself would (reusing the address), for 10 s at most; the bind
     * then says what holds them. Ports given: -Dzdp.standbyPorts=a,b,c (none: nothing to wait for).
     */
    static void waitForPorts(String bind, String ports) throws InterruptedException {
        long from = System.currentTimeMillis();
        int tries = 0;
        for (String p : ports.split(",")) {
            if (p.isBlank()) continue;
            int port = Integer.parseInt(p.trim());
            while (!portFree(bind, port) && System.currentTimeMillis() - from < 10_000) {
                tries++;
                Thread.sleep(1);
            }
        }
        if (tries > 0) System.out.println("zdp: the ports came free " + (System.currentTimeMillis() - from) + " ms after the release");
    }

    static boolean portFree(String bind, int port) {
        try (var socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(bind, port));
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /**
     * Until a Metadata answer passed through it, a new proxy's broker ports are bound "restricted":
     * a client that reconnects straight to its broker's port (every client after a switch) has
     * its first request taken by Kroxylicious's EagerMetadataLearner, which learns the brokers and
     * then closes the connection; the client retries after its backoff. Measured at a fleet
     * switch: 8 client connections closed that way over 1.1 s. Asking for metadata on the
     * bootstrap port right after the bind learns them before the clients come back. Best effort,
     * bounded by 3 s; one Metadata request.
     */
    static void reconcile(String bootstrap) {
        if (bootstrap == null || bootstrap.isEmpty()) return;
        learnBrokers(bootstrap);
        // read before the bind already (see bindBrokerPorts), unless the cluster did not answer then
        if (upstreamNodes.isEmpty()) upstreamBrokers();
    }

    /**
     * Right after the bind, each broker port of a node the cluster has is bound to that broker,
     * with the brokers read from the cluster before the bind (upstreamBrokers): Kroxylicious's own
     * reconciliation (EndpointReconciler.reconcile, what a Metadata answer through the proxy
     * triggers), called in process. The Metadata request through the bootstrap port (reconcile)
     * took 0.11-0.21 s after a fleet standby's bind, and a kafkajs consumer that reconnected in
     * that window had its JoinGroup taken by Kroxylicious's learner on a restricted connection and
     * the connection closed: it fell back to fetching under its old member id and rejoined 2 s
     * later (a fleet benchmark run). Best effort: a Kroxylicious laid out otherwise, or brokers
     * not read, leave it to that Metadata request, as does -Dzdp.bindBrokerPorts=false (the way
     * before 2026-12-07, should this reach into Kroxylicious do harm).
     */
    static void bindBrokerPorts(KafkaProxy proxy, Map<Integer, HostPort> nodes) {
        if (nodes.isEmpty() || "false".equals(System.getProperty("zdp.bindBrokerPorts"))) return;
        long started = System.currentTimeMillis();
        try {
            var registryField = KafkaProxy.class.getDeclaredField("endpointRegistry");
            registryField.setAccessible(true);
            var reconciler = (io.kroxylicious.proxy.internal.net.EndpointReconciler) registryField.get(proxy);
            int gateways = 0;
            for (var model : models(proxy)) {
                for (var gateway : model.gateways().values()) {
                    reconciler.reconcile(gateway, nodes).toCompletableFuture().get(2, TimeUnit.SECONDS);
                    gateways++;
                }
            }
            System.out.println("zdp: bound the ports of " + nodes.size() + " broker(s) on " + gateways + " gateway(s) to their brokers " + (System.currentTimeMillis() - started) + " ms after the bind");
        } catch (Exception | LinkageError e) {
            System.out.println("zdp: could not bind the broker ports to their brokers at once (" + e.getClass().getSimpleName() + "); the first Metadata answer does");
        }
    }

    /** the proxy's virtual clusters (Kroxylicious's own model; reached into, as bindBrokerPorts does) */
    static List<io.kroxylicious.proxy.model.VirtualClusterModel> models(KafkaProxy proxy) throws ReflectiveOperationException {
        var modelsField = KafkaProxy.class.getDeclaredField("virtualClusterModels");
        modelsField.setAccessible(true);
        var out = new ArrayList<io.kroxylicious.proxy.model.VirtualClusterModel>();
        for (Object model : (List<?>) modelsField.get(proxy)) out.add((io.kroxylicious.proxy.model.VirtualClusterModel) model);
        return out;
    }

    /**
     * The brokers of the cluster a proxy is configured for, read from the cluster itself (its first
     * bootstrap server that answers a plain Metadata request): what a switch in process binds the
     * next proxy's broker ports to (see bindBrokerPorts). Empty when none answers (a TLS cluster,
     * one down) or the model cannot be read: the first Metadata answer binds them then.
     */
    static Map<Integer, HostPort> brokersOf(KafkaProxy proxy) {
        try {
            var addresses = new ArrayList<String>();
            for (var model : models(proxy)) for (var server : model.targetCluster().bootstrapServersList()) addresses.add(server.host() + ":" + server.port());
            return readBrokers(addresses);
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            // not this Kroxylicious's layout
            return Map.of();
        }
    }

    /** node id -> the broker's address as the cluster advertises it, from upstreamBrokers (what Kroxylicious reconciles a Metadata answer's brokers to) */
    static final Map<Integer, HostPort> upstreamNodes = new ConcurrentHashMap<>();

    /**
     * The brokers of the cluster fronted, from the cluster itself (-Dzdp.upstream): the filter sees a
     * connection by its upstream end, and through the proxy the brokers' addresses are the proxy's
     * own. A standby reads them before its bind too, so that the filter knows from its first
     * connection which nodes the cluster has (see ZdpQuiesce.Conn.restrictedAnswer).
     */
    static void upstreamBrokers() {
        String upstream = System.getProperty("zdp.upstream");
        if (upstream == null) return;
        var nodes = readBrokers(List.of(upstream.split(",")));
        if (nodes.isEmpty()) {
            // the filter then lets every Produce pass unchecked
            System.out.println("zdp: the cluster's brokers did not answer a plain Metadata request: produce requests are not checked against partition leaders");
            return;
        }
        upstreamNodes.putAll(nodes);
        nodes.forEach((id, b) -> {
            ZdpQuiesce.brokerIds.put(b.host() + ":" + b.port(), id);
            try {
                ZdpQuiesce.brokerIds.put(InetAddress.getByName(b.host()).getHostAddress() + ":" + b.port(), id);
            } catch (java.net.UnknownHostException e) {
                // known by its advertised name only
            }
        });
    }

    /** node id -> address as advertised, from the first of `addresses` ("host:port") that answers a plain Metadata request; empty when none does */
    static Map<Integer, HostPort> readBrokers(List<String> addresses) {
        for (String address : addresses) {
            try {
                var nodes = new HashMap<Integer, HostPort>();
                for (var b : metadata(address.trim(), List.of()).brokers()) nodes.put(b.nodeId(), new HostPort(b.host(), b.port()));
                return nodes;
            } catch (Exception e) {
                // the next bootstrap server
            }
        }
        return Map.of();
    }

    /** One Metadata request through the proxy's own bootstrap address (-Dzdp.bootstrap), right after a bind: see reconcile. */
    static void learnBrokers(String bootstrap) {
        if (bootstrap == null || bootstrap.isEmpty()) return;
        long started = System.currentTimeMillis();
        // every topic, in a few milliseconds where a client would take a hundred or more to start:
        // the brokers are learned, and the filter learns every partition's leader from the answer
        // (see Conn.misdirected)
        try {
            metadata(bootstrap, null);
            System.out.println("zdp: learned the brokers' addresses in " + (System.currentTimeMillis() - started) + " ms");
        } catch (Exception e) {
            System.out.println("zdp: could not learn the brokers' addresses up front (" + e.getClass().getSimpleName() + "); the first clients do");
        }
    }

    /** One raw Metadata request (v9, Kafka 2.4+) on a new connection, answered within 3 s. */
    static MetadataResponseData metadata(String address, List<MetadataRequestData.MetadataRequestTopic> topics) throws Exception {
        int colon = address.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))), 3_000);
            socket.setSoTimeout(3_000);
            short version = 9;
            var header = new RequestHeader(ApiKeys.METADATA, version, "zdp-reconcile", 1);
            ByteBuffer body = new MetadataRequest.Builder(new MetadataRequestData()
                    .setTopics(topics).setAllowAutoTopicCreation(false)).build(version).serializeWithHeader(header);
            var out = new DataOutputStream(socket.getOutputStream());
            out.writeInt(body.remaining());
            out.write(body.array(), body.arrayOffset() + body.position(), body.remaining());
            out.flush();
            var in = new DataInputStream(socket.getInputStream());
            byte[] answer = new byte[in.readInt()];
            in.readFully(answer);
            var parsed = (MetadataResponse) AbstractResponse.parseResponse(ByteBuffer.wrap(answer), header);
            return parsed.data();
        }
    }

    /**
     * A standby's first seconds of serving were its slowest: a cold JVM binds, then interprets the
     * proxy's request path while every client reconnects at once (measured: 0.6 s to answer after
     * the release, 0.3 s for a client's first Metadata and FindCoordinator). Before it reports
     * itself loaded, it runs the same proxy on other loopback ports and sends it read-only requests
     * (metadata, offsets, fetches, a group's coordinator and committed offsets): the switch then
     * binds a warm proxy. They go on for -Dzdp.warmupMs after the first answer, however late that
     * comes: on a busy machine the first answer through a cold proxy took 15 s, and a warm-up that
     * counted its time from its start stopped after 4 requests, leaving clients 0.8 s first answers
     * after the switch. Best effort, never past 40 s in all; nothing is written, no group is joined.
     */
    static void warmUp(PluginFactoryRegistry registry, String file, String bootstrap) {
        long started = System.currentTimeMillis();
        int requests = 0;
        try (KafkaProxy warm = build(registry, file)) {
            warm.startup();
            long cap = started + 40_000;
            long deadline = cap;
            Properties props = new Properties();
            props.put("bootstrap.servers", bootstrap);
            props.put("client.id", "zdp-warmup");
            props.put("request.timeout.ms", "5000");
            props.put("default.api.timeout.ms", "5000");
            props.put("key.deserializer", ByteArrayDeserializer.class.getName());
            props.put("value.deserializer", ByteArrayDeserializer.class.getName());
            props.put("enable.auto.commit", "false");
            props.put("fetch.max.wait.ms", "10");
            Properties adminProps = new Properties();
            for (String k : List.of("bootstrap.servers", "client.id", "request.timeout.ms", "default.api.timeout.ms")) adminProps.put(k, props.get(k));
            // no group.id: the consumer only assigns partitions, it never joins or commits; the admin
            // client only reads a group that does not exist (its coordinator, its committed offsets)
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props); Admin admin = Admin.create(adminProps)) {
                String topic = null;
                int listed = 0;
                while (listed < 5 && System.currentTimeMillis() < deadline) {
                    Set<String> names;
                    try {
                        names = consumer.listTopics(Duration.ofSeconds(5)).keySet();
                    } catch (org.apache.kafka.common.errors.TimeoutException cold) {
                        // the first answer through a cold proxy can take longer than one wait (15 s
                        // measured on a busy machine): asked again until the cap, not given up on, or
                        // the standby would serve cold (5 of 67 standbys in benchmark runs did)
                        continue;
                    }
                    listed++;
                    if (requests++ == 0) deadline = Math.min(cap, System.currentTimeMillis() + Long.getLong("zdp.warmupMs", 3_000));
                    for (String name : new TreeSet<>(names)) {
                        if (!name.startsWith("__")) {
                            topic = name;
                            break;
                        }
                    }
                }
                List<TopicPartition> tps = new ArrayList<>();
                if (topic != null) {
                    try {
                        for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(5))) tps.add(new TopicPartition(topic, info.partition()));
                        consumer.assign(tps);
                        consumer.seekToEnd(tps);
                        for (TopicPartition tp : tps) consumer.seek(tp, Math.max(0, consumer.position(tp, Duration.ofSeconds(5)) - 2));
                    } catch (org.apache.kafka.common.errors.TimeoutException slow) {
                        // no fetches then: the group requests below still warm the path
                        consumer.unsubscribe();
                        tps.clear();
                    }
                }
                while (System.currentTimeMillis() < deadline && requests < 2_000) {
                    // records are fetched and dropped: the request path is what is warmed
                    if (!tps.isEmpty()) {
                        consumer.poll(Duration.ofMillis(20));
                        requests++;
                    }
                    if (requests % 10 == 0 || tps.isEmpty()) {
                        answered(admin.listConsumerGroupOffsets("zdp-warmup").partitionsToOffsetAndMetadata());
                        answered(admin.describeConsumerGroups(List.of("zdp-warmup")).all());
                        requests += 2;
                    }
                }
            }
        } catch (Exception e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.out.println("zdp: warm-up stopped early (" + cause.getClass().getSimpleName() + "); the standby serves cold");
        } finally {
            ZdpQuiesce.forgetWarmUp();
        }
        System.out.println("zdp: warmed up the standby with " + requests + " requests in " + (System.currentTimeMillis() - started) + " ms");
    }

    /** Waits up to 5 s for a warm-up request's answer; a refusal (Kafka 4 refuses to describe a group that does not exist) is an answer too, and a slow one is not waited for longer: the path is warmed either way. */
    static void answered(org.apache.kafka.common.KafkaFuture<?> answer) throws Exception {
        try {
            answer.get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException refused) {
            // an answer all the same
        } catch (java.util.concurrent.TimeoutException slow) {
            // still coming: the loop goes on until its deadline
        }
    }

    static KafkaProxy build(PluginFactoryRegistry registry, String file) throws Exception {
        Configuration parsed = parser.parseConfiguration(Files.readString(Path.of(file)));
        Configuration config = filter
                ? new Configuration(parsed.management(), List.of(new NamedFilterDefinition("zdp-quiesce", ZdpQuiesce.TYPE, null)), List.of("zdp-quiesce"),
                        parsed.virtualClusters(), parsed.micrometer(), parsed.useIoUring(), parsed.development())
                : parsed;
        return new KafkaProxy(registry, config, Features.defaultFeatures());
    }

    /**
     * One instance that can front each of several clusters, one at a time. A switch loads the
     * proxy for the other cluster while this one still serves, then closes this one (held requests
     * die unanswered with their connections, and clients send them again) and binds the other on
     * the same addresses, gating the named consumers until they rejoined there.
     */
    static void serveSwitchable(PluginFactoryRegistry registry, Map<String, String> clusters, String current, String bind) throws Exception {
        // null while nothing is bound: a switch that closed the old proxy and could not start the new one
        KafkaProxy proxy = build(registry, clusters.get(current));
        proxy.startup();
        System.out.println("zdp: kroxylicious started in front of " + current + ", listeners bound to " + bind);
        while (true) {
            ZdpQuiesce.SwitchRequest request = ZdpQuiesce.switches.take();
            if (proxy != null && request.cluster().equals(current)) {
                request.done().complete(current);
                continue;
            }
            try {
                KafkaProxy next = build(registry, clusters.get(request.cluster()));
                // read while this proxy still serves: bound to them right after the bind, the new
                // proxy's broker ports take a client's retry at once (see bindBrokerPorts; its learning
                // took 0.5 s on a CI host, and a kafkajs consumer's Fetch then met the learner and crashed it)
                var nextBrokers = brokersOf(next);
                ZdpQuiesce.switching(request.gate(), request.gateMs());
                if (proxy != null) {
                    // nothing a kafkajs consumer waits for is in flight when the proxy closes (see ZdpQuiesce.closing)
                    ZdpQuiesce.closing();
                    ZdpQuiesce.bound = false;
                    proxy.close();
                    proxy = null;
                    ZdpQuiesce.closed();
                }
                current = request.cluster();
                ZdpQuiesce.cluster = current;
                next.startup();
                bindBrokerPorts(next, nextBrokers);
                // the brokers learned before clients come back (see reconcile): an idle kafkajs
                // transactional producer's first request after the switch, a FindCoordinator on a
                // connection Kroxylicious then closed, failed its send ("Failed to find group coordinator")
                learnBrokers(System.getProperty("zdp.bootstrap"));
                proxy = next;
                ZdpQuiesce.bound = true;
                System.out.println("zdp: switched to " + current);
                request.done().complete(current);
            } catch (Exception e) {
                System.out.println("zdp: switch to " + request.cluster() + " failed: " + e + (proxy == null ? " (nothing bound: switch again)" : ""));
                request.done().completeExceptionally(e);
            }
        }
    }

    static ClusterNetworkAddressConfigProvider bindTo(ClusterNetworkAddressConfigProvider p, String bind) {
        // which node each broker port stands for (see ZdpQuiesce.nodeOfPort); a provider that maps
        // no port to a node (SNI) leaves it empty
        try {
            for (int nodeId : p.discoveryAddressMap().keySet()) ZdpQuiesce.nodeOfPort.put(p.getBrokerAddress(nodeId).port(), nodeId);
        } catch (RuntimeException e) {
            // no port tells a node: restricted connections are left to Kroxylicious
        }
        return new ClusterNetworkAddressConfigProvider() {
            public HostPort getClusterBootstrapAddress() { return p.getClusterBootstrapAddress(); }
            public HostPort getBrokerAddress(int nodeId) { return p.getBrokerAddress(nodeId); }
            public HostPort getAdvertisedBrokerAddress(int nodeId) { return p.getAdvertisedBrokerAddress(nodeId); }
            public Integer getBrokerIdFromBrokerAddress(HostPort address) { return p.getBrokerIdFromBrokerAddress(address); }
            public Optional<String> getBindAddress() { return Optional.of(bind); }
            public boolean requiresServerNameIndication() { return p.requiresServerNameIndication(); }
            public Set<Integer> getExclusivePorts() { return p.getExclusivePorts(); }
            public Set<Integer> getSharedPorts() { return p.getSharedPorts(); }
            public Map<Integer, HostPort> discoveryAddressMap() { return p.discoveryAddressMap(); }
        };
    }
}

/**
 * zdp's quiesce filter: one instance per client connection, one shared phase per proxy process.
 *   serve            pass everything
 *   drain-consumers  Fetch is answered with no records after the client's own max wait; commits,
 *                    heartbeats, joins and metadata pass; the last offset delivered to each client
 *                    and partition is kept for the cutover. A consumer that commits on a timer
 *                    (Java's auto-commit, every 5 s) is cut off just before its next commit, and the
 *                    others just before the last of those (with drainOthersWhenTold: without a lead
 *                    for processing, or sooner when the cutover saw those commits): see DrainPlan
 *   hold-producers   also: Produce and transaction requests are held (neither forwarded nor failed);
 *                    the phase is acknowledged once the ones already forwarded were answered
 * Back to serve forwards what was held, in order. A gate (a list of client ids, one entry per
 * group member) answers their Fetch with no records (after 100 ms, so its next heartbeat soon
 * learns it must rejoin) until as many members of that client id joined their groups again through
 * this proxy: a consumer that reconnects after a switch reads from the offsets zdp wrote, not from
 * where it was. Client ids are shared (kafkajs names every client "kafkajs"), so one consumer that
 * rejoined does not open the gate for another that has not.
 * The control endpoint (loopback, bearer token from -Dzdp.control.tokenFile) sets and reports all
 * of this: GET /v1/state, POST /v1/phase {"phase": …, "timeoutMs": …, "drainNotBefore": …, "drainEndsAt": …,
 * "drainOthersWhenTold": …, "holdGroups": …}, GET /v1/drain-plan, POST /v1/drain-plan {"notBefore": …} (a fleet's end, see
 * alignDrain), POST /v1/drain-cut (the consumers that commit after each batch are cut off now, see
 * DrainPlan.othersWhenTold), POST /v1/gate {"clients": […]}, POST /v1/unbind (it listens no more, its connections stay: see ZdpKroxylicious.unbind), POST /v1/closing (the instance stops next, see closing).
 */
class ZdpQuiesce implements FilterFactory<Void, Void> {
    static final String TYPE = "ZdpQuiesce";
    static final ObjectMapper JSON = new ObjectMapper();
    static volatile String phase = "serve";
    /**
     * Set with hold-producers on an instance bound early: in front of the cluster a cutover moves to,
     * before the groups' offsets are written there (POST /v1/phase {"holdGroups": true}). Then the
     * requests that join a group or read or write its offsets (JoinGroup, SyncGroup, OffsetFetch,
     * OffsetCommit, ConsumerGroupHeartbeat) are held with the producers' until serve, so that no
     * consumer joins, reads or commits on that cluster before the cutover wrote its offsets; a gated
     * consumer is still told at once that it must rejoin (its rejoin waits in the hold), and a fetch
     * of any other gets no records after 100 ms. What a client does on reconnecting (its connections,
     * Metadata, FindCoordinator, a kafkajs producer's retry backoff) then happens inside the hold,
     * not after it.
     */
    static volatile boolean holdGroups = false;
    /** group requests held while holdGroups (a part of `held`) */
    static final AtomicLong heldGroupRequests = new AtomicLong();
    static volatile long phaseSince = System.currentTimeMillis();
    /** connection -> "topic\u0000partition" -> last data offset delivered on it */
    static final ConcurrentHashMap<Conn, ConcurrentHashMap<String, Long>> delivered = new ConcurrentHashMap<>();
    /**
     * group -> "topic\u0000partition" -> the offset a commit through this instance set, once the
     * broker answered it without error; kept from a drain's start to the next serve. The drain's
     * checks read it here, in a millisecond, where reading the cluster's committed offsets took
     * 0.2-0.9 s on a loaded host: the consumers' pause waited out such a read after their last commit.
     */
    static final ConcurrentHashMap<String, ConcurrentHashMap<String, Long>> committed = new ConcurrentHashMap<>();
    static final AtomicLong connections = new AtomicLong();
    /** topic id -> name, from Metadata responses (Fetch v13+ names topics by id) */
    static final ConcurrentHashMap<Uuid, String> topicNames = new ConcurrentHashMap<>();
    /** requests forwarded and not answered yet: produce (and transaction) requests, fetches; see live() */
    static final Set<InFlight> inflightProduce = ConcurrentHashMap.newKeySet();
    static final Set<InFlight> inflightFetch = ConcurrentHashMap.newKeySet();
    /**
     * A request held until serve: run sends it then, unless its connection closed (by its client,
     * or by bounceHeld, which takes it out of `held`). `producer`: a Produce or transaction request, not a group request.
     */
    record Held(Runnable send, Conn conn, FilterContext context, CompletableFuture<RequestFilterResult> answer, boolean producer, long at) {
        /** Answered without being sent, on its connection's event loop: dropped, or with its connection closed. */
        void notSent(boolean closeConnection) {
            try {
                conn.executor.execute(() -> answer.complete(closeConnection ? context.requestFilterResultBuilder().withCloseConnection().build() : context.requestFilterResultBuilder().drop().build()));
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                // its connection's event loop is gone with it
            }
        }
    }
    static final ConcurrentLinkedQueue<Held> held = new ConcurrentLinkedQueue<>();
    static final AtomicLong heldCount = new AtomicLong();
    /** held requests never sent because their connection had closed before serve (GET /v1/state `heldDropped`), and the hold's bounces (`holdBounces`, see bounceHeld) */
    static final AtomicLong heldDropped = new AtomicLong(), holdBounces = new AtomicLong();
    static final AtomicLong drainedFetches = new AtomicLong();
    /** "topic\u0000partition" -> its leader's node id, from the Metadata answers that passed through this proxy */
    static final ConcurrentHashMap<String, Integer> leaders = new ConcurrentHashMap<>();
    /** client ids that had a Metadata request answered by this proxy (see Conn.misdirected) */
    static final Set<String> knowsLeaders = ConcurrentHashMap.newKeySet();
    /** Produce requests answered NOT_LEADER_OR_FOLLOWER whole, because one of their partitions is led elsewhere (see Conn.misdirected) */
    static final AtomicLong misdirected = new AtomicLong();
    /** Produce requests refused because a batch of theirs came after a refused one (see Sequences) */
    static final AtomicLong outOfTurn = new AtomicLong();
    /** "host:port" (as advertised, and resolved) of each broker of the cluster fronted -> its node id (see ZdpKroxylicious.reconcile) */
    static final ConcurrentHashMap<String, Integer> brokerIds = new ConcurrentHashMap<>();
    /** the proxy's broker ports -> the node id each stands for (see ZdpKroxylicious.bindTo) */
    static final ConcurrentHashMap<Integer, Integer> nodeOfPort = new ConcurrentHashMap<>();
    /** whether the cluster fronted has this node; null while that is not known (its brokers not read yet, or the port stands for no node) */
    static Boolean clusterHas(int node) {
        if (node < 0 || brokerIds.isEmpty()) return null;
        return brokerIds.containsValue(node);
    }
    /** requests on restricted connections answered by the filter (see Conn.restrictedAnswer) */
    static final AtomicLong restrictedAnswered = new AtomicLong();
    /** the lowest node id of the cluster fronted (-1 while not known): a gated consumer is told to rejoin on its connection to that broker only, so one client with connections to several brokers rejoins once */
    static int lowestBroker() {
        int lowest = -1;
        // the brokers learned at the bind, else (a switchable instance) the leaders clients were told of
        for (int id : brokerIds.isEmpty() ? leaders.values() : brokerIds.values()) if (lowest < 0 || id < lowest) lowest = id;
        return lowest;
    }
    static boolean isLowestBroker(int node) {
        return node >= 0 && node == lowestBroker();
    }
    /** gated fetches answered NOT_LEADER_OR_FOLLOWER (one per connection to the lowest broker) */
    static final AtomicLong nudges = new AtomicLong();
    /**
     * Member ids the cluster this instance fronts gave out through it (JoinGroup answers), since it
     * began fronting that cluster; at most MEMBERS_KEPT, after which none is taken for unknown.
     */
    static final Set<String> givenMembers = ConcurrentHashMap.newKeySet();
    static final int MEMBERS_KEPT = 100_000;
    static volatile boolean givenMembersOverflowed = false;
    /** gated LeaveGroups answered here: the members they named were the old cluster's (see Conn.leavesOtherCluster) */
    static final AtomicLong leavesAnswered = new AtomicLong();
    /** gated JoinGroups sent on with no member id: the id they named was the old cluster's */
    static final AtomicLong memberResets = new AtomicLong();
    /** AddPartitionsToTxn / AddOffsetsToTxn answers CONCURRENT_TRANSACTIONS that the filter asked again for its client (see Conn.askAgain) */
    static final AtomicLong transactionAddsAskedAgain = new AtomicLong();
    /** Java consumers' heartbeats answered COORDINATOR_LOAD_IN_PROGRESS in a drain (see Conn.heartbeatAnsweredBusy) */
    static final AtomicLong heartbeatsAnsweredBusy = new AtomicLong();
    /** the remote end of a filter's channel (the upstream broker): "R:host/ip:port" */
    static final Pattern REMOTE = Pattern.compile("R:(?:[^ /\\]]*/)?([^ \\]]+)");
    /**
     * A client id whose Fetch waits until `members` members using it joined their groups here (each
     * "group\u0000memberId" that completed a SyncGroup counts once), and until when at most.
     */
    static final class Gate {
        final long until;
        final int members;
        final Set<String> joined = ConcurrentHashMap.newKeySet();
        Gate(long until, int members) {
            this.until = until;
            this.members = Math.max(1, members);
        }
    }
    static final ConcurrentHashMap<String, Gate> gate = new ConcurrentHashMap<>();

    /** Gates these client ids (an id named n times waits for n members) until `until` at the latest. */
    static void gate(List<String> clients, long until) {
        var counts = new TreeMap<String, Integer>();
        for (String c : clients) counts.merge(c, 1, Integer::sum);
        counts.forEach((c, n) -> gate.put(c, new Gate(until, n)));
    }
    /** A client-chosen name as a log shows it: printable ASCII only, at most 100 characters (a hostile client id cannot forge or flood a log line). */
    static String printable(String s) {
        if (s == null) return "(none)";
        var b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 100; i++) {
            char c = s.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return s.length() > 100 ? b + "..." : b.toString();
    }
    static final Object lock = new Object();
    /**
     * A standby bound in front of the other cluster (-Dzdp.guardProducers), and an instance after a
     * switch: producers that were switched under it still hold producer ids of the old cluster,
     * where ids are numbered as here. Written on as they are, a batch could match another producer's
     * sequence on this cluster and be taken for a duplicate, acknowledged and never written. See
     * ProducerIds: ids this instance hands out are told apart from old ones, and an old idempotent
     * producer goes on under a fresh id of this cluster, unaware.
     */
    static volatile boolean guardProducers = Boolean.getBoolean("zdp.guardProducers");
    /** a switchable instance: the cluster it fronts now, and those it can switch to (see ZdpKroxylicious.serveSwitchable) */
    static volatile String cluster;
    static volatile List<String> switchable = List.of();
    /** false while a switch has closed one proxy and not bound the next */
    static volatile boolean bound = true;
    record SwitchRequest(String cluster, List<String> gate, long gateMs, CompletableFuture<String> done) {}
    static final BlockingQueue<SwitchRequest> switches = new LinkedBlockingQueue<>();

    /**
     * The instance (or, in a switch in process, its proxy) stops next. A kafkajs consumer whose
     * Fetch is in flight when its connection closes takes that broker for gone (KafkaJSConnectionClosedError:
     * consumerGroup.recoverFromFetch removes it); in a drain or a hold each one waits for its empty
     * answer with a Fetch in flight on every broker, so with all of them gone it crashes ("No broker
     * available", seen for every kafkajs group in fleet benchmark runs), restarts as a new member, and
     * the gate for its client id waits for the last restart. Closing answers every Fetch of a client
     * that names no software, waiting or new, KAFKA_STORAGE_ERROR at once, and closes its connection
     * after the answer: kafkajs takes that for a retriable error (not one of stale metadata), stops
     * its fetchers and fetches again after its retry backoff (0.24-0.36 s) on a new connection to
     * the same address (it keeps every broker: nothing was in flight when the connection closed),
     * where the standby's gate has it rejoin. Left open until the instance went, the connection
     * took that next Fetch when the client's event loop ran late: busy for 0.2 s, it ran its retry
     * timer before it read that the connection had closed, sent the Fetch on it, took the broker
     * for gone, and two of five kafkajs consumers crashed in a fleet benchmark run (the kill came
     * 0.25 s after closing). An older Java client (one that names no software either) refreshes
     * its metadata and fetches again. Until serve, or until a switch in process closed the proxy.
     * Answers how many waiting Fetches it answered.
     */
    static int closing() throws InterruptedException {
        closing = true;
        int n = answerWaiting(w -> Conn.closingAnswer(w.fetch(), w.context()), 1_000);
        fetchesAnsweredClosing.addAndGet(n);
        // the answers are written by the connections' event loops: a moment for them to leave
        Thread.sleep(20);
        System.out.println("zdp: closing: " + n + " waiting Fetch" + (n == 1 ? "" : "es") + " of clients that name no software answered KAFKA_STORAGE_ERROR, each connection closed after its answer, so that none is in flight when the instance goes (at " + System.currentTimeMillis() + ")");
        return n;
    }

    /**
     * Every Fetch waiting for its empty answer (see WaitingFetch) is answered now, on its
     * connection's event loop, with what `answer` makes of it; waits up to `waitMs` for those
     * answers, and says how many were given by then (one already answered is not answered again).
     */
    static int answerWaiting(java.util.function.Function<WaitingFetch, RequestFilterResult> answer, long waitMs) throws InterruptedException {
        var waiters = List.copyOf(waitingFetches);
        var answered = new java.util.concurrent.CountDownLatch(waiters.size());
        var n = new java.util.concurrent.atomic.AtomicInteger();
        for (WaitingFetch w : waiters) {
            try {
                w.conn().executor.execute(() -> {
                    waitingFetches.remove(w);
                    if (w.answer().complete(answer.apply(w))) n.incrementAndGet();
                    answered.countDown();
                });
            } catch (java.util.concurrent.RejectedExecutionException gone) {
                answered.countDown();
            }
        }
        if (waitMs > 0) answered.await(waitMs, TimeUnit.MILLISECONDS);
        return n.get();
    }
    /** After a switch in process closed the old proxy: the waiting Fetches went with its connections, and the new proxy's are answered as usual. */
    static void closed() {
        closing = false;
        waitingFetches.clear();
    }
    /** set by closing, until serve or closed */
    static volatile boolean closing;
    static final short KAFKA_STORAGE_ERROR = 56;
    /** an empty answer a client that names no software waits for (see closing) */
    record WaitingFetch(Conn conn, CompletableFuture<RequestFilterResult> answer, FetchRequestData fetch, FilterContext context) {}
    static final Set<WaitingFetch> waitingFetches = ConcurrentHashMap.newKeySet();
    static final AtomicLong fetchesAnsweredClosing = new AtomicLong();

    /**
     * Before the proxy in front of the other cluster binds: what this instance knew of the old
     * connections goes with them, the consumers named are gated until they rejoined, and producer
     * ids from the old cluster are refused as on a standby.
     */
    static void switching(List<String> clients, long gateMs) {
        gate(ownShare(clients), System.currentTimeMillis() + gateMs);
        guardProducers = true;
        Transactions.switching();
        ProducerIds.reset();
        givenMembers.clear();
        membersSeen.clear();
        givenMembersOverflowed = false;
        // the old cluster's leaders and brokers; every client asks for the new cluster's
        knowsLeaders.clear();
        leaders.clear();
        brokerIds.clear();
        delivered.clear();
        committed.clear();
        inflightProduce.clear();
        inflightFetch.clear();
        held.clear();
        heldCount.set(0);
        refusals.clear();
    }

    /**
     * Producer ids on a guarded instance. Every id this instance hands out (InitProducerId) reaches
     * the client as a virtual id, VIRTUAL | salt << 40 | id, the salt drawn anew for each cluster
     * this instance fronts; requests carry it back and are given the real id. Any other id came
     * from the old cluster:
     *  - an idempotent producer's batches go on under a fresh id this instance asks the cluster for
     *    (its first batch on a partition may start at any sequence, as for any new producer id;
     *    epochs keep their distance from the first one seen), so a Java producer, which only bumps
     *    its epoch after UNKNOWN_PRODUCER_ID and never asks for a new id, is not stalled, and a
     *    kafkajs one sees no error;
     *  - a transactional producer's requests are refused (UNKNOWN_PRODUCER_ID for its batches, an
     *    id no coordinator knows for the others): its transaction began on the old cluster, it must
     *    abort it and initialise again here, as after any fencing.
     */
    static final class ProducerIds {
        static final long VIRTUAL = 1L << 62;
        static final long REAL_BITS = (1L << 40) - 1;
        static volatile long salt = newSalt();
        /** virtual id -> real id, for the ids handed out here */
        static final ConcurrentHashMap<Long, Long> handedOut = new ConcurrentHashMap<>();
        /** an old idempotent producer's id -> {fresh id, its epoch, the first epoch the producer used} */
        static final ConcurrentHashMap<Long, long[]> fresh = new ConcurrentHashMap<>();

        static long newSalt() {
            return 1 + ThreadLocalRandom.current().nextLong((1L << 22) - 1);
        }

        static void reset() {
            salt = newSalt();
            handedOut.clear();
            fresh.clear();
        }

        /** the id a client is handed for a real id of this cluster */
        static long virtual(long real) {
            if (real < 0) return real;
            long v = real <= REAL_BITS ? VIRTUAL | (salt << 40) | real : real;
            handedOut.put(v, real);
            return v;
        }

        /** the real id of an id handed out here; -1 for any other (no coordinator knows it) */
        static long real(long id) {
            if (id < 0) return id;
            Long r = handedOut.get(id);
            return r == null ? -1 : r;
        }

        /**
         * A fresh id for an old idempotent producer: the one taken already, else asked for on this
         * connection (its broker; one still loading its id block answers COORDINATOR_LOAD_IN_PROGRESS:
         * asked again). Every connection asks for itself: on a bootstrap connection of a fresh
         * proxy Kroxylicious's EagerMetadataLearner takes the first request for its own and closes
         * the connection, and a request a filter sent is then never answered (kroxylicious#2584).
         * The first id taken is the one every connection writes with. Null when there is none within
         * 5 s: the batches are then answered UNKNOWN_PRODUCER_ID.
         */
        static CompletableFuture<long[]> freshFor(long old, short firstEpoch, FilterContext context, ScheduledExecutorService executor, Map<Long, CompletableFuture<long[]>> asking) {
            var taken = fresh.get(old);
            if (taken != null) return CompletableFuture.completedFuture(taken);
            var known = asking.get(old);
            if (known != null) return known;
            var mine = new CompletableFuture<long[]>();
            asking.put(old, mine);
            mine.completeOnTimeout(null, 5, TimeUnit.SECONDS).whenComplete((m, e) -> asking.remove(old, mine));
            ask(old, firstEpoch, context, executor, mine, 0);
            return mine;
        }

        static void ask(long old, short firstEpoch, FilterContext context, ScheduledExecutorService executor, CompletableFuture<long[]> mine, int attempt) {
            if (mine.isDone()) return;
            var header = new RequestHeaderData().setRequestApiKey(ApiKeys.INIT_PRODUCER_ID.id).setRequestApiVersion((short) 3).setClientId("zdp-gateway");
            var init = new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(60_000).setProducerId(-1L).setProducerEpoch((short) -1);
            context.<InitProducerIdResponseData>sendRequest(header, init).whenComplete((r, e) -> {
                short code = e == null ? r.errorCode() : -1;
                if (code == 0) {
                    long[] got = { r.producerId(), r.producerEpoch(), firstEpoch };
                    long[] won = fresh.putIfAbsent(old, got);
                    if (won == null) System.err.println("zdp: an idempotent producer of the old cluster (producer id " + old + ") writes here as producer id " + r.producerId());
                    mine.complete(won != null ? won : got);
                } else if ((code == 14 || code == 15 || code == 7) && attempt < 40) {
                    // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, REQUEST_TIMED_OUT
                    executor.schedule(() -> ask(old, firstEpoch, context, executor, mine, attempt + 1), 100, TimeUnit.MILLISECONDS);
                } else if (!mine.isDone()) {
                    System.err.println("zdp: no producer id here for an idempotent producer of the old cluster (producer id " + old + "): " + (e != null ? e : "error code " + code) + "; it is answered UNKNOWN_PRODUCER_ID");
                    mine.complete(null);
                }
            });
        }

        /** {producer id, epoch} a batch is written with here, or null to leave it as it is */
        static long[] writeAs(RecordBatch batch) {
            long[] to = sentAs(batch.producerId(), batch.producerEpoch());
            // no id (no idempotence), one written as it is, or an old one without a fresh id here: left as it is
            return to[0] < 0 || (to[0] == batch.producerId() && to[1] == batch.producerEpoch()) ? null : to;
        }

        /**
         * A Produce made ready for this cluster: null once rewritten in place (or nothing to do),
         * else a stage that completes with 0 once it was, or with the error code to answer.
         */
        static CompletionStage<Short> produce(ProduceRequestData produce, FilterContext context, ScheduledExecutorService executor, Map<Long, CompletableFuture<long[]>> asking) {
            // one fresh id per old producer, however many of its batches the request carries
            var waits = new HashMap<Long, CompletableFuture<long[]>>();
            for (var td : produce.topicData()) {
                for (var pd : td.partitionData()) {
                    if (!(pd.records() instanceof MemoryRecords records)) continue;
                    for (var batch : records.batches()) {
                        long id = batch.producerId();
                        // an id handed out here, or an old producer's that has its fresh one (a transactional
                        // one carried over at a switch: see Transactions): written as it is, rewritten below
                        if (id < 0 || handedOut.containsKey(id) || fresh.containsKey(id)) continue;
                        if (batch.isTransactional()) return CompletableFuture.completedFuture((short) 59);
                        waits.computeIfAbsent(id, old -> freshFor(old, batch.producerEpoch(), context, executor, asking));
                    }
                }
            }
            if (waits.isEmpty()) {
                rewrite(produce);
                return null;
            }
            return CompletableFuture.allOf(waits.values().toArray(CompletableFuture[]::new)).thenApply(v -> {
                // no fresh id to be had: the client is told, as before, and asks for one itself
                if (waits.values().stream().anyMatch(w -> w.join() == null)) return (short) 59;
                rewrite(produce);
                return (short) 0;
            });
        }

        static void rewrite(ProduceRequestData produce) {
            for (var td : produce.topicData()) {
                for (var pd : td.partitionData()) {
                    if (pd.records() instanceof MemoryRecords records) pd.setRecords(rewrite(records));
                }
            }
        }

        /** The batches with the producer id and epoch they are written with here, their CRC computed again. */
        static MemoryRecords rewrite(MemoryRecords records) {
            ByteBuffer copy = null;
            int at = 0;
            for (var batch : records.batches()) {
                int size = batch.sizeInBytes();
                long[] to = batch.magic() >= RecordBatch.MAGIC_VALUE_V2 ? writeAs(batch) : null;
                if (to != null) {
                    if (copy == null) {
                        var source = records.buffer();
                        copy = ByteBuffer.allocate(source.remaining());
                        copy.put(source);
                        copy.flip();
                    }
                    // DefaultRecordBatch: crc at 17 covers attributes (21) to the end; producer id at 43, epoch at 51
                    copy.putLong(at + 43, to[0]);
                    copy.putShort(at + 51, (short) to[1]);
                    copy.putInt(at + 17, (int) Crc32C.compute(copy, at + 21, size - 21));
                }
                at += size;
            }
            return copy == null ? records : MemoryRecords.readableRecords(copy);
        }

        /**
         * Transaction requests carry real ids here: an id handed out here its real one, a producer
         * carried over from the old cluster (Transactions) its fresh one, its epochs at the same
         * distance from the first; any other id becomes one no coordinator knows.
         */
        static void transaction(ApiMessage request) {
            if (request instanceof InitProducerIdRequestData r && r.producerId() >= 0) {
                long real = real(r.producerId());
                // an id of the old cluster: initialised afresh here (the coordinator fences any other)
                r.setProducerId(real);
                if (real < 0) r.setProducerEpoch((short) -1);
            } else if (request instanceof AddPartitionsToTxnRequestData r) {
                if (r.v3AndBelowProducerId() >= 0) {
                    long[] to = sentAs(r.v3AndBelowProducerId(), r.v3AndBelowProducerEpoch());
                    r.setV3AndBelowProducerId(to[0]).setV3AndBelowProducerEpoch((short) to[1]);
                }
                for (var t : r.transactions()) {
                    long[] to = sentAs(t.producerId(), t.producerEpoch());
                    t.setProducerId(to[0]).setProducerEpoch((short) to[1]);
                }
            } else if (request instanceof AddOffsetsToTxnRequestData r) {
                long[] to = sentAs(r.producerId(), r.producerEpoch());
                r.setProducerId(to[0]).setProducerEpoch((short) to[1]);
            } else if (request instanceof EndTxnRequestData r) {
                long[] to = sentAs(r.producerId(), r.producerEpoch());
                r.setProducerId(to[0]).setProducerEpoch((short) to[1]);
            } else if (request instanceof TxnOffsetCommitRequestData r) {
                long[] to = sentAs(r.producerId(), r.producerEpoch());
                r.setProducerId(to[0]).setProducerEpoch((short) to[1]);
            }
        }

        /**
         * An EndTxn answer of transaction version 2 (Kafka 4 clients and brokers) names the id and
         * epoch the producer goes on with, which the client adopts: the id it can be told apart by
         * (virtual), or, for an old producer that goes on under a fresh id, its own with the epoch
         * at the same distance. Answered with the real id, a Java producer carried over at a switch
         * wrote its next transaction under an id no instance maps, was refused, and stalled.
         */
        static void answered(EndTxnRequestData asSent, EndTxnResponseData answer) {
            if (answer.producerId() < 0) return;
            long[] m = fresh.get(asSent.producerId());
            if (m != null && m[0] == answer.producerId()) {
                answer.setProducerId(asSent.producerId()).setProducerEpoch((short) epochAt(m[2], answer.producerEpoch() - m[1]));
            } else {
                answer.setProducerId(virtual(answer.producerId()));
            }
        }

        /** an epoch `distance` from `first` (a fresh id's epochs keep their distance from the old id's first one, and back), within an epoch's range */
        static long epochAt(long first, long distance) {
            return Math.max(0, Math.min(Short.MAX_VALUE, first + distance));
        }

        /** {id, epoch} a transaction request of this producer is sent with here (see transaction) */
        static long[] sentAs(long id, short epoch) {
            if (id < 0) return new long[] { id, epoch };
            Long r = handedOut.get(id);
            if (r != null) return new long[] { r, epoch };
            long[] m = fresh.get(id);
            if (m != null) return new long[] { m[0], epochAt(m[1], epoch - m[2]) };
            return new long[] { -1, epoch };
        }
    }

    /**
     * Transactions across a switch. A transactional producer's transaction cannot go on at the
     * other cluster: what it wrote is on the old one, and its coordinator is there. So the hold
     * lets a transaction that is open when it begins finish (its requests are forwarded, for at most
     * TXN_FINISH_MS, and the hold is in force once it ended) rather than cut it, and holds the next
     * one from its start. The switch gives the standby the producers whose transactions had all
     * ended with producers held (ended, GET /v1/state `transactionsEnded`); the first request of
     * such a producer's next transaction there (AddPartitionsToTxn or AddOffsetsToTxn, with the id
     * and epoch it last ended a transaction with) has the standby initialise its transactional id
     * on this cluster, and the producer goes on under that id (ProducerIds.fresh), unaware. Cut, a
     * kafkajs producer's transaction failed at the switch and the application had to abort and
     * start a new producer: about 1 s of its pause in fleet benchmark runs, and an error a Java
     * application sees too. A transaction still open when the window ends is held and refused on
     * the other cluster, as before; a producer not named is refused there, as before. A transaction
     * that begins with a Produce (transaction version 2, Kafka 4 clients and brokers) is not carried.
     */
    static final class Transactions {
        /** a transactional producer as this instance forwarded it: the id and epoch its client sends, its timeout, whether a transaction of it is open, when last forwarded or answered */
        record Txn(long producerId, short epoch, int timeoutMs, boolean open, long at) {}
        /** transactional id -> its producer as forwarded here */
        static final ConcurrentHashMap<String, Txn> seen = new ConcurrentHashMap<>();
        /** transactional id -> the timeout its producer initialised with here */
        static final ConcurrentHashMap<String, Integer> timeouts = new ConcurrentHashMap<>();
        /** given at a switch: producers whose transactions had all ended on the old cluster */
        static final ConcurrentHashMap<String, Txn> carried = new ConcurrentHashMap<>();
        /** transactional id -> its initialisation here, while under way */
        static final ConcurrentHashMap<String, CompletableFuture<Short>> carrying = new ConcurrentHashMap<>();
        static final AtomicLong carriedOver = new AtomicLong(), finishedInHold = new AtomicLong(), pruned = new AtomicLong();

        static void opened(String txId, long now) {
            if (txId == null) return;
            seen.compute(txId, (k, t) -> t == null ? new Txn(-1, (short) -1, 0, true, now) : new Txn(t.producerId, t.epoch, t.timeoutMs, true, now));
            // producers come and go (a Kafka Streams application has one per task): the ones not heard of for ten minutes are forgotten
            if (pruneDue(pruned, seen.size(), now)) {
                seen.values().removeIf(t -> now - t.at > 600_000);
                timeouts.keySet().retainAll(seen.keySet());
            }
        }

        /** an InitProducerId answered: its producer has no transaction open, and will send with this id (as its client got it) and epoch */
        static void initialised(String txId, long producerId, short epoch, long now) {
            if (txId == null || producerId < 0) return;
            seen.put(txId, new Txn(producerId, epoch, timeouts.getOrDefault(txId, 60_000), false, now));
        }

        /**
         * an EndTxn answered: `asSent` as its client sent it (its ids before ProducerIds rewrote
         * them); the answer names the id and epoch the producer goes on with under transaction
         * version 2 (each transaction ends with a new epoch), as its client reads them
         */
        static void endTxnAnswered(EndTxnRequestData asSent, EndTxnResponseData answer, long now) {
            String txId = asSent.transactionalId();
            if (txId == null) return;
            if (answer.errorCode() != 0) {
                // committed, aborted or neither: not known here, so not carried
                seen.computeIfPresent(txId, (k, t) -> new Txn(t.producerId, t.epoch, t.timeoutMs, true, now));
                return;
            }
            boolean next = answer.producerId() >= 0 && answer.producerEpoch() >= 0;
            Txn before = seen.put(txId, new Txn(next ? answer.producerId() : asSent.producerId(), next ? answer.producerEpoch() : asSent.producerEpoch(), timeouts.getOrDefault(txId, 60_000), false, now));
            if (before != null && holding() && waitedFor(before)) {
                finishedInHold.incrementAndGet();
                System.out.println("zdp: hold: a transaction of " + printable(txId) + " open when producers were held ended " + (now - phaseSince) + " ms after the hold began (at " + now + ")");
            }
        }

        /** a transaction the current hold lets end: open, and forwarded to or answered within TXN_ACTIVE_MS before the hold began, or since */
        static boolean waitedFor(Txn t) {
            return t.open && t.at >= phaseSince - TXN_ACTIVE_MS;
        }

        /** a request of a transaction open when the hold began, to be forwarded: within TXN_FINISH_MS, before the hold is in force (under the lock) */
        static boolean follows(String txId, long now) {
            if (txId == null || holdInForce || now - phaseSince > TXN_FINISH_MS) return false;
            Txn t = seen.get(txId);
            return t != null && waitedFor(t);
        }

        /** transactions open and active when the hold began that are open still: the hold cut them */
        static long cut() {
            return seen.values().stream().filter(Transactions::waitedFor).count();
        }

        /** whether the hold still lets a transaction finish (see follows) */
        static boolean finishing(long now) {
            if (now - phaseSince > TXN_FINISH_MS) return false;
            return seen.values().stream().anyMatch(Transactions::waitedFor);
        }

        /** producers whose transactions all ended, with producers held: none unless the hold is in force (a producer not held could begin one more at the old cluster) */
        static TreeMap<String, Txn> ended() {
            var out = new TreeMap<String, Txn>();
            if (!holding() || !holdInForce) return out;
            long now = System.currentTimeMillis();
            seen.forEach((txId, t) -> {
                if (!t.open && t.producerId >= 0 && now - t.at <= 600_000) out.put(txId, t);
            });
            return out;
        }

        /** ended() as GET /v1/state gives it: the id as a string (ids handed out here are above 2^53, where JSON numbers read as doubles lose digits) */
        static List<Map<String, Object>> endedRows() {
            var rows = new ArrayList<Map<String, Object>>();
            ended().forEach((txId, t) -> rows.add(Map.of("transactionalId", txId, "producerId", Long.toString(t.producerId), "producerEpoch", (int) t.epoch, "timeoutMs", t.timeoutMs)));
            return rows;
        }

        /** the producers a switch carries over, from the old instance's `transactionsEnded` (POST /v1/gate) */
        static void carry(com.fasterxml.jackson.databind.JsonNode rows) {
            var given = new TreeMap<String, Txn>();
            rows.forEach(n -> {
                String txId = n.path("transactionalId").asText(null);
                long id = n.path("producerId").asLong(-1);
                if (txId != null && id >= 0) given.put(txId, new Txn(id, (short) n.path("producerEpoch").asInt(-1), n.path("timeoutMs").asInt(60_000), false, System.currentTimeMillis()));
            });
            carry(given);
        }

        static void carry(Map<String, Txn> given) {
            carried.putAll(given);
            if (!given.isEmpty()) System.out.println("zdp: " + given.size() + " transactional producer" + (given.size() == 1 ? "" : "s") + " of the old cluster begin their next transaction here");
        }

        /** A switch in process: this instance's own ended producers carried over, everything else of the old cluster forgotten. */
        static void switching() {
            var own = ended();
            seen.clear();
            carrying.clear();
            carried.clear();
            carry(own);
        }

        /**
         * Whether a client's producer may be carried over: one that names no software in
         * ApiVersions (kafkajs), the only kind tested. A Java producer is not: carried over in a
         * test (kafka-clients 3.9, transaction version 1 on both clusters), its transactions
         * committed on the new cluster but a read_committed kafkajs reader saw none of them there,
         * which is not understood yet; it is cut instead, as before.
         */
        static boolean mayCarry(String software) {
            return software.isEmpty();
        }

        /**
         * The first request of a carried producer's next transaction: its transactional id
         * initialised here, on this connection (the client sends it to the coordinator it found;
         * another broker answers NOT_COORDINATOR, which goes to the client, and it asks again).
         * Null when there is nothing to do; else a stage with 0 once the producer has its id here,
         * or the error code to answer.
         */
        static CompletionStage<Short> begin(ApiMessage request, FilterContext context, ScheduledExecutorService executor) {
            String txId;
            long id;
            short epoch;
            if (request instanceof AddPartitionsToTxnRequestData r && r.transactions().isEmpty()) {
                txId = r.v3AndBelowTransactionalId();
                id = r.v3AndBelowProducerId();
                epoch = r.v3AndBelowProducerEpoch();
            } else if (request instanceof AddOffsetsToTxnRequestData r) {
                txId = r.transactionalId();
                id = r.producerId();
                epoch = r.producerEpoch();
            } else {
                return null;
            }
            if (txId == null || id < 0 || ProducerIds.handedOut.containsKey(id) || ProducerIds.fresh.containsKey(id)) return null;
            Txn t = carried.get(txId);
            if (t == null || t.producerId != id || t.epoch != epoch) return null;
            var mine = new CompletableFuture<Short>();
            var known = carrying.putIfAbsent(txId, mine);
            if (known != null) return known;
            var header = new RequestHeaderData().setRequestApiKey(ApiKeys.INIT_PRODUCER_ID.id).setRequestApiVersion((short) 3).setClientId("zdp-gateway");
            var init = new InitProducerIdRequestData().setTransactionalId(txId).setTransactionTimeoutMs(t.timeoutMs).setProducerId(-1L).setProducerEpoch((short) -1);
            long started = System.currentTimeMillis();
            context.<InitProducerIdResponseData>sendRequest(header, init).whenComplete((r, e) -> {
                short code = e != null ? 15 : r.errorCode();
                if (code == 0) {
                    ProducerIds.fresh.put(id, new long[] { r.producerId(), r.producerEpoch(), epoch });
                    carried.remove(txId, t);
                    carriedOver.incrementAndGet();
                    System.out.println("zdp: the transactional producer " + printable(txId) + " of the old cluster (producer id " + id + ") goes on here as producer id " + r.producerId() + ", its transaction id initialised in " + (System.currentTimeMillis() - started) + " ms (at " + System.currentTimeMillis() + ")");
                }
                // COORDINATOR_NOT_AVAILABLE for a request that got no answer: the client asks again
                carrying.remove(txId, mine);
                mine.complete(code);
            });
            return mine;
        }

        /** the answer a begin that failed gives the request: its error on every partition */
        static ApiMessage refusal(ApiMessage request, short code) {
            if (request instanceof AddOffsetsToTxnRequestData) return new AddOffsetsToTxnResponseData().setErrorCode(code);
            var response = new AddPartitionsToTxnResponseData();
            for (var topic : ((AddPartitionsToTxnRequestData) request).v3AndBelowTopics()) {
                var result = new AddPartitionsToTxnResponseData.AddPartitionsToTxnTopicResult().setName(topic.name());
                for (int p : topic.partitions()) result.resultsByPartition().add(new AddPartitionsToTxnResponseData.AddPartitionsToTxnPartitionResult().setPartitionIndex(p).setPartitionErrorCode(code));
                response.resultsByTopicV3AndBelow().add(result);
            }
            return response;
        }
    }

    /**
     * Idempotent batches this proxy refused, so that none after them is written first. A broker
     * takes the first batch of a producer id it has no state for at any sequence: a fresh id here
     * (ProducerIds), and a new producer's first batches. If a request is refused here (misdirected,
     * no fresh id) while the client's next request for the same partition is already on its way,
     * that one would be written first; the refused batch, sent again, is then OUT_OF_ORDER_SEQUENCE
     * for good and the producer stalls: a Java producer (idempotent by default) kept 94 sends
     * unacknowledged until it was closed, in one CI run of the cutover test. So a batch that comes
     * after a refused one of its producer, epoch and partition is refused too (NOT_LEADER_OR_FOLLOWER,
     * retriable: the client sends again in sequence order) until the refused one comes again.
     */
    static final class Sequences {
        /** "producerId\u0000topic\u0000partition" -> the lowest batch refused and not sent again */
        static final ConcurrentHashMap<String, Refused> refused = new ConcurrentHashMap<>();
        /** a client that gave its refused batch up (and did not bump its epoch) is not refused for ever */
        static final long FORGET_MS = 60_000;

        record Refused(int epoch, int sequence, long at) {}

        record Batch(String key, int epoch, int sequence) {}

        /** its batches (of), read only while some refused batch waits to come again (the check that needs them); null otherwise */
        static List<Batch> ifWaiting(ProduceRequestData produce) {
            return refused.isEmpty() ? null : of(produce);
        }

        /** the idempotent batches of a Produce, as the client numbered them */
        static List<Batch> of(ProduceRequestData produce) {
            List<Batch> out = null;
            for (var td : produce.topicData()) {
                for (var pd : td.partitionData()) {
                    if (!(pd.records() instanceof MemoryRecords records)) continue;
                    for (var batch : records.batches()) {
                        if (batch.magic() < RecordBatch.MAGIC_VALUE_V2 || batch.producerId() < 0 || batch.baseSequence() < 0) continue;
                        if (out == null) out = new ArrayList<>();
                        out.add(new Batch(batch.producerId() + "\u0000" + td.name() + "\u0000" + pd.index(), batch.producerEpoch(), batch.baseSequence()));
                    }
                }
            }
            return out == null ? List.of() : out;
        }

        /** refusals written to the log (the first few tell what happened; a stalled producer would repeat them) */
        static final AtomicLong logged = new AtomicLong();

        /** whether a batch of the request comes after a refused one that has not come again */
        static boolean outOfTurn(List<Batch> batches) {
            if (batches == null || refused.isEmpty()) return false;
            long now = System.currentTimeMillis();
            for (var b : batches) {
                var r = refused.get(b.key);
                if (r == null) continue;
                if (r.epoch != b.epoch || now - r.at > FORGET_MS) {
                    if (r.epoch == b.epoch) System.err.println("zdp: a refused batch (" + b.key.replace('\u0000', ' ') + ", sequence " + r.sequence + ") did not come again within " + FORGET_MS + " ms; later ones are written");
                    refused.remove(b.key, r);
                } else if (b.sequence > r.sequence) {
                    if (logged.incrementAndGet() <= 20) System.err.println("zdp: refused a batch out of turn (" + b.key.replace('\u0000', ' ') + ", epoch " + b.epoch + ", sequence " + b.sequence + "): sequence " + r.sequence + " was refused and has not come again");
                    return true;
                }
            }
            return false;
        }

        static void refused(List<Batch> batches) {
            long now = System.currentTimeMillis();
            for (var b : batches) {
                refused.merge(b.key, new Refused(b.epoch, b.sequence, now), (was, is) -> was.epoch == is.epoch && was.sequence <= is.sequence ? was : is);
            }
        }

        /** the request goes on: a refused batch it carries again is no longer missing */
        static void sent(List<Batch> batches) {
            if (refused.isEmpty()) return;
            for (var b : batches) {
                var r = refused.get(b.key);
                if (r != null && (r.epoch != b.epoch || b.sequence <= r.sequence)) refused.remove(b.key, r);
            }
        }
    }

    /** what the warm-up's own requests left behind (ZdpKroxylicious.warmUp): nothing of it is a client's */
    static void forgetWarmUp() {
        delivered.clear();
        inflightProduce.clear();
        inflightFetch.clear();
        drainedFetches.set(0);
    }

    /**
     * The hold begins softly: a Produce from a client that had one forwarded just before the hold
     * began, arriving within this long after it, is forwarded too (only a producer whose sends are
     * not followed, see Conn.sameSendAsForwarded; the others' by siblingOfSend). A kafkajs send() goes out as one
     * request per broker at once; if the hold fell between them, the client keeps the answers of the
     * requests that went through and, retrying after the switch with the new cluster's leaders,
     * skips every partition whose new leader is a broker that had answered — those records are
     * acknowledged and never written (tulios/kafkajs#1303, #1798). Seen once in a fleet test.
     */
    static final long SOFT_HOLD_MS = Math.max(0, Long.getLong("zdp.softHoldMs", 25));
    /**
     * How long a request is held at most before its connection is closed (bounceHeld). A client
     * gives up on a request unanswered for its request timeout (kafkajs and the Java client: 30 s by
     * default, often set lower), and a request it gave up on must never be written: it sends the
     * records again. A kafkajs producer keeps the connection after a timeout, so the request held
     * here would be sent at serve as well; and a kafkajs transactional producer's send whose one
     * request timed out went on, at serve, on its other brokers beside its own retry: a fleet test
     * whose cutover was killed and resumed held a producer's requests 10.4 s on the target (its
     * request timeout 10 s), and three records of one transaction were written twice there. A hold
     * lasts 1-2 s in a cutover; this bound is for a cutover that stopped in it and was resumed
     * later. -Dzdp.holdBounceMs sets it (for clients whose request timeout is below 5 s).
     */
    static final long HOLD_BOUNCE_MS = Long.getLong("zdp.holdBounceMs", 5_000);
    /** how many Produce requests of each hold are logged (Conn.traceHold) */
    static final int HOLD_TRACED = 200;
    static final AtomicInteger holdTraced = new AtomicInteger();
    /**
     * A send's requests to the other brokers can reach this proxy well after its first: kafkajs's
     * idempotent producer takes a per-broker lock before each, and on a loaded host a connection's
     * request waits its turn here. Seen in the fleet benchmark (3 source and 2 target brokers, two
     * instances): one send's first request forwarded before the hold, its siblings more than
     * SOFT_HOLD_MS after it began, held, and at the switch 11 and 27 acknowledged records lost.
     * So a send is followed by its producer: a Produce on a connection the producer's current send
     * has not used yet, within this long of that send's first request, is taken for one of its
     * siblings and forwarded during the hold too; one on a connection the send already used is the
     * next send, and is held. A producer's sends are as wide as the widest one seen (its fan-out:
     * kafkajs sends to every broker that leads one of the partitions), so a send begun before the
     * hold is waited for until it is that wide, or this long after its first request. The hold is
     * in force once no send is waited for. 200 ms was not enough in a fleet run: a request 96 ms
     * late was forwarded, one of the same send later still was held, and 23 records were lost.
     */
    static final long SEND_SPREAD_MS = Math.max(0, Math.min(2_000, Long.getLong("zdp.sendSpreadMs", 600)));
    /**
     * A send is also told from the next by its records' timestamps, which the client writes as it
     * builds each request (kafkajs: the time it encodes it; Java: each record's send()). The
     * requests of one send are built together; the next send is built only once the client had
     * the answers to this one, so its records are younger than this send's first request by at
     * least that request's round trip here. Without this, a producer that sends more often than
     * SEND_SPREAD_MS (a kafkajs producer every 0.45 s in a CI run) had its sends grouped out of
     * step once one request came late: the next send's first request was taken for the rest of
     * the last, forwarded during the hold, its siblings held, and at the switch 9 acknowledged
     * records were written on neither cluster. Two requests are of different sends when the
     * later one's records are younger by that round trip, and by at least this long (a client
     * busy while it builds one send's requests).
     */
    static final long SEND_STAMP_GAP_MS = Math.max(0, Math.min(1_000, Long.getLong("zdp.sendStampGapMs", 25)));
    /** One send of a producer as seen here: when its first request was forwarded, on which connections, its records' time and that request's round trip */
    static final class Send {
        final long start;
        /** the newest record timestamp of its first request (client clock), -1 when it carries none */
        final long stamp;
        /** how long its first request answered here took to be answered, -1 until one was */
        volatile long answeredIn = -1;
        final Set<Long> connections = ConcurrentHashMap.newKeySet();
        Send(long start, long connection, long stamp) {
            this.start = start;
            this.stamp = stamp;
            connections.add(connection);
        }
        /** whether a request whose records have this timestamp was built after the client had an answer to this send (see SEND_STAMP_GAP_MS) */
        boolean before(long otherStamp) {
            long rtt = answeredIn;
            return rtt >= 0 && stamp >= 0 && otherStamp >= 0 && otherStamp - stamp >= Math.max(rtt, SEND_STAMP_GAP_MS);
        }
    }

    /** the newest record timestamp in a Produce's batches (the client's clock), -1 when none carries one */
    static long stamp(ProduceRequestData produce) {
        long newest = -1;
        for (var td : produce.topicData()) {
            for (var pd : td.partitionData()) {
                if (pd.records() instanceof MemoryRecords records) {
                    for (var batch : records.batches()) newest = Math.max(newest, batch.maxTimestamp());
                }
            }
        }
        return newest;
    }
    /** producer (its producer id, else its client id) -> its latest send forwarded */
    static final ConcurrentHashMap<String, Send> sends = new ConcurrentHashMap<>();
    /**
     * producer -> the most connections one of its sends went out on. A send narrower than that may
     * still get a sibling; a producer of a one-broker cluster (fan-out 1) costs the hold nothing.
     */
    static final ConcurrentHashMap<String, Integer> fanOut = new ConcurrentHashMap<>();

    /** a send begun before the hold (or in its soft start) that may still get a sibling: narrower than its producer's fan-out, and within SEND_SPREAD_MS */
    static boolean awaited(String producer, Send send, long now) {
        return send.start <= phaseSince + SOFT_HOLD_MS && now - send.start <= SEND_SPREAD_MS && send.connections.size() < fanOut.getOrDefault(producer, 1);
    }
    /** set, under the lock, when the hold is in force: from then on nothing more is forwarded until the release */
    static volatile boolean holdInForce = false;
    /** Produce requests forwarded during a hold as siblings of a send begun before it (each logged with its lag) */
    static final AtomicLong siblingsForwarded = new AtomicLong();
    /** when the map of consumers' commits, and that of producers' sends, was last pruned: each at most once a minute, not per request */
    static final AtomicLong commitsPruned = new AtomicLong(), sendsPruned = new AtomicLong();

    /**
     * The group members whose consumers speak through this instance ("group\u0000memberId" -> its
     * client id, when last seen: a heartbeat, commit or SyncGroup). A fleet's cutover gates each
     * standby for the members of its own instance only: gated for the whole fleet's, an instance whose
     * share of a shared client id ("kafkajs") had all rejoined kept it gated until its time ran out (30 s).
     */
    record MemberSeen(String clientId, long at) {}
    static final ConcurrentHashMap<String, MemberSeen> membersSeen = new ConcurrentHashMap<>();
    static final AtomicLong membersPruned = new AtomicLong();
    /** a member not seen for this long is not counted (every live one heartbeats every 3 s, or commits) */
    static final long MEMBER_SEEN_MS = 30_000;

    /** How many members seen here lately there are of each key that `key` gives ("group\u0000memberId", client id), sorted by key. */
    static TreeMap<String, Integer> countLately(java.util.function.BiFunction<String, MemberSeen, String> key) {
        long now = System.currentTimeMillis();
        var counts = new TreeMap<String, Integer>();
        membersSeen.forEach((k, m) -> {
            if (now - m.at() <= MEMBER_SEEN_MS) counts.merge(key.apply(k, m), 1, Integer::sum);
        });
        return counts;
    }

    /** [group, client id, members] of the members seen here lately, sorted (GET /v1/state `members`) */
    static List<List<Object>> membersLately() {
        var out = new ArrayList<List<Object>>();
        countLately((k, m) -> k.substring(0, k.indexOf('\u0000')) + "\u0000" + m.clientId()).forEach((k, n) -> {
            int i = k.indexOf('\u0000');
            out.add(List.of(k.substring(0, i), k.substring(i + 1), n));
        });
        return out;
    }

    /**
     * Of a fleet's gate (one entry per member), the members that speak through this instance: each
     * client id as many times as named, at most as many times as members of it were seen here lately.
     */
    static List<String> ownShare(List<String> clients) {
        var here = countLately((k, m) -> m.clientId());
        var out = new ArrayList<String>();
        for (String c : clients) {
            int left = here.getOrDefault(c, 0);
            if (left <= 0) continue;
            here.put(c, left - 1);
            out.add(c);
        }
        if (out.size() < clients.size()) System.out.println("zdp: gating " + out.size() + " of the fleet's " + clients.size() + " consumers: the others were not seen here");
        return out;
    }

    /** whether a prune of a map is due (more than 4,096 entries, and none of it in the last minute); one caller wins it */
    static boolean pruneDue(AtomicLong lastPruned, int size, long now) {
        long last = lastPruned.get();
        return size > 4_096 && now - last >= 60_000 && lastPruned.compareAndSet(last, now);
    }
    /** how long a gated consumer's Fetch waits before its empty answer: long enough not to spin, short enough that its heartbeat (and rejoin) is not held back */
    static final long GATED_FETCH_WAIT_MS = 100;
    /** Kafka's error code for a transaction change the coordinator cannot take yet (the last one's markers are being written) */
    static final short CONCURRENT_TRANSACTIONS = 51;
    static final short COORDINATOR_LOAD_IN_PROGRESS = 14;
    static final short REBALANCE_IN_PROGRESS = 27;
    static final short NOT_LEADER_OR_FOLLOWER = 6;
    /** when the current drain began (0: none since serve): a connection opened before it is one to the cluster its consumer is a member on */
    static volatile long drainBegunAt;
    /** how often a transaction's AddPartitionsToTxn or AddOffsetsToTxn answered CONCURRENT_TRANSACTIONS is asked again (the Java client's own retry: 20 ms), and for how long at most */
    static final long TXN_ASK_AGAIN_MS = 20;
    static final long TXN_ASK_AGAIN_MAX_MS = 5_000;
    /** how long a hold lets a transaction open when it began finish (Transactions), and how recently that transaction must have been forwarded to or answered to be waited for */
    static final long TXN_FINISH_MS = 300, TXN_ACTIVE_MS = 200;
    /** client id -> when a Produce of it was last forwarded */
    static final ConcurrentHashMap<String, Long> lastProduceForwarded = new ConcurrentHashMap<>();

    /** the client software name the Java client (kafka-clients) sends in ApiVersions */
    static final String JAVA_CLIENT = "apache-kafka-java";

    static final Set<ApiKeys> GROUP_KEYS = EnumSet.of(
            ApiKeys.OFFSET_COMMIT, ApiKeys.HEARTBEAT, ApiKeys.JOIN_GROUP,
            ApiKeys.SYNC_GROUP, ApiKeys.LEAVE_GROUP, ApiKeys.CONSUMER_GROUP_HEARTBEAT);

    /** the requests whose answers are read with the request (Conn.awaiting) */
    static final Set<ApiKeys> ANSWER_READ = EnumSet.of(ApiKeys.OFFSET_COMMIT, ApiKeys.SYNC_GROUP, ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN, ApiKeys.END_TXN, ApiKeys.INIT_PRODUCER_ID);

    /** a request as it came, and its version */
    record Sent(ApiMessage request, short version) {}

    /** held with the producers' requests on an instance bound early (holdGroups) */
    static final Set<ApiKeys> HOLD_GROUPS = EnumSet.of(ApiKeys.JOIN_GROUP, ApiKeys.SYNC_GROUP, ApiKeys.OFFSET_FETCH, ApiKeys.OFFSET_COMMIT, ApiKeys.CONSUMER_GROUP_HEARTBEAT);

    static final Set<ApiKeys> HOLD = EnumSet.of(
            ApiKeys.PRODUCE, ApiKeys.INIT_PRODUCER_ID,
            ApiKeys.ADD_PARTITIONS_TO_TXN, ApiKeys.ADD_OFFSETS_TO_TXN,
            ApiKeys.END_TXN, ApiKeys.TXN_OFFSET_COMMIT);

    @Override
    public Void initialize(FilterFactoryContext context, Void config) {
        return null;
    }

    @Override
    public Filter createFilter(FilterFactoryContext context, Void initData) {
        return new Conn(context.filterDispatchExecutor());
    }

    static boolean holding() {
        return "hold-producers".equals(phase);
    }

    /**
     * When each consumer's fetches begin to get no records in a drain. A consumer is drained once
     * it committed what it was given; a Java consumer at its defaults commits every 5 s, so cut off
     * at once it would wait up to 5 s with nothing to read, and every other consumer with it. The
     * commits of each client id and group seen here give its cadence (of clients that name their
     * software in ApiVersions: a client that commits after each batch, as kafkajs does, names none, and
     * its commits follow its records, not a clock). The drain ends at a commit
     * of a client that commits on a timer (1 to 10 s apart), chosen so that the longest any of them
     * waits is least; each is cut off DRAIN_LEAD_MS before its last commit by then, and every other
     * client (kafkajs commits after each batch) DRAIN_LEAD_OTHERS_MS before the end, each of its
     * connections earlier by the time its consumer takes to process a Fetch (Conn.processingMs). In force then:
     * answers to fetches forwarded before a cut-off come without records. Nothing depends on the
     * prediction being right: the cutover waits for the commits, so a wrong one costs time, not records.
     *
     * Cut off before the end by a predicted lead for processing what it was given, a kafkajs
     * consumer waits from its last commit to the end with nothing to read: the lead is the longest
     * of its last gaps (0.5-1.0 s in fleet benchmark runs, up to 3 s when untrimmed); its pause was
     * 2.5-4.3 s in nine runs. A plan made with othersWhenTold cuts the timer clients as before, the
     * others at DRAIN_LEAD_OTHERS_MS before the end without that lead, or sooner when told (POST
     * /v1/drain-cut): the cutover says so once every timer client of every instance committed after
     * its cut-off (GET /v1/state `drainTimersWaiting`), when that comes before. They then commit
     * what they were given in one more round of their own, which the drain waits for. Cut off only
     * when told, after the last Java commit was seen, they made the Java consumers wait that long
     * and their whole last round (the fence 1.6-2.5 s after that commit; Java consumers 5.0-8.4 s in seven fleet
     * runs, their groups out of step by up to 2.9 s). In force at once: the cutover watches the
     * commits from the start.
     */
    static final class DrainPlan {
        /** client id -> when its fetches begin to get no records */
        final Map<String, Long> at = new HashMap<>();
        /** the timer clients the plan was made from (see timers) */
        final Map<String, long[]> timers;
        /** when every other client's do, and the drain can be in force */
        final long end;
        final long from;
        /** the commit the drain ends at (end is DRAIN_LEAD_OTHERS_MS before it) */
        final long endsAt;
        /** for the log: each cut-off, from the plan's start */
        final String summary;
        /** whether the others are cut off at `end` without a lead for processing, or sooner when the cutover says (POST /v1/drain-cut) */
        final boolean othersWhenTold;
        /** "client id\u0000group" -> its cut-off, of each timer client: it is waited for until it committed after it */
        final Map<String, Long> timerCuts = new HashMap<>();
        /** "client id\u0000group" -> the commit after its cut-off the plan predicts, of each timer client (for the log: see committedAfterCut) */
        final Map<String, Long> timerCommits = new HashMap<>();
        /** the timer clients whose commit after their cut-off was logged */
        final Set<String> committedLogged = ConcurrentHashMap.newKeySet();
        /** with othersWhenTold: when the cutover said (0: not yet) */
        volatile long othersToldAt;

        /**
         * A plan from `now`, ending no earlier than `notBefore` (0: no bound). A fleet's instances see
         * different consumers: the cutover asks each for its end first (GET /v1/drain-plan) and gives
         * them all the latest, so that a kafkajs consumer on one instance is not cut off seconds
         * before the Java consumers on another are.
         */
        DrainPlan(long now, long notBefore) {
            this(now, notBefore, 0, false);
        }

        /**
         * With `exactEnd` (epoch ms, 0: none) the drain ends there, whether or not a commit of this
         * instance's consumers falls there: a fleet's cutover chose it from every instance's timer
         * clients (GET /v1/drain-plan gives them), so that Java consumers on different instances, out
         * of step, wait no longer than a choice over all of them needs. Ending each instance at a
         * commit of its own, one moved to the commit after the other's, up to 5 s later. Only a commit
         * of its own just after that end moves it (atCommitJustAfter).
         */
        DrainPlan(long now, long notBefore, long exactEnd, boolean othersWhenTold) {
            this.othersWhenTold = othersWhenTold;
            this.timers = timers(now);
            long end = exactEnd > 0 ? atCommitJustAfter(timers, Math.max(now, Math.min(exactEnd, now + DRAIN_HORIZON_MS))) : chooseEnd(timers, now, notBefore);
            long from = Long.MAX_VALUE;
            var line = new StringBuilder();
            for (var t : timers.entrySet()) {
                long last = lastCommit(t.getValue(), end, now);
                long cut = Math.max(now, last - DRAIN_LEAD_MS);
                String client = t.getKey().substring(0, t.getKey().indexOf('\u0000'));
                at.merge(client, cut, Math::min);
                timerCuts.put(t.getKey(), cut);
                // no commit of its own by the end: cut off at once, it is waited for until its first
                timerCommits.put(t.getKey(), end < t.getValue()[0] ? t.getValue()[0] : last);
                from = Math.min(from, cut);
                line.append(", ").append(printable(client)).append(" +").append(cut - now).append(" ms");
            }
            this.endsAt = end;
            this.end = Math.max(now, end - DRAIN_LEAD_OTHERS_MS);
            this.from = Math.min(from, this.end);
            this.summary = "other consumers cut off " + (othersWhenTold ? "when the cutover says, " : "") + "+" + (this.end - now) + " ms" + (othersWhenTold ? " at the latest" : "") + line;
        }

        /** a timer client's first commit after its cut-off, in the log: how far from the prediction it came (a late one holds every consumer of the drain) */
        void committedAfterCut(String key, long now) {
            Long cut = timerCuts.get(key);
            if (cut == null || now < cut || !committedLogged.add(key)) return;
            System.out.println("zdp: drain: " + printable(key.substring(0, key.indexOf('\u0000'))) + " committed after its cut-off, " + (now - timerCommits.get(key)) + " ms from the commit predicted (at " + now + ")");
        }

        /** how many timer clients have not committed since their cut-off (commits as noteCommit saw them sent) */
        int timersWaiting() {
            int waiting = 0;
            for (var c : timerCuts.entrySet()) {
                long[] seen = commits.get(c.getKey());
                if (seen == null || seen[1] < c.getValue()) waiting++;
            }
            return waiting;
        }

        /** the client ids of the timer clients cut off by now, sorted: a group whose members all are gets no more records (GET /v1/state `drainTimersCut`) */
        List<String> timersCut(long now) {
            var cut = new TreeSet<String>();
            at.forEach((client, when) -> {
                if (now >= when) cut.add(client);
            });
            return new ArrayList<>(cut);
        }

        /** whether the others are cut off now (all of them, whatever their lead): past `end`, or told (with othersWhenTold) */
        boolean othersCut(long now) {
            long told = othersToldAt;
            return now >= end || (othersWhenTold && told > 0 && now >= told);
        }

        /**
         * A fleet's end a little before the first commit of a timer client of this instance (the
         * cutover chose it from predictions made a moment earlier, and a client that commits in its
         * poll loop drifts by a few hundred ms under load): that client has no commit by the end, so
         * it would be cut off at once and wait a whole interval for its next one (5.1 and 5.2 s in
         * two fleet benchmark runs, its pause 6.6 and 7.2 s). The end moves to that commit instead,
         * DRAIN_ALIGN_SLACK_MS later at most: the other consumers wait that much longer.
         */
        static long atCommitJustAfter(Map<String, long[]> timers, long end) {
            long moved = end;
            for (long[] t : timers.values()) {
                // its first commit after the end, not only its first: the fleet chose from a plan a
                // moment ahead (PLAN_AHEAD_MS), whose first commit may be this plan's second
                long next = end < t[0] ? t[0] : lastCommit(t, end, end) + t[1];
                if (next > end && next - end <= DRAIN_ALIGN_SLACK_MS) moved = Math.max(moved, next);
            }
            return moved;
        }

        /**
         * The end: one of the timer clients' commits, where the longest any of them waits from its
         * cut-off to the end is least (two Java groups 4 s out of step: the one ahead waits 1 s, not 4).
         * Every one of them must commit after its cut-off: the end is not before the latest first
         * commit. Nor before the fleet's end (notBefore), give or take DRAIN_ALIGN_SLACK_MS: that end
         * is often one of these very commits, as another instance (or this one, a moment ago)
         * predicted it, a few ms off; held to it exactly, this instance skipped to the commit after (a
         * fleet run's Java consumers' instance ended 5 s after the kafkajs consumers' instance).
         */
        static long chooseEnd(Map<String, long[]> timers, long now, long notBefore) {
            long bound = Math.max(now, Math.min(notBefore, now + DRAIN_HORIZON_MS));
            long firsts = now;
            for (long[] c : timers.values()) firsts = Math.max(firsts, c[0]);
            long end = Math.max(bound, firsts);
            long least = Long.MAX_VALUE;
            for (long[] c : timers.values()) {
                for (long e = c[0]; e - now <= DRAIN_HORIZON_MS; e += c[1]) {
                    if (e < firsts || e < bound - DRAIN_ALIGN_SLACK_MS) continue;
                    long worst = 0;
                    for (long[] o : timers.values()) worst = Math.max(worst, e - lastCommit(o, e, now));
                    if (worst < least || (worst == least && e < end)) {
                        least = worst;
                        end = e;
                    }
                }
            }
            return end;
        }

        /** client id and group -> {its first commit at least DRAIN_LEAD_MS + DRAIN_TRIM_MS from `now`, its interval}: the clients that commit on a timer, within DRAIN_HORIZON_MS */
        static Map<String, long[]> timers(long now) {
            var timers = new HashMap<String, long[]>();
            commits.forEach((key, t) -> {
                long every = cadence(t);
                if (every < 0 || now - t[1] > 2 * every) return;
                long first = t[1] + every * Math.max(0, (now + DRAIN_LEAD_MS + DRAIN_TRIM_MS - t[1] + every - 1) / every);
                if (first - now <= DRAIN_HORIZON_MS) timers.put(key, new long[] { first, every });
            });
            return timers;
        }

        /**
         * A timer client's interval between commits: the shortest of its last COMMIT_INTERVALS that is
         * more than half the last one (-1 when the last is not 1 to 10 s, or none was seen). A Java
         * consumer's auto-commit timer starts again when a poll finds it expired, so each interval is
         * the configured one plus that poll's delay, and the commit's way to the proxy is delayed as
         * well on a busy host: taken from the last interval alone, the prediction was 0.2-0.6 s late
         * after a late commit (one Java group of the fleet benchmark, in four runs of four on a busy
         * host), and its cut-off came that much less than DRAIN_LEAD_MS before its commit. A commit
         * outside the timer's rhythm (at a rebalance) is not taken for its cadence.
         */
        static long cadence(long[] t) {
            long last = t[2];
            if (last <= 1_000 || last > 10_000) return -1;
            long every = last;
            for (int i = 3; i < t.length; i++) if (t[i] * 2 > last && t[i] < every) every = t[i];
            return every;
        }

        /** a timer client's last predicted commit at or before `end` (the end is never before its first) */
        static long lastCommit(long[] timer, long end, long now) {
            return end < timer[0] ? now : timer[0] + timer[1] * ((end - timer[0]) / timer[1]);
        }

        /**
         * A timer client at its own cut-off; any other at the end less the time its consumer takes to
         * process a Fetch (Conn.processingMs), or, with othersWhenTold, at the end or once told: it then
         * commits what it was given in one more round, which the cutover waits for.
         */
        boolean cutOff(String clientId, long now, long processingMs) {
            Long timer = at.get(clientId);
            if (timer != null) return now >= timer;
            return othersWhenTold ? othersCut(now) : now >= end - processingMs;
        }
    }
    /** how long before a consumer's predicted commit its fetches get no records: its last records reach it, and are processed, before it commits */
    static final long DRAIN_LEAD_MS = Math.max(0, Math.min(5_000, Long.getLong("zdp.drainLeadMs", 700)));
    /**
     * How long a timer client is given a batch a partition at least before its cut-off (see
     * Conn.trimming): what it was given in whole fetches before the drain began waits in its fetch
     * buffer, and it commits only what it has polled. A fleet run's drain began 1.1 s before one
     * Java group's cut-off: its commit 0.6 s after it fell short, and the drain waited 5 s for its next.
     */
    static final long DRAIN_TRIM_MS = 2_000;
    /**
     * How much later than asked a drain's plan (GET /v1/drain-plan) is taken from: the fleet's
     * cutover chooses an end from every instance's timer clients, and the drain begins on each
     * instance some hundred ms later (up to 0.7 s on a busy host). A timer client whose first
     * commit was just far enough ahead when asked had none by the end when the drain began: cut
     * off at once, it waited 5 s for the next (a fleet benchmark run).
     */
    static final long PLAN_AHEAD_MS = 1_000;
    /** the same for a consumer that commits after each batch (kafkajs): it commits as soon as it processed its last records */
    static final long DRAIN_LEAD_OTHERS_MS = Math.min(DRAIN_LEAD_MS, 250);
    /** how long before the end a consumer given a batch a partition in a drain is cut off, until the gaps after such answers were seen (see Conn.drainLeadMs) */
    static final long TRIMMED_LEAD_MS = 500;
    /** the most a consumer that commits after each batch is cut off before its client's cut-off for the time it takes to process a Fetch's records (Conn.processingMs) */
    static final long PROCESSING_LEAD_MAX_MS = Math.max(0, Math.min(10_000, Long.getLong("zdp.processingLeadMaxMs", 3_000)));
    /** how far a drain may end before the end the fleet asked for, to end at a commit of its own consumers (see DrainPlan) */
    static final long DRAIN_ALIGN_SLACK_MS = 500;
    /** how far ahead a drain is planned: a commit further away is not waited for */
    static final long DRAIN_HORIZON_MS = 10_000;
    /** how many of a client's last intervals between commits its cadence is taken from (DrainPlan.cadence) */
    static final int COMMIT_INTERVALS = 4;
    /** "client id\u0000group" -> {the commit before the last, the last, then the last COMMIT_INTERVALS intervals between its commits, newest first} as seen here; -1 and 0 while not seen */
    static final ConcurrentHashMap<String, long[]> commits = new ConcurrentHashMap<>();
    static volatile DrainPlan drainPlan;

    static void noteCommit(String clientId, String group) {
        long now = System.currentTimeMillis();
        if (pruneDue(commitsPruned, commits.size(), now)) commits.values().removeIf(t -> now - t[1] > 600_000);
        commits.compute(clientId + "\u0000" + group, (k, t) -> {
            long[] next = new long[2 + COMMIT_INTERVALS];
            next[0] = -1;
            next[1] = now;
            if (t == null) return next;
            next[0] = t[1];
            next[2] = now - t[1];
            System.arraycopy(t, 2, next, 3, COMMIT_INTERVALS - 1);
            return next;
        });
        DrainPlan plan = drainPlan;
        if (plan != null && draining()) plan.committedAfterCut(clientId + "\u0000" + group, now);
    }

    static boolean draining() {
        return !"serve".equals(phase);
    }

    /**
     * Requests forwarded and not answered yet (InFlight). Where the filter cannot read whether a
     * connection closed, a request is not waited for past its own deadline: the broker
     * answers a fetch within its max wait and a produce within its timeout, or the client that sent
     * it has gone (and a client that has gone sends nothing again).
     */
    static int live(Set<InFlight> set) {
        long now = System.currentTimeMillis();
        set.removeIf(e -> e.gone(now));
        return set.size();
    }

    /**
     * A request forwarded and not answered yet: waited for until its deadline, or until the
     * connection it came on closed (open: see connectionOpen; null when that cannot be read).
     * Compared by identity: two requests sent in the same millisecond are two.
     */
    static final class InFlight {
        final long forwardedAt = System.currentTimeMillis();
        final long deadline;
        final java.util.function.BooleanSupplier open;
        /** the producer of a forwarded Produce (see Conn.producer), null for other requests */
        final String producer;
        /** the send a forwarded Produce was taken for (see Send.answeredIn), null for other requests */
        final Send send;

        InFlight(long answerWithinMs, java.util.function.BooleanSupplier open) {
            this(answerWithinMs, open, null, null);
        }

        InFlight(long answerWithinMs, java.util.function.BooleanSupplier open, String producer, Send send) {
            this.deadline = forwardedAt + Math.max(0, Math.min(answerWithinMs, 120_000)) + 2_000;
            this.open = open;
            this.producer = producer;
            this.send = send;
        }

        boolean gone(long now) {
            return deadline < now || (open != null && !open.getAsBoolean());
        }
    }

    /** A connection's oldest forwarded request was answered (Kafka answers a connection's requests in order). */
    static void answered(Set<InFlight> inflight, ArrayDeque<InFlight> sent) {
        var first = sent.poll();
        if (first == null) return;
        inflight.remove(first);
        if (first.send != null && first.send.answeredIn < 0) first.send.answeredIn = System.currentTimeMillis() - first.forwardedAt;
    }

    /** Kroxylicious 0.12's FilterContext (FilterHandler.InternalFilterContext) and the FilterHandler's fields that hold its channels; null where another version lays them out otherwise */
    static final java.lang.reflect.Field[] CHANNEL_FIELDS = channelFields();

    static java.lang.reflect.Field[] channelFields() {
        try {
            var context = Class.forName("io.kroxylicious.proxy.internal.FilterHandler$InternalFilterContext");
            var handler = Class.forName("io.kroxylicious.proxy.internal.FilterHandler");
            var outer = context.getDeclaredField("this$0");
            var inbound = handler.getDeclaredField("inboundChannel");
            var ctx = handler.getDeclaredField("ctx");
            for (var f : List.of(outer, inbound, ctx)) f.setAccessible(true);
            return new java.lang.reflect.Field[] { outer, inbound, ctx };
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** the FilterHandler that holds a context's channels (see CHANNEL_FIELDS); null where Kroxylicious lays them out otherwise */
    static Object handlerOf(FilterContext context) throws ReflectiveOperationException {
        return CHANNEL_FIELDS != null && CHANNEL_FIELDS[0].getDeclaringClass().isInstance(context) ? CHANNEL_FIELDS[0].get(context) : null;
    }

    /**
     * Whether the connection a request came on is still open, both sides of it: a request whose
     * connection closed is never answered, and waiting for it to its deadline (a kafkajs produce's is
     * 30 s) kept a hold from being in force for that long (a CI run's `gateway switch` gave up after
     * 10 s on one such produce). The filter API has no word for a close; Kroxylicious 0.12's context
     * holds its FilterHandler, whose channels say. Null where that cannot be read: the deadline alone then.
     */
    static java.util.function.BooleanSupplier connectionOpen(FilterContext context) {
        try {
            Object handler = handlerOf(context);
            if (handler == null) return null;
            var inbound = (io.netty.channel.Channel) CHANNEL_FIELDS[1].get(handler);
            var ctx = (io.netty.channel.ChannelHandlerContext) CHANNEL_FIELDS[2].get(handler);
            return () -> (inbound == null || inbound.isActive()) && (ctx == null || ctx.channel().isActive());
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Whether a connection is one of Kroxylicious's "restricted" ones: accepted on a broker's port
     * before the proxy had learned the cluster's brokers (just after it bound, as after every
     * switch). Its first request past the filters is taken by Kroxylicious's EagerMetadataLearner,
     * which asks for metadata in its stead and closes the connection: a Produce there is neither
     * written nor answered, and its client sees the connection closed. Read from the connection's
     * pipeline (the learner's handler is named after it); false where that cannot be read.
     */
    static boolean upstreamRestricted(FilterContext context) {
        try {
            Object handler = handlerOf(context);
            var ctx = handler == null ? null : (io.netty.channel.ChannelHandlerContext) CHANNEL_FIELDS[2].get(handler);
            if (ctx == null) return false;
            for (String name : ctx.pipeline().names()) {
                if (name.contains("EagerMetadataLearner")) return true;
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            // not this Kroxylicious's layout: the learner, if any, handles the request
        }
        return false;
    }

    /**
     * A send refused in part is sent again whole by a producer without idempotence (kafkajs's
     * default): its sendMessages waits for its per-broker requests with Promise.all, which fails at
     * the first refusal while the others are still in flight; when it retries, a request that had
     * not been answered yet counts as failed and goes out again, and what it carried is written
     * twice. Seen in CI at a fleet `gateway switch`: one kafkajs producer's request refused (or
     * taken by the learner on a restricted connection) while another of the same send was being
     * written on the target, and 8 records twice there. So a refusal of such a producer's Produce
     * is answered only once the producer's Produce requests in flight as it comes were answered
     * (at most REFUSAL_WAIT_MS), and its requests that come while a refusal is pending, or within
     * REFUSAL_SKEW_MS of its answer, are the rest of the refused send: refused too, never written.
     * Its retry comes later than that: after the answer, a Metadata request and its backoff
     * (kafkajs: at least 80 ms).
     * The same holds for an idempotent or transactional kafkajs producer: its retry waits for the
     * broker's lock, which the request in flight holds, and then sends that request's partitions
     * again with the sequence numbers after the ones just written, which the broker takes as new
     * records. A CI run of the fleet test had three records of one transaction twice on the
     * target (sent and acknowledged within 0.2 s); its kafkajs producers had written 104 records
     * twice through the proxies on the source before the cutover (in earlier runs, records of the
     * transactional producer's first second, when connections accepted before the brokers were
     * known are refused). So an idempotent producer's refusal waits too, for its requests in
     * flight as the refusal comes; the rest of its send is forwarded: its batches are numbered,
     * and its retry of a refused batch may come at once.
     * A kafkajs idempotent or transactional producer's refusal also waits REFUSAL_SKEW_MS, and for
     * its requests forwarded meanwhile: the rest of the send can come just after the refused
     * request (kafkajs adds each broker's partitions to the transaction first, and a carried
     * producer's first AddPartitionsToTxn waits for its id on the new cluster). Runs of the fleet
     * test had two records of one transaction twice on the target, after a Produce of that
     * producer was refused on a connection accepted before the brokers were known.
     */
    static final long REFUSAL_SKEW_MS = Math.max(0, Math.min(5_000, Long.getLong("zdp.refusalSkewMs", 50)));
    static final long REFUSAL_WAIT_MS = 5_000;
    static final class Refusal {
        int pending;
        /** a pending refusal counts until then at most: one whose connection's event loop went with its proxy (a switch in this process) is never answered */
        long pendingUntil;
        long until;
    }
    /** producer without idempotence ("c" + client id) -> its refusals pending, and until when its Produce requests are taken for the rest of a refused send */
    static final ConcurrentHashMap<String, Refusal> refusals = new ConcurrentHashMap<>();
    static final AtomicLong refusalsPruned = new AtomicLong();
    /** Produce requests refused as the rest of a refused send, and on restricted connections */
    static final AtomicLong siblingsRefused = new AtomicLong(), restrictedRefused = new AtomicLong();
    /** refusals told in the log: the first 50 of a process */
    static final AtomicLong refusalsLogged = new AtomicLong();

    static boolean restOfRefusedSend(String producer, long now) {
        Refusal r = refusals.get(producer);
        if (r == null) return false;
        synchronized (r) {
            return (r.pending > 0 && now <= r.pendingUntil) || now <= r.until;
        }
    }

    /** One client connection. Kafka answers a connection's requests in order, so a FIFO pairs them. */
    static final class Conn implements RequestFilter, ResponseFilter {
        final ScheduledExecutorService executor;
        final ArrayDeque<InFlight> produceSent = new ArrayDeque<>();
        final ArrayDeque<InFlight> fetchSent = new ArrayDeque<>();
        /** fresh producer ids this connection asked for and has not been answered (see ProducerIds.freshFor) */
        final Map<Long, CompletableFuture<long[]>> asking = new ConcurrentHashMap<>();
        /**
         * The requests of ANSWER_READ kinds on this connection not answered yet, per kind, in the
         * order they came (a broker answers a connection's requests in order; a request held here
         * holds the ones after it). Their answers are read with them: a commit's offsets, a
         * SyncGroup's member, a transaction request to ask again.
         */
        final Map<ApiKeys, ConcurrentLinkedQueue<Sent>> awaiting = new EnumMap<>(ApiKeys.class);
        {
            for (ApiKeys k : ANSWER_READ) awaiting.put(k, new ConcurrentLinkedQueue<>());
        }
        final long id = connections.incrementAndGet();
        /** whether this connection is still open (connectionOpen), read from the first request's context: one lookup per connection, not per request */
        java.util.function.BooleanSupplier open;
        boolean openLooked;

        java.util.function.BooleanSupplier open(FilterContext context) {
            if (!openLooked) {
                open = connectionOpen(context);
                openLooked = true;
            }
            return open;
        }
        /** when this connection was first seen closed (pruneDelivered), 0 while it was not */
        volatile long closedSeenAt;
        /** consumer groups this connection spoke for (commits, heartbeats, joins): ties its deliveries to a group when clients share a client id */
        final Set<String> groups = ConcurrentHashMap.newKeySet();
        /** "topic\u0000partition" -> the offset this connection last asked to fetch from: its consumer's position (what it commits once drained) */
        final ConcurrentHashMap<String, Long> positions = new ConcurrentHashMap<>();
        /** when a Fetch answer with records was last passed to this connection's client; 0 once its next Fetch came */
        volatile long recordsGivenAt;
        /** the last few gaps between such an answer and the client's next Fetch (ms): how long its consumer takes to process what it is given (see processingMs) */
        final long[] processing = new long[4];
        int processingNext;
        /** whether the last answer with records was given in a drain, a batch a partition at most (see trim), and the gaps after such answers */
        volatile boolean givenTrimmed;
        final long[] trimmedProcessing = new long[4];
        int trimmedNext;
        volatile String clientId = "";
        final long openedAt = System.currentTimeMillis();
        /** when a Heartbeat of this connection was last forwarded, and the session timeout its consumer last joined with here (0: not seen) */
        long heartbeatForwardedAt;
        int sessionTimeoutMs;
        /** the client library, as its ApiVersions request names it (v3 and later; kafkajs names none) */
        volatile String software = "";
        /** the node id of the broker this connection is forwarded to, -1 while not known */
        int node = -1;
        /** whether a gated fetch of this connection was told its broker leads none of its partitions (once: see onRequest) */
        boolean nudged;
        /**
         * The gate of this connection's client id when its first request came, and how many of its
         * consumers had joined by then. A connection opened after one of them joined may be that
         * consumer's own, after its rejoin (kafkajs opens its fetch connections after a join when it
         * restarts): told to rejoin again, it would rebalance its group while it reads, and its
         * commits of that generation would fail.
         */
        Map.Entry<Gate, Integer> joinedWhenOpened;
        boolean seenFirst;

        /** how many consumers of this connection's client id had joined through the current gate when the connection's first request came */
        int joinedBeforeThisConnection() {
            Gate g = gate.get(clientId);
            if (g == null) return 0;
            return joinedWhenOpened != null && joinedWhenOpened.getKey() == g ? joinedWhenOpened.getValue() : 0;
        }

        Conn(ScheduledExecutorService executor) {
            this.executor = executor;
        }

        @Override
        public boolean shouldHandleRequest(ApiKeys key, short version) {
            // Metadata only for the client id it carries (see misdirected); it passes unchanged.
            // FindCoordinator only for a connection Kroxylicious has not bound (see restrictedAnswer)
            // OffsetFetch only on an instance bound early, which holds it (holdGroups)
            return key == ApiKeys.FETCH || HOLD.contains(key) || GROUP_KEYS.contains(key) || key == ApiKeys.METADATA || key == ApiKeys.API_VERSIONS || key == ApiKeys.FIND_COORDINATOR || (key == ApiKeys.OFFSET_FETCH && holdGroups);
        }

        /**
         * Ties a fetch connection of this client id to the group committing here: kafkajs fetches on
         * a connection of its own, apart from its commits, and every consumer is "kafkajs", so two
         * groups reading one topic are told apart by what they commit. A commit of offset o for a
         * partition follows the delivery of o - 1 to that group's consumer: the one unlinked
         * connection of this client id whose last delivery there was o - 1 is the group's. Its
         * position does not tell (a transaction's commit marker moves the position past the commit).
         * A partition the group's own tied connection was given is not read for a tie: that commit
         * is its connection's, and another group's connection reading in step may have been given
         * o - 1 last just then (a fleet run: tied to the wrong group, it held that group's drain to
         * the other's deliveries, to the 10 s timeout).
         */
        void linkByCommit(OffsetCommitRequestData commit) {
            String group = commit.groupId();
            if (group.isEmpty()) return;
            var untied = new ArrayList<Map.Entry<Conn, ConcurrentHashMap<String, Long>>>();
            var tiedParts = new HashSet<String>();
            for (var e : delivered.entrySet()) {
                Conn c = e.getKey();
                if (c.groups.contains(group)) tiedParts.addAll(e.getValue().keySet());
                else if (c != this && c.groups.isEmpty() && clientId.equals(c.clientId)) untied.add(e);
            }
            if (untied.isEmpty()) return;
            Conn found = null;
            for (var t : commit.topics()) {
                for (var p : t.partitions()) {
                    String tp = t.name() + "\u0000" + p.partitionIndex();
                    if (tiedParts.contains(tp)) continue;
                    Conn match = null;
                    for (var e : untied) {
                        Long d = e.getValue().get(tp);
                        if (d == null || d != p.committedOffset() - 1) continue;
                        // two connections given the same last offset: no telling which is this group's
                        if (match != null) return;
                        match = e.getKey();
                    }
                    if (match == null) continue;
                    if (found != null && found != match) return;
                    found = match;
                }
            }
            if (found != null) found.groups.add(group);
        }

        /** whether this connection's client gets no records now: held, or past its cut-off in a drain */
        boolean cutOff() {
            if (!draining()) return false;
            DrainPlan plan = drainPlan;
            // a consumer that commits after each batch (kafkajs) commits what it was given once it has
            // processed it: it is cut off that much before the end, so that it has by then
            return holding() || plan == null || plan.cutOff(clientId, System.currentTimeMillis(), drainLeadMs());
        }

        /**
         * How long before the drain's end this connection's consumer (one that commits after each
         * batch) is cut off: the time it takes to process what it is given. In a drain it is given a
         * batch a partition at a time (trimmed), which it processes in far less than a whole Fetch's
         * worth: cut off that much before the end (the longest gap after such an answer,
         * TRIMMED_LEAD_MS until one was seen), never more than its whole processing time. Cut off by
         * that whole time (1.3-2.7 s behind its producers, up to 3 s), a kafkajs consumer in a fleet
         * benchmark run had processed all it was given 2.2 s before the drain's end and waited, idle,
         * through it (its pause 4.5 s). What it was given before the drain began is committed once
         * processed, however early it is cut off: the drain waits for that either way.
         */
        long drainLeadMs() {
            long trimmedGap = 0;
            for (long gap : trimmedProcessing) trimmedGap = Math.max(trimmedGap, gap);
            return Math.min(processingMs(), Math.max(TRIMMED_LEAD_MS, trimmedGap));
        }

        /**
         * Whether a Java consumer's heartbeat is answered COORDINATOR_LOAD_IN_PROGRESS instead of forwarded:
         * in a drain, on a connection opened before it (to the cluster the consumer is a member on).
         * A Java consumer heartbeats every 3 s, and after a switch it learns it must rejoin (the new
         * cluster answers UNKNOWN_MEMBER_ID) only at its next heartbeat: in fleet benchmark runs it
         * read again 1.6-2.8 s after the release, the longest part of its pause. A failed heartbeat
         * is sent again after the client's retry backoff (100 ms, doubling to 1 s at most), nothing
         * else changes (the coordinator is not given up, commits go on): across the switch it
         * heartbeats at least every second. Its session is kept: one heartbeat is forwarded once a
         * third of its session timeout passed since the last (10 s assumed when its join was not seen).
         */
        boolean heartbeatAnsweredBusy() {
            if (!draining() || !JAVA_CLIENT.equals(software)) return false;
            long begun = drainBegunAt;
            if (begun == 0 || openedAt >= begun || heartbeatForwardedAt == 0) return false;
            long session = sessionTimeoutMs > 0 ? sessionTimeoutMs : 10_000;
            return System.currentTimeMillis() - heartbeatForwardedAt < session / 3;
        }

        /**
         * Whether this connection's Fetch answers are cut to a batch a partition: in a drain, before
         * its cut-off, for a consumer that commits after each batch, and for one that commits on a
         * timer (a Java consumer at its defaults). A Java consumer commits what it has polled, not
         * what it was given: what waits in its fetch buffer is committed at its next commit, 5 s
         * later. Given whole fetches until its cut-off, 0.7 s before its commit, a Java consumer 5 s
         * behind its producer on a busy host had about 2,500 records of 12 partitions buffered then;
         * its commit fell short of what it was given (3,291 of 3,575 on one partition) and its group
         * drained only at its next commit, every other consumer waiting with it (kafkajs consumers
         * 8.1-9.5 s in three fleet benchmark runs of nine). Given a batch a partition, it holds no
         * more than that when cut off; the rest waits at the broker, read on the other cluster. A
         * Java consumer that does not commit on a timer is cut off by its lead for processing, which
         * its gaps do not tell (it fetches ahead): it is given whole fetches, as before.
         */
        boolean trimming() {
            DrainPlan plan = drainPlan;
            return draining() && plan != null && (plan.at.containsKey(clientId) || !JAVA_CLIENT.equals(software));
        }

        /**
         * How long this connection's consumer takes to process what one Fetch gives it, the longest of
         * its last few: kafkajs fetches from a broker again once the batches of its last answer were
         * processed, so the gap from an answer with records to the next Fetch is that time (a Java
         * consumer fetches ahead, and its gaps say nothing; its cut-off is planned from its commits).
         * On a loaded host kafkajs consumers processed for 1.3-2.0 s after their cut-off, and the drain
         * (and every other consumer's pause) waited for their commits. At most PROCESSING_LEAD_MAX_MS.
         */
        long processingMs() {
            long longest = 0;
            for (long gap : processing) longest = Math.max(longest, gap);
            return Math.min(longest, PROCESSING_LEAD_MAX_MS);
        }

        /** the group a group request speaks for */
        void noteGroup(ApiMessage request) {
            String group = null;
            if (request instanceof OffsetCommitRequestData r) group = r.groupId();
            else if (request instanceof HeartbeatRequestData r) group = r.groupId();
            else if (request instanceof JoinGroupRequestData r) group = r.groupId();
            else if (request instanceof SyncGroupRequestData r) group = r.groupId();
            else if (request instanceof LeaveGroupRequestData r) group = r.groupId();
            else if (request instanceof ConsumerGroupHeartbeatRequestData r) group = r.groupId();
            if (group != null && !group.isEmpty()) groups.add(group);
            String member = null;
            if (request instanceof OffsetCommitRequestData r) member = r.memberId();
            else if (request instanceof HeartbeatRequestData r) member = r.memberId();
            else if (request instanceof SyncGroupRequestData r) member = r.memberId();
            if (request instanceof LeaveGroupRequestData r && group != null) {
                if (r.memberId() != null && !r.memberId().isEmpty()) membersSeen.remove(group + "\u0000" + r.memberId());
                for (var m : r.members()) membersSeen.remove(group + "\u0000" + m.memberId());
            } else if (group != null && !group.isEmpty() && member != null && !member.isEmpty()) {
                long now = System.currentTimeMillis();
                if (pruneDue(membersPruned, membersSeen.size(), now)) membersSeen.values().removeIf(m -> now - m.at() > MEMBER_SEEN_MS);
                if (membersSeen.size() < MEMBERS_KEPT) membersSeen.put(group + "\u0000" + member, new MemberSeen(clientId, now));
            }
        }

        @Override
        public boolean shouldHandleResponse(ApiKeys key, short version) {
            return key == ApiKeys.FETCH || HOLD.contains(key) || key == ApiKeys.SYNC_GROUP
                    || key == ApiKeys.JOIN_GROUP || key == ApiKeys.METADATA || key == ApiKeys.OFFSET_COMMIT;
        }

        @Override
        public CompletionStage<RequestFilterResult> onRequest(ApiKeys key,
                RequestHeaderData header, ApiMessage request, FilterContext context) {
            if (header.clientId() != null) {
                clientId = header.clientId();
            }
            if (request instanceof ApiVersionsRequestData versions) {
                if (versions.clientSoftwareName() != null) software = versions.clientSoftwareName();
                return context.forwardRequest(header, request);
            }
            if (!seenFirst) {
                seenFirst = true;
                Gate g = gate.get(clientId);
                if (g != null) joinedWhenOpened = Map.entry(g, g.joined.size());
            }
            if ((key == ApiKeys.FIND_COORDINATOR || key == ApiKeys.FETCH || key == ApiKeys.PRODUCE) && restricted(context)) {
                var answered = restrictedAnswer(key, header, request, context);
                if (answered != null) return answered;
            }
            var answerRead = awaiting.get(key);
            // an EndTxn as its client sent it: its ids are rewritten before it is forwarded (ProducerIds), and the switch needs the client's
            if (answerRead != null) answerRead.add(new Sent(request instanceof EndTxnRequestData end ? end.duplicate() : request, header.requestApiVersion()));
            if (GROUP_KEYS.contains(key)) {
                noteGroup(request);
                if (request instanceof OffsetCommitRequestData commit && commit.groupId() != null) {
                    // a cadence only from clients that name their software (Java, librdkafka, franz-go: all
                    // commit on a timer by default). kafkajs names none and commits after each batch: a
                    // group of it reading a transactional topic commits as transactions end, 1-4 s apart,
                    // and was taken for a timer in a fleet run. Its plan cut every "kafkajs" consumer off
                    // at that group's predicted commit, untrimmed, and moved the fleet's end 3 s past the
                    // Java consumers' commit: one Java group waited 5 s with nothing to read (a 7.2 s pause)
                    if (!software.isEmpty()) noteCommit(clientId, commit.groupId());
                    linkByCommit(commit);
                }
                if (request instanceof JoinGroupRequestData join) {
                    sessionTimeoutMs = join.sessionTimeoutMs();
                    askForNewMember(join);
                }
                if (request instanceof HeartbeatRequestData) {
                    if (heartbeatAnsweredBusy()) {
                        heartbeatsAnsweredBusy.incrementAndGet();
                        return context.requestFilterResultBuilder().shortCircuitResponse(new HeartbeatResponseData().setThrottleTimeMs(0).setErrorCode(COORDINATOR_LOAD_IN_PROGRESS)).completed();
                    }
                    heartbeatForwardedAt = System.currentTimeMillis();
                }
                if (request instanceof LeaveGroupRequestData leave && leavesOtherCluster(leave)) {
                    leavesAnswered.incrementAndGet();
                    return context.requestFilterResultBuilder().shortCircuitResponse(unknownMembers(leave, header.requestApiVersion())).completed();
                }
                return holdGroupRequest(key, header, request, context);
            }
            if (key == ApiKeys.OFFSET_FETCH) return holdGroupRequest(key, header, request, context);
            if (key == ApiKeys.FETCH) {
                var fetch = (FetchRequestData) request;
                long givenAt = recordsGivenAt;
                if (givenAt > 0) {
                    long gap = System.currentTimeMillis() - givenAt;
                    if (givenTrimmed) trimmedProcessing[trimmedNext++ % trimmedProcessing.length] = gap;
                    else processing[processingNext++ % processing.length] = gap;
                    recordsGivenAt = 0;
                }
                var given = delivered.get(this);
                for (var t : fetch.topics()) {
                    String name = t.topic() != null && !t.topic().isEmpty() ? t.topic() : topicNames.get(t.topicId());
                    if (name == null) continue;
                    for (var p : t.partitions()) {
                        String tp = name + "\u0000" + p.partition();
                        positions.put(tp, p.fetchOffset());
                        // asked again for records it was given: the client did not take them (a batch
                        // dropped after a rebalance or a seek; kafkajs and Java fetch from the position
                        // they processed to). What it took ends before this position; counted as
                        // delivered, a drain would wait for a commit that never comes, to its timeout
                        if (given != null) given.computeIfPresent(tp, (k, d) -> d >= p.fetchOffset() ? (p.fetchOffset() > 0 ? Long.valueOf(p.fetchOffset() - 1) : null) : d);
                    }
                }
                if (fetch.replicaId() < 0 && fetch.replicaState().replicaId() < 0) {
                    // bound early (holdGroups): a gated consumer is told at once that it must rejoin (the rejoin
                    // waits in the hold), any other gets no records soon, so that none waits out a long empty fetch past the release
                    boolean early = holdGroups;
                    if (cutOff() && !(early && gated())) return emptyFetch(fetch, context, early ? GATED_FETCH_WAIT_MS : 5_000);
                    // a gated consumer rejoins when its next heartbeat is refused here (unknown member):
                    // answered at once, its fetch loop gets to that heartbeat instead of waiting out its
                    // max wait (kafkajs: 5 s) first. kafkajs heartbeats at most every 3 s, from its fetch
                    // loop: it is told at its first fetch on each connection that its group rebalances
                    // (REBALANCE_IN_PROGRESS), which stops its fetchers and has it rejoin once, however
                    // many of them were told. Told that the broker leads none of its partitions
                    // instead, each fetcher refreshed the metadata and rejoined on its own: a consumer
                    // whose fetchers met the switch on two connections (in a fleet benchmark run,
                    // every one of the five: the lowest broker's, and the one of a node the new cluster
                    // lacks, carried to the same broker) joined twice, as two members, and its group
                    // waited for the one it dropped until its session ran out (30 s). Java, which names
                    // its software and takes only the errors of a fetch it knows, is told on the
                    // connection to the lowest broker that it leads none of these partitions: it
                    // refreshes its metadata and fetches again. So is a Java client older than 2.4,
                    // which names no software either but fails its poll on an error a fetch does not
                    // expect: told apart from kafkajs by its fetch sessions (kafkajs fetches without
                    // one, session epoch -1; Java opens one at its first fetch to a broker)
                    if (gated()) {
                        if (!nudged && joinedBeforeThisConnection() == 0) {
                            if (software.isEmpty() && fetch.sessionEpoch() == -1) {
                                nudged = true;
                                nudges.incrementAndGet();
                                return CompletableFuture.completedFuture(fetchError(fetch, context, REBALANCE_IN_PROGRESS));
                            }
                            if (isLowestBroker(fetchNode(fetch, context))) {
                                nudged = true;
                                nudges.incrementAndGet();
                                return CompletableFuture.completedFuture(fetchError(fetch, context, NOT_LEADER_OR_FOLLOWER));
                            }
                        }
                        return emptyFetch(fetch, context, GATED_FETCH_WAIT_MS);
                    }
                }
                var sent = new InFlight(fetch.maxWaitMs(), open(context));
                fetchSent.add(sent);
                inflightFetch.add(sent);
                return context.forwardRequest(header, request);
            }
            if (request instanceof ProduceRequestData produce) {
                // read (before ProducerIds rewrites them) only while some batch waits to come again; a refusal reads them itself
                var batches = Sequences.ifWaiting(produce);
                if (misdirected(produce, context)) {
                    misdirected.incrementAndGet();
                    return refuse(produce, batches, (short) 6, context, false, "led elsewhere, or its client has not asked for metadata here");
                }
                // nothing to look up (not even the producer) while no refusal is recent
                if (!refusals.isEmpty() && restOfRefusedSend(producer(produce), System.currentTimeMillis())) {
                    siblingsRefused.incrementAndGet();
                    return refuse(produce, batches, (short) 6, context, false, "the rest of a refused send");
                }
                if (Sequences.outOfTurn(batches)) {
                    outOfTurn.incrementAndGet();
                    return refuse(produce, batches, (short) 6, context, false, null);
                }
                if (guardProducers) {
                    var ready = ProducerIds.produce(produce, context, executor, asking);
                    if (ready != null) {
                        return ready.thenComposeAsync(error -> error != 0 ? refuse(produce, batches, error, context, false, null) : sendOn(batches, key, header, request, context), executor);
                    }
                }
                return sendOn(batches, key, header, request, context);
            }
            if (request instanceof InitProducerIdRequestData init && init.transactionalId() != null) Transactions.timeouts.put(init.transactionalId(), init.transactionTimeoutMs());
            if (guardProducers) {
                // the next transaction of a producer the switch carried over (see Transactions)
                var begun = Transactions.mayCarry(software) ? Transactions.begin(request, context, executor) : null;
                if (begun != null) {
                    return begun.thenComposeAsync(code -> {
                        if (code != 0) {
                            awaiting.get(key).removeIf(sent -> sent.request() == request);
                            return context.requestFilterResultBuilder().shortCircuitResponse(Transactions.refusal(request, code)).completed();
                        }
                        ProducerIds.transaction(request);
                        return hold(key, header, request, context);
                    }, executor);
                }
            }
            if (guardProducers && HOLD.contains(key)) ProducerIds.transaction(request);
            if (HOLD.contains(key)) return hold(key, header, request, context);
            return context.forwardRequest(header, request);
        }

        CompletionStage<RequestFilterResult> sendOn(List<Sequences.Batch> batches, ApiKeys key, RequestHeaderData header, ApiMessage request, FilterContext context) {
            if (batches != null) Sequences.sent(batches);
            return hold(key, header, request, context);
        }

        /**
         * A Produce that carries a partition this connection's broker does not lead, as far as the
         * Metadata answers through this proxy tell. After a switch, a client's cached metadata is
         * the other cluster's; a client that was idle at the switch sends its next request to the
         * broker of the same node id there. That broker leads some of the partitions and not the
         * others: it writes the first and refuses the rest, and a producer without idempotence
         * (kafkajs's default) sends the whole request again: the written ones twice. Measured with
         * 3- and 2-broker clusters and four kafkajs producers over four `gateway switch`es: 107 and
         * 23 records twice. Such a request is refused whole here (NOT_LEADER_OR_FOLLOWER, nothing
         * written); the client asks for metadata, through this proxy, and sends again to the right
         * brokers. A partition whose leader is not known yet passes.
         */
        boolean misdirected(ProduceRequestData produce, FilterContext context) {
            // after a switch, a client that has not asked this proxy for metadata yet has the other
            // cluster's leaders: all its requests are refused until it asked, so that none of one
            // send's requests is answered while another is refused. kafkajs keeps the answers it
            // got and, retrying with the new leaders, skips the partitions that moved to a broker
            // that had answered: acknowledged, never written (tulios/kafkajs#1303). Clients that
            // share a client id are told apart by the leader check below only.
            if (guardProducers && !knowsLeaders.contains(clientId)) return true;
            // the bootstrap connection is forwarded to one of the brokers too: which one shows once
            // the brokers are known (learned at the bind, see ZdpKroxylicious.reconcile)
            if (node(context) < 0 || leaders.isEmpty()) return false;
            for (var td : produce.topicData()) {
                for (var pd : td.partitionData()) {
                    Integer leader = leaders.get(td.name() + "\u0000" + pd.index());
                    if (leader != null && leader != node) return true;
                }
            }
            return false;
        }

        /** the node id of the broker this connection is forwarded to (its channel's remote end), -1 when not known */
        static int nodeOf(String channel) {
            if (channel == null) return -1;
            var m = REMOTE.matcher(channel);
            if (!m.find()) return -1;
            Integer id = brokerIds.get(m.group(1));
            return id == null ? -1 : id;
        }

        /** whether this connection is a restricted one (upstreamRestricted), looked up once */
        Boolean restricted;
        /** the node the client's port stands for (nodeOfPort), -2 until looked up, -1 when none */
        int clientNode = -2;

        int clientNode(FilterContext context) {
            if (clientNode == -2) {
                clientNode = -1;
                // the client's connection (the filters sit on the broker's side): the proxy port it came to
                try {
                    Object handler = handlerOf(context);
                    if (handler != null && CHANNEL_FIELDS[1].get(handler) instanceof io.netty.channel.Channel inbound
                            && inbound.localAddress() instanceof InetSocketAddress local) clientNode = nodeOfPort.getOrDefault(local.getPort(), -1);
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // not this Kroxylicious's layout: left to Kroxylicious
                }
            }
            return clientNode;
        }

        /**
         * A Produce, Fetch or FindCoordinator on a restricted connection (see upstreamRestricted),
         * answered here and the connection closed after the answer, where Kroxylicious's learner
         * would take it unanswered and close the connection under it. Null: left to Kroxylicious.
         * A Produce is refused NOT_LEADER_OR_FOLLOWER whatever node its port stands for (see refuse:
         * it waits for the rest of its send): a produce the learner took was neither written nor
         * answered.
         * Such connections are the ones a client opened in the moment between a bind and the
         * proxy learning the brokers (every client reconnects then, after a switch), and every
         * connection to the port of a node the cluster lacks (a switch to a cluster with fewer
         * brokers). To a kafkajs consumer a Fetch whose connection closes says that broker is gone:
         * it drops it, and with none left it crashes ("No broker available"); a kafkajs
         * FindCoordinator whose connection closes moves to the next broker, and with none left it
         * crashes ("Failed to find group coordinator"). Both crashes were seen in fleet benchmark
         * runs, whose logs did not show their cause; what the learner does is shown after every fleet
         * switch (it closed 1-4 client connections in the second after the bind) and by
         * gateway-restricted.test.ts.
         *   - A node the cluster has: its port is bound properly now; the client is told to try
         *     again, and does so on a new connection. A Fetch is answered KAFKA_STORAGE_ERROR
         *     (kafkajs fetches again after its retry backoff, its brokers kept; see closing), or
         *     NOT_LEADER_OR_FOLLOWER to a Java client (it refreshes its metadata); a consumer
         *     gated at its first fetch is told to rejoin, as on any connection. A FindCoordinator is
         *     answered COORDINATOR_NOT_AVAILABLE: the client asks the same broker again.
         *   - A node the cluster lacks: a FindCoordinator is answered NOT_COORDINATOR at once
         *     (kafkajs asks its next broker, as it did when the learner closed the connection 0.13-0.22 s
         *     later). A Fetch is left to Kroxylicious: its closed connection is how kafkajs learns
         *     that broker is gone.
         * Not known (the brokers not read yet, or ports that stand for no node): left to Kroxylicious.
         */
        CompletionStage<RequestFilterResult> restrictedAnswer(ApiKeys key, RequestHeaderData header, ApiMessage request, FilterContext context) {
            if (request instanceof ProduceRequestData produce) {
                // whatever node the port stands for: the client sends again on a new connection,
                // bound to its broker, or refreshes its metadata first
                restrictedRefused.incrementAndGet();
                return refuse(produce, Sequences.ifWaiting(produce), (short) 6, context, true, "on a connection accepted before the brokers were known");
            }
            Boolean has = clusterHas(clientNode(context));
            if (has == null) return null;
            if (key == ApiKeys.FIND_COORDINATOR) {
                restrictedAnswered.incrementAndGet();
                var error = has ? Errors.COORDINATOR_NOT_AVAILABLE : Errors.NOT_COORDINATOR;
                return context.requestFilterResultBuilder().errorResponse(header, request, error.exception()).withCloseConnection().completed();
            }
            if (!has || !(request instanceof FetchRequestData fetch) || fetch.replicaId() >= 0 || fetch.replicaState().replicaId() >= 0) return null;
            boolean kafkajs = software.isEmpty() && fetch.sessionEpoch() == -1;
            short error = kafkajs ? KAFKA_STORAGE_ERROR : NOT_LEADER_OR_FOLLOWER;
            if (kafkajs && gated() && !nudged && joinedBeforeThisConnection() == 0) {
                nudged = true;
                nudges.incrementAndGet();
                error = REBALANCE_IN_PROGRESS;
            }
            restrictedAnswered.incrementAndGet();
            return context.requestFilterResultBuilder().shortCircuitResponse(noRecords(fetch, error)).withCloseConnection().completed();
        }

        boolean restricted(FilterContext context) {
            if (restricted == null) restricted = upstreamRestricted(context);
            return restricted;
        }

        /**
         * Every partition of a Produce answered with one error, nothing written; the connection
         * closed after the answer if `close`, and the refusal logged with `why` if given. The
         * producer is answered only once its Produce requests in flight then were; a producer without
         * idempotence has its others meanwhile refused too (see REFUSAL_SKEW_MS).
         */
        CompletionStage<RequestFilterResult> refuse(ProduceRequestData produce, List<Sequences.Batch> batches, short error, FilterContext context, boolean close, String why) {
            if (why != null && refusalsLogged.incrementAndGet() <= 50) System.out.println("zdp: refused a Produce of client id " + printable(clientId) + ", " + why + " (at " + System.currentTimeMillis() + ")");
            String producer = producer(produce);
            long started = System.currentTimeMillis();
            // refused from now, not from the answer: a later batch of its partition that comes
            // meanwhile is refused too (Sequences.outOfTurn)
            Sequences.refused(batches != null ? batches : Sequences.of(produce));
            // answered once the producer's requests in flight as it comes were (not later ones: a
            // Java producer keeps up to five per broker in flight, and waiting for all of them could
            // hold its refusal for seconds)
            var inFlightNow = new ArrayList<InFlight>();
            for (var f : inflightProduce) if (producer.equals(f.producer)) inFlightNow.add(f);
            // a kafkajs idempotent or transactional producer: the rest of its send may come just after
            // (see REFUSAL_SKEW_MS), so its requests forwarded until then are waited for (those in
            // flight as it came among them); a Java producer's later requests are its next batches
            boolean restOfSend = software.isEmpty() && !producer.startsWith("c");
            java.util.function.BooleanSupplier waiting = restOfSend
                    ? () -> {
                        long now = System.currentTimeMillis();
                        return now - started < REFUSAL_SKEW_MS || inflightProduce.stream().anyMatch(f -> producer.equals(f.producer) && f.forwardedAt <= started + REFUSAL_SKEW_MS && !f.gone(now));
                    }
                    : () -> inFlightNow.stream().anyMatch(f -> inflightProduce.contains(f) && !f.gone(System.currentTimeMillis()));
            // an idempotent producer's other requests that come meanwhile are forwarded: its batches
            // are numbered (a refused one is sent again, the later ones of its partition are refused)
            if (!producer.startsWith("c")) return inFlightNow.isEmpty() && !restOfSend ? refusal(produce, error, context, close) : answerWhenAnswered(started, waiting, () -> refusal(produce, error, context, close));
            if (pruneDue(refusalsPruned, refusals.size(), started)) {
                refusals.entrySet().removeIf(e -> {
                    synchronized (e.getValue()) {
                        return (e.getValue().pending == 0 || e.getValue().pendingUntil < started) && e.getValue().until < started - 60_000;
                    }
                });
            }
            Refusal r = refusals.computeIfAbsent(producer, k -> new Refusal());
            synchronized (r) {
                r.pending++;
                r.pendingUntil = Math.max(r.pendingUntil, started + REFUSAL_WAIT_MS + 1_000);
            }
            return answerWhenAnswered(started, waiting, () -> {
                synchronized (r) {
                    r.pending--;
                    r.until = Math.max(r.until, System.currentTimeMillis() + REFUSAL_SKEW_MS);
                }
                return refusal(produce, error, context, close);
            });
        }

        /** The answer, once nothing is `waiting` any more (at most REFUSAL_WAIT_MS after `started`). */
        CompletionStage<RequestFilterResult> answerWhenAnswered(long started, java.util.function.BooleanSupplier waiting, java.util.function.Supplier<CompletionStage<RequestFilterResult>> answer) {
            var future = new CompletableFuture<RequestFilterResult>();
            Runnable[] attempt = new Runnable[1];
            attempt[0] = () -> {
                if (System.currentTimeMillis() - started < REFUSAL_WAIT_MS && waiting.getAsBoolean()) {
                    executor.schedule(attempt[0], 5, TimeUnit.MILLISECONDS);
                    return;
                }
                answer.get().whenComplete((result, e) -> {
                    if (e != null) future.completeExceptionally(e);
                    else future.complete(result);
                });
            };
            attempt[0].run();
            return future;
        }

        /** The refusal's answer, at once. */
        CompletionStage<RequestFilterResult> refusal(ProduceRequestData produce, short error, FilterContext context, boolean close) {
            var response = new ProduceResponseData();
            for (var td : produce.topicData()) {
                var topic = new ProduceResponseData.TopicProduceResponse().setName(td.name());
                for (var pd : td.partitionData()) {
                    topic.partitionResponses().add(new ProduceResponseData.PartitionProduceResponse().setIndex(pd.index()).setErrorCode(error).setBaseOffset(-1).setLogAppendTimeMs(-1).setLogStartOffset(-1));
                }
                response.responses().add(topic);
            }
            var result = context.requestFilterResultBuilder().shortCircuitResponse(response);
            return close ? result.withCloseConnection().completed() : result.completed();
        }

        /** A group request: held with the producers' on an instance bound early (holdGroups), else forwarded. */
        CompletionStage<RequestFilterResult> holdGroupRequest(ApiKeys key, RequestHeaderData header, ApiMessage request, FilterContext context) {
            // the lock only on an instance bound early: a commit or heartbeat of an instance that serves takes none
            if (holdGroups && HOLD_GROUPS.contains(key)) {
                synchronized (lock) {
                    if (holdGroups) {
                        heldGroupRequests.incrementAndGet();
                        return heldUntilServe(context, false, () -> context.forwardRequest(header, request));
                    }
                }
            }
            return context.forwardRequest(header, request);
        }

        /** Held (under the lock): sent, in order, at the next serve; its answer is the sent request's. */
        CompletionStage<RequestFilterResult> heldUntilServe(FilterContext context, boolean producer, java.util.function.Supplier<CompletionStage<RequestFilterResult>> send) {
            var future = new CompletableFuture<RequestFilterResult>();
            heldCount.incrementAndGet();
            held.add(new Held(() -> executor.execute(() -> send.get().whenComplete((r, e) -> {
                if (e != null) future.completeExceptionally(e);
                else future.complete(r);
            })), this, context, future, producer, System.currentTimeMillis()));
            return future;
        }

        /** A Produce or transaction request: held while producers are, else forwarded. */
        CompletionStage<RequestFilterResult> hold(ApiKeys key, RequestHeaderData header, ApiMessage request, FilterContext context) {
            boolean acks = !(request instanceof ProduceRequestData p) || p.acks() != 0;
            synchronized (lock) {
                if (holding() && !(key == ApiKeys.PRODUCE && (sameSendAsForwarded((ProduceRequestData) request) || siblingOfSend((ProduceRequestData) request))) && !followsTransaction(request)) {
                    traceHold(request, context, "held");
                    return heldUntilServe(context, true, () -> forward(key, header, request, context, acks));
                }
                if (holding()) traceHold(request, context, "forwarded");
                return forward(key, header, request, context, acks);
            }
        }

        /**
         * A Produce that comes during a hold, in the log (HOLD_TRACED of each hold at most; no record
         * data): which producer, which connection and broker, how wide, how its records are stamped,
         * and what its producer's current send was. A send split by the hold (its first request
         * forwarded, another held) loses records with kafkajs: a fleet benchmark run lost 28 that
         * way, and without this line which request of the send was held, and why, was not known.
         */
        void traceHold(ApiMessage request, FilterContext context, String what) {
            if (!(request instanceof ProduceRequestData produce) || holdTraced.incrementAndGet() > HOLD_TRACED) return;
            long now = System.currentTimeMillis();
            String producer = producer(produce);
            int partitions = 0;
            for (var td : produce.topicData()) partitions += td.partitionData().size();
            Send send = sends.get(producer);
            String sendSeen = send == null ? "no send seen"
                    : "its send begun " + (now - send.start) + " ms before on " + send.connections.size() + " connection(s), stamped " + (send.stamp < 0 ? "-" : String.valueOf(send.stamp)) + ", widest " + fanOut.getOrDefault(producer, 1);
            System.out.println("zdp: hold: Produce of " + printable(producer) + " on connection " + id + " to node " + node(context) + ", " + partitions + " partition(s), stamped " + stamp(produce)
                    + ": " + what + " +" + (now - phaseSince) + " ms into the hold" + (holdInForce ? " (in force)" : "") + "; " + sendSeen + " (at " + now + ")");
        }

        /** a request of a transaction open when the hold began, forwarded so that it can end (see Transactions); not the start of a transaction's next */
        boolean followsTransaction(ApiMessage request) {
            String txId = request instanceof ProduceRequestData p ? p.transactionalId()
                    : request instanceof AddPartitionsToTxnRequestData a ? a.v3AndBelowTransactionalId()
                    : request instanceof AddOffsetsToTxnRequestData o ? o.transactionalId()
                    : request instanceof EndTxnRequestData e ? e.transactionalId()
                    : request instanceof TxnOffsetCommitRequestData c ? c.transactionalId() : null;
            return Transactions.follows(txId, System.currentTimeMillis());
        }

        /**
         * within SOFT_HOLD_MS of the hold, from a client that had a Produce forwarded at most that long
         * before it began, and of a producer whose sends are not followed (see noteSend). A followed
         * producer's requests are forwarded in a hold only as the rest of a send begun before it
         * (siblingOfSend): by time alone, the first request of its next send went through and the
         * rest of that send were held (a kafkajs idempotent producer at its defaults, in a fleet
         * benchmark run: forwarded 23 ms into the hold, its other two held 53 and 60 ms in). Retrying
         * after the switch, kafkajs skipped the partitions now led by the broker that had answered:
         * 17 records acknowledged and never written, and 6 written twice.
         */
        boolean sameSendAsForwarded(ProduceRequestData produce) {
            if (followed(produce)) return false;
            long since = phaseSince;
            Long last = lastProduceForwarded.get(clientId);
            return System.currentTimeMillis() - since <= SOFT_HOLD_MS && last != null && last >= since - SOFT_HOLD_MS;
        }

        /**
         * the producer a Produce comes from: its producer id, else (no idempotence) its client id. The
         * id it is written with here (ProducerIds): the same before and after the request is
         * rewritten, so that a refusal (read before) and the requests in flight (after) agree.
         */
        String producer(ProduceRequestData produce) {
            for (var td : produce.topicData()) {
                for (var pd : td.partitionData()) {
                    if (pd.records() instanceof MemoryRecords records) {
                        for (var batch : records.batches()) {
                            long id = batch.producerId();
                            if (id < 0) return "c" + clientId;
                            Long real = ProducerIds.handedOut.get(id);
                            long[] renewed = real == null ? ProducerIds.fresh.get(id) : null;
                            return "p" + (real != null ? real : renewed != null ? renewed[0] : id);
                        }
                    }
                }
            }
            return "c" + clientId;
        }

        /** a request of the producer's current send on a connection it has not used, within SEND_SPREAD_MS of the send's first (see SEND_SPREAD_MS) */
        boolean siblingOfSend(ProduceRequestData produce) {
            String producer = producer(produce);
            Send send = sends.get(producer);
            long now = System.currentTimeMillis();
            if (holdInForce || send == null || send.connections.contains(id) || !awaited(producer, send, now) || send.before(stamp(produce))) return false;
            siblingsForwarded.incrementAndGet();
            System.out.println("zdp: hold: forwarded a Produce of a send begun before the hold, " + (now - send.start) + " ms after its first request (at " + now + ")");
            return true;
        }

        /** whether the producer's sends are followed (see noteSend): neither a transactional producer's nor a Java client's */
        boolean followed(ProduceRequestData produce) {
            return produce.transactionalId() == null && !JAVA_CLIENT.equals(software);
        }

        /**
         * the Produce joins its producer's current send, or begins the next (a connection used again,
         * the window past, or records built after an answer to it); the send it was taken for. A
         * transactional producer's sends are not followed: what it wrote counts only once its
         * transaction commits, and EndTxn is held, so a send of it cut by the hold is sent again in
         * a new transaction whole. Followed, the hold waited for the rest of such a send, which
         * never came (kafkajs adds each broker's partitions to the transaction before it produces
         * there, and that AddPartitionsToTxn was held): 0.5 s of every client's pause in two fleet
         * benchmark runs. Nor are the Java client's: it sends to each broker on its own, batch by
         * batch, and a batch held here dies with this instance and is sent again to its partition's
         * new leader (its partitions are never skipped, as kafkajs skips those of a broker that
         * answered); followed, its sends were seldom as wide as its widest, and a fleet run's hold
         * waited out the 600 ms window for one that had reached 2 of 3 brokers.
         */
        Send noteSend(ProduceRequestData produce, String producer, long now) {
            if (!followed(produce)) return null;
            if (pruneDue(sendsPruned, sends.size(), now)) pruneSends(now);
            long stamp = stamp(produce);
            return sends.compute(producer, (k, send) -> {
                if (send == null || now - send.start > SEND_SPREAD_MS || send.before(stamp) || !send.connections.add(id)) return new Send(now, id, stamp);
                fanOut.merge(k, send.connections.size(), Math::max);
                return send;
            });
        }

        CompletionStage<RequestFilterResult> forward(ApiKeys key,
                RequestHeaderData header, ApiMessage request, FilterContext context, boolean acks) {
            Send send = null;
            String producer = null;
            if (request instanceof ProduceRequestData p) {
                long now = System.currentTimeMillis();
                lastProduceForwarded.put(clientId, now);
                if (p.transactionalId() != null) Transactions.opened(p.transactionalId(), now);
                producer = producer(p);
                send = noteSend(p, producer, now);
            }
            if (acks) {
                var sent = request instanceof ProduceRequestData p ? new InFlight(p.timeoutMs(), open(context), producer, send) : new InFlight(30_000, open(context));
                produceSent.add(sent);
                inflightProduce.add(sent);
            }
            return context.forwardRequest(header, request);
        }

        /**
         * A consumer switched under this instance that leaves its group (kafkajs does when it
         * crashes, as every kafkajs consumer whose fetch connections closed at the switch does)
         * names the member id the old cluster gave it, and sends the LeaveGroup to its old
         * coordinator's node id. This cluster does not know the member, and that node may be another
         * broker here, or none (a port Kroxylicious then answers only after learning the brokers and
         * by closing the connection): seen in a fleet benchmark run, three of five kafkajs consumers
         * waited 0.37-0.43 s for that answer before their restart, and were the last to rejoin.
         * While its client id is gated, a LeaveGroup whose every member is an id this cluster did not
         * give out through this instance (no static member) is answered here at once,
         * UNKNOWN_MEMBER_ID, as the cluster would; the client's leave ignores the error.
         */
        boolean leavesOtherCluster(LeaveGroupRequestData leave) {
            // v0-2 name one member, v3+ a list
            boolean any = false;
            if (leave.memberId() != null && !leave.memberId().isEmpty()) {
                if (!otherClustersMember(leave.memberId())) return false;
                any = true;
            }
            for (var m : leave.members()) {
                if (m.groupInstanceId() != null || !otherClustersMember(m.memberId())) return false;
                any = true;
            }
            return any && gated();
        }

        /** a member id, and one this cluster did not give out through this instance (as far as it kept count) */
        static boolean otherClustersMember(String member) {
            return member != null && !member.isEmpty() && !givenMembersOverflowed && !givenMembers.contains(member);
        }

        /** A LeaveGroup answered UNKNOWN_MEMBER_ID: the request's error (v0-2), each member's (v3+) */
        static LeaveGroupResponseData unknownMembers(LeaveGroupRequestData leave, short version) {
            var response = new LeaveGroupResponseData().setThrottleTimeMs(0);
            if (version < 3) return response.setErrorCode((short) 25);
            for (var m : leave.members()) {
                response.members().add(new LeaveGroupResponseData.MemberResponse().setMemberId(m.memberId()).setGroupInstanceId(null).setErrorCode((short) 25));
            }
            return response.setErrorCode((short) 0);
        }

        /**
         * A consumer switched under this instance rejoins with the member id the old cluster gave it.
         * This cluster answers UNKNOWN_MEMBER_ID, and kafkajs then asks again only after its retry
         * backoff (seen: 0.34-0.35 s a consumer, every kafkajs consumer at every switch). Sent on
         * with no member id, the join is answered MEMBER_ID_REQUIRED with a new id, which kafkajs and
         * the Java client use at once, as they would after UNKNOWN_MEMBER_ID. Only while its client
         * id is gated (just after a switch), and only for an id this cluster did not give out through
         * this instance: a member this cluster knows keeps its id (given another, the group would
         * wait for the old one until its session ran out).
         */
        void askForNewMember(JoinGroupRequestData join) {
            String member = join.memberId();
            if (!otherClustersMember(member) || !gated()) return;
            join.setMemberId("");
            memberResets.incrementAndGet();
            System.out.println("zdp: a consumer of client id " + printable(clientId) + " rejoins group " + printable(join.groupId()) + " with a member id of the other cluster: asked for a new one at once (at " + System.currentTimeMillis() + ")");
        }

        /** a member id this cluster gave out through this instance (JoinGroup answers, MEMBER_ID_REQUIRED included) */
        static void memberGiven(JoinGroupResponseData join) {
            // an error answer names the id it refused (UNKNOWN_MEMBER_ID): only a join, or a new id to join with (MEMBER_ID_REQUIRED), gives one
            if (join.errorCode() != 0 && join.errorCode() != Errors.MEMBER_ID_REQUIRED.code()) return;
            String member = join.memberId();
            if (member == null || member.isEmpty() || givenMembersOverflowed) return;
            if (givenMembers.size() >= MEMBERS_KEPT) {
                givenMembersOverflowed = true;
                givenMembers.clear();
                return;
            }
            givenMembers.add(member);
        }

        boolean gated() {
            Gate g = gate.get(clientId);
            if (g == null) return false;
            if (g.until < System.currentTimeMillis()) {
                if (gate.remove(clientId, g)) System.out.println("zdp: client id " + printable(clientId) + " gets records again: " + g.joined.size() + " of its " + g.members + " consumers rejoined before the gate's time ran out");
                return false;
            }
            return true;
        }

        /** the node id of the broker this connection is forwarded to (learned at the bind), -1 while not known */
        int node(FilterContext context) {
            if (node < 0 && !brokerIds.isEmpty()) node = nodeOf(context.channelDescriptor());
            return node;
        }

        /** the broker a Fetch goes to: the connection's (learned at the bind), else the leader the filter last saw for one of its partitions; -1 when not known */
        int fetchNode(FetchRequestData fetch, FilterContext context) {
            if (node(context) >= 0) return node;
            for (var t : fetch.topics()) {
                String name = t.topic() != null && !t.topic().isEmpty() ? t.topic() : topicNames.get(t.topicId());
                if (name == null) continue;
                for (var p : t.partitions()) {
                    Integer leader = leaders.get(name + "\u0000" + p.partition());
                    if (leader != null) return leader;
                }
            }
            return -1;
        }

        /**
         * Every partition of a Fetch answered `errorCode` at once, no records: NOT_LEADER_OR_FOLLOWER
         * (the client refreshes its metadata), REBALANCE_IN_PROGRESS (kafkajs rejoins), KAFKA_STORAGE_ERROR
         * (see closing).
         */
        static RequestFilterResult fetchError(FetchRequestData fetch, FilterContext context, short errorCode) {
            return context.requestFilterResultBuilder().shortCircuitResponse(noRecords(fetch, errorCode)).build();
        }

        /** A Fetch of a client that names no software while the instance closes: KAFKA_STORAGE_ERROR, and its connection closed after the answer (see ZdpQuiesce.closing) */
        static RequestFilterResult closingAnswer(FetchRequestData fetch, FilterContext context) {
            return context.requestFilterResultBuilder().shortCircuitResponse(noRecords(fetch, KAFKA_STORAGE_ERROR)).withCloseConnection().build();
        }

        /** An answer to a Fetch with no records, each partition with this error code */
        static FetchResponseData noRecords(FetchRequestData fetch, short errorCode) {
            var response = new FetchResponseData().setErrorCode((short) 0).setSessionId(0).setThrottleTimeMs(0);
            for (var t : fetch.topics()) {
                var topic = new FetchResponseData.FetchableTopicResponse().setTopic(t.topic()).setTopicId(t.topicId());
                for (var p : t.partitions()) {
                    topic.partitions().add(new FetchResponseData.PartitionData().setPartitionIndex(p.partition()).setErrorCode(errorCode)
                            .setHighWatermark(-1).setLastStableOffset(-1).setLogStartOffset(-1).setRecords(MemoryRecords.EMPTY));
                }
                response.responses().add(topic);
            }
            return response;
        }

        /**
         * No records, after the client's own max wait (at most `atMostMs`), so it does not spin. A
         * client that names no software (kafkajs) waits for it with a Fetch in flight: see closing.
         */
        CompletionStage<RequestFilterResult> emptyFetch(FetchRequestData fetch, FilterContext context, long atMostMs) {
            if (closing && software.isEmpty()) {
                fetchesAnsweredClosing.incrementAndGet();
                return CompletableFuture.completedFuture(closingAnswer(fetch, context));
            }
            var response = noRecords(fetch, (short) 0);
            drainedFetches.incrementAndGet();
            var result = context.requestFilterResultBuilder().shortCircuitResponse(response).build();
            var future = new CompletableFuture<RequestFilterResult>();
            long waitMs = Math.max(0, Math.min(fetch.maxWaitMs(), atMostMs));
            if (!software.isEmpty() || waitMs == 0) {
                executor.schedule(() -> future.complete(result), waitMs, TimeUnit.MILLISECONDS);
                return future;
            }
            var w = new WaitingFetch(this, future, fetch, context);
            waitingFetches.add(w);
            executor.schedule(() -> {
                waitingFetches.remove(w);
                future.complete(result);
            }, waitMs, TimeUnit.MILLISECONDS);
            return future;
        }

        @Override
        public CompletionStage<ResponseFilterResult> onResponse(ApiKeys key,
                ResponseHeaderData header, ApiMessage response, FilterContext context) {
            if (key == ApiKeys.FETCH) {
                // forwarded before its client was cut off, answered after: no records. What a client
                // is given is final from its cut-off, so a drain is in force at its planned end, not
                // once every forwarded fetch came back (a read_committed fetch held at an open
                // transaction's stable offset comes back after its max wait: kafkajs 5 s). The client
                // asks for them again, and reads them on the other cluster after the switch
                // given in a drain, cut or not, an answer is a batch a partition at most: the gap after it counts as such
                boolean trimmed = false;
                if (cutOff()) withoutRecords((FetchResponseData) response);
                else if (trimming()) {
                    trim((FetchResponseData) response);
                    trimmed = true;
                }
                if (record((FetchResponseData) response)) {
                    recordsGivenAt = System.currentTimeMillis();
                    givenTrimmed = trimmed;
                }
                answered(inflightFetch, fetchSent);
            } else if (HOLD.contains(key)) {
                // the client is handed an id it can be told apart by (the real one is written)
                if (guardProducers && response instanceof InitProducerIdResponseData init && init.errorCode() == 0) init.setProducerId(ProducerIds.virtual(init.producerId()));
                Sent sent = answerFor(key);
                // an EndTxn answer of transaction version 2 names the producer's id and next epoch: the client's own (see ProducerIds.answered)
                if (guardProducers && sent != null && response instanceof EndTxnResponseData end) ProducerIds.answered((EndTxnRequestData) sent.request(), end);
                if (sent != null && response instanceof EndTxnResponseData end) Transactions.endTxnAnswered((EndTxnRequestData) sent.request(), end, System.currentTimeMillis());
                else if (sent != null && response instanceof InitProducerIdResponseData init && init.errorCode() == 0) Transactions.initialised(((InitProducerIdRequestData) sent.request()).transactionalId(), init.producerId(), init.producerEpoch(), System.currentTimeMillis());
                else if (sent != null && added(response)) Transactions.opened(sent.request() instanceof AddPartitionsToTxnRequestData a ? a.v3AndBelowTransactionalId() : ((AddOffsetsToTxnRequestData) sent.request()).transactionalId(), System.currentTimeMillis());
                // answered only now: a hold that checks in between finds the transaction open (or
                // ended), never neither in flight nor open, which would put it in force with the
                // transaction's Produce still to come (cut, and refused after the switch)
                answered(inflightProduce, produceSent);
                if (sent != null && concurrentTransactions(response) && !holding()) return askAgain(sent.request(), sent.version(), header, response, context);
            } else if (key == ApiKeys.METADATA) {
                knowsLeaders.add(clientId);
                for (var t : ((MetadataResponseData) response).topics()) {
                    if (t.name() != null && t.topicId() != null && !Uuid.ZERO_UUID.equals(t.topicId())) topicNames.put(t.topicId(), t.name());
                    if (t.name() == null || t.errorCode() != 0) continue;
                    for (var p : t.partitions()) {
                        if (p.errorCode() == 0 && p.leaderId() >= 0) leaders.put(t.name() + "\u0000" + p.partitionIndex(), p.leaderId());
                        else leaders.remove(t.name() + "\u0000" + p.partitionIndex());
                    }
                }
            } else if (key == ApiKeys.OFFSET_COMMIT) {
                Sent sent = answerFor(key);
                if (sent != null && draining()) committedBy((OffsetCommitRequestData) sent.request(), (OffsetCommitResponseData) response);
            } else if (key == ApiKeys.JOIN_GROUP) {
                memberGiven((JoinGroupResponseData) response);
            } else if (key == ApiKeys.SYNC_GROUP) {
                Sent sent = answerFor(key);
                String member = sent == null ? null : ((SyncGroupRequestData) sent.request()).groupId() + "\u0000" + ((SyncGroupRequestData) sent.request()).memberId();
                Gate g = gate.get(clientId);
                if (((SyncGroupResponseData) response).errorCode() == 0 && member != null && g != null) {
                    // a member of this client id joined its group here: it reads from the group's
                    // committed offsets now; the gate opens once every member named did
                    if (g.joined.add(member)) System.out.println("zdp: a consumer of client id " + printable(clientId) + " joined here, " + g.joined.size() + " of " + g.members + (g.joined.size() >= g.members ? ": its fetches get records again" : "") + " (at " + System.currentTimeMillis() + ")");
                    if (g.joined.size() >= g.members) gate.remove(clientId, g);
                }
            }
            return context.forwardResponse(header, response);
        }

        /** the oldest unanswered request of this kind (ANSWER_READ) on this connection, taken off: the one this answer is for */
        Sent answerFor(ApiKeys key) {
            var q = awaiting.get(key);
            return q == null ? null : q.poll();
        }

        /**
         * Whether an AddPartitionsToTxn (as a client sends it, version 3 or below) or AddOffsetsToTxn
         * answer says only CONCURRENT_TRANSACTIONS: the coordinator still writes the markers of the
         * producer's previous transaction, and nothing was added.
         */
        static boolean concurrentTransactions(ApiMessage response) {
            if (response instanceof AddOffsetsToTxnResponseData r) return r.errorCode() == CONCURRENT_TRANSACTIONS;
            if (!(response instanceof AddPartitionsToTxnResponseData r) || r.resultsByTopicV3AndBelow().isEmpty()) return false;
            boolean concurrent = false;
            for (var t : r.resultsByTopicV3AndBelow()) {
                for (var p : t.resultsByPartition()) {
                    if (p.partitionErrorCode() == CONCURRENT_TRANSACTIONS) concurrent = true;
                    // OPERATION_NOT_ATTEMPTED: another partition's error stopped it
                    else if (p.partitionErrorCode() != 53) return false;
                }
            }
            return concurrent;
        }

        /**
         * Asks the coordinator again, every TXN_ASK_AGAIN_MS, until it answers otherwise (then that
         * answer goes to the client) or TXN_ASK_AGAIN_MAX_MS passed or producers are held (then the
         * last answer goes). A producer's next transaction adds its partitions as soon as the last
         * one's commit was answered, while the coordinator still writes that commit's markers to
         * every partition's leader. The Java client asks again after 20 ms; kafkajs treats the
         * error as any other, with its retry backoff (by default 300 ms, doubling), and when the
         * request was one broker's of a send whose other requests were in flight, it sends those
         * again too, with the sequences the first had advanced: the same records twice in one
         * transaction (tulios/kafkajs#1315): five such answers and 22-90 records written twice by
         * its transactional producer in a fleet benchmark run, with no cutover anywhere near.
         */
        CompletionStage<ResponseFilterResult> askAgain(ApiMessage request, short version, ResponseHeaderData header, ApiMessage first, FilterContext context) {
            var future = new CompletableFuture<ResponseFilterResult>();
            long started = System.currentTimeMillis();
            String client = clientId;
            // Kroxylicious passes on the answer it read: a later one is copied into it
            Runnable answer = () -> future.complete(context.responseFilterResultBuilder().forward(header, first).build());
            var attempt = new Runnable[1];
            attempt[0] = () -> {
                if (holding() || System.currentTimeMillis() - started >= TXN_ASK_AGAIN_MAX_MS) {
                    answer.run();
                    return;
                }
                transactionAddsAskedAgain.incrementAndGet();
                var again = new RequestHeaderData().setRequestApiVersion(version).setClientId(client);
                context.<ApiMessage>sendRequest(again, request).whenComplete((r, e) -> {
                    if (e == null) adopt(first, r);
                    if (e == null && concurrentTransactions(r)) executor.schedule(attempt[0], TXN_ASK_AGAIN_MS, TimeUnit.MILLISECONDS);
                    else answer.run();
                });
            };
            executor.schedule(attempt[0], TXN_ASK_AGAIN_MS, TimeUnit.MILLISECONDS);
            return future;
        }

        /** whether an AddPartitionsToTxn (version 3 or below) or AddOffsetsToTxn answer added something to the transaction: it is open */
        static boolean added(ApiMessage response) {
            if (response instanceof AddOffsetsToTxnResponseData r) return r.errorCode() == 0;
            if (!(response instanceof AddPartitionsToTxnResponseData r)) return false;
            for (var t : r.resultsByTopicV3AndBelow()) {
                for (var p : t.resultsByPartition()) if (p.partitionErrorCode() == 0) return true;
            }
            return false;
        }

        /** `into` made the same answer as `from` (both AddPartitionsToTxn or both AddOffsetsToTxn) */
        static void adopt(ApiMessage into, ApiMessage from) {
            if (into instanceof AddPartitionsToTxnResponseData a && from instanceof AddPartitionsToTxnResponseData b) {
                a.setThrottleTimeMs(b.throttleTimeMs()).setErrorCode(b.errorCode()).setResultsByTopicV3AndBelow(b.resultsByTopicV3AndBelow().duplicate());
            } else if (into instanceof AddOffsetsToTxnResponseData a && from instanceof AddOffsetsToTxnResponseData b) {
                a.setThrottleTimeMs(b.throttleTimeMs()).setErrorCode(b.errorCode());
            }
        }

        /** The offsets a commit set, on the partitions its answer took without error. */
        static void committedBy(OffsetCommitRequestData sent, OffsetCommitResponseData answer) {
            if (sent.groupId() == null || sent.groupId().isEmpty()) return;
            var asked = new HashMap<String, Long>();
            for (var t : sent.topics()) for (var p : t.partitions()) asked.put(t.name() + "\u0000" + p.partitionIndex(), p.committedOffset());
            var group = committed.computeIfAbsent(sent.groupId(), g -> new ConcurrentHashMap<>());
            for (var t : answer.topics()) {
                for (var p : t.partitions()) {
                    String tp = t.name() + "\u0000" + p.partitionIndex();
                    Long offset = asked.get(tp);
                    if (p.errorCode() == 0 && offset != null && offset >= 0) group.put(tp, offset);
                }
            }
        }

        /**
         * Cuts each partition's records in a Fetch answer to its first data batch (with the control
         * batches before it); its offsets and errors kept, the client fetches the rest next.
         */
        static void trim(FetchResponseData response) {
            for (var t : response.responses()) {
                for (var p : t.partitions()) {
                    if (!(p.records() instanceof MemoryRecords records) || records.sizeInBytes() == 0) continue;
                    int size = 0;
                    boolean data = false;
                    for (var batch : records.batches()) {
                        if (data) break;
                        size += batch.sizeInBytes();
                        data = !batch.isControlBatch();
                    }
                    if (size >= records.sizeInBytes()) continue;
                    ByteBuffer first = records.buffer();
                    first.limit(first.position() + size);
                    p.setRecords(MemoryRecords.readableRecords(first.slice()));
                }
            }
        }

        /** Takes every partition's records out of a Fetch answer (its offsets and errors kept). */
        static void withoutRecords(FetchResponseData response) {
            for (var t : response.responses()) {
                for (var p : t.partitions()) {
                    if (p.records() != null && p.records().sizeInBytes() > 0) p.setRecords(MemoryRecords.EMPTY);
                }
            }
        }

        /** The last data offset of each partition this fetch delivers (control and aborted batches do not count); whether it delivers any. */
        boolean record(FetchResponseData response) {
            boolean any = false;
            pruneDelivered(System.currentTimeMillis());
            for (var t : response.responses()) {
                String name = t.topic() != null && !t.topic().isEmpty() ? t.topic() : topicNames.get(t.topicId());
                if (name == null) name = "id:" + t.topicId();
                for (var p : t.partitions()) {
                    if (p.errorCode() != 0 || !(p.records() instanceof MemoryRecords records) || records.sizeInBytes() == 0) continue;
                    long last = -1;
                    var aborts = Aborts.of(p.abortedTransactions());
                    for (var batch : records.batches()) {
                        if (aborts.skipped(batch)) continue;
                        last = batch.lastOffset();
                    }
                    if (last < 0) continue;
                    final long l = last;
                    delivered.computeIfAbsent(this, c -> new ConcurrentHashMap<>()).merge(name + "\u0000" + p.partitionIndex(), l, Math::max);
                    any = true;
                }
            }
            return any;
        }

    }

    /**
     * What a read_committed consumer skips of one partition's fetched batches, in their order, as
     * Kafka's consumer decides it (CompletedFetch): a producer's transactional batches from the first
     * offset of one of its aborted transactions until its abort marker, and control batches. A
     * later transaction of the same producer, committed, is delivered: taking every batch after an
     * aborted transaction's first offset as aborted counted it as not delivered, so a drain could end
     * before the consumer committed it, and it would be read again after the switch. A
     * read_uncommitted consumer gets no aborted transactions in its answer: it skips control
     * batches only.
     */
    static class Aborts {
        /** no aborted transaction in the answer (most partitions, every read_uncommitted one): control batches only, nothing allocated per partition */
        static final Aborts NONE = new Aborts() {
            @Override
            boolean skipped(RecordBatch batch) {
                return batch.isControlBatch();
            }
        };
        private final java.util.PriorityQueue<FetchResponseData.AbortedTransaction> pending;
        private final Set<Long> producers = new java.util.HashSet<>();

        private Aborts() {
            pending = null;
        }

        private Aborts(List<FetchResponseData.AbortedTransaction> aborted) {
            pending = new java.util.PriorityQueue<>(aborted.size(), java.util.Comparator.comparingLong(FetchResponseData.AbortedTransaction::firstOffset));
            pending.addAll(aborted);
        }

        static Aborts of(List<FetchResponseData.AbortedTransaction> aborted) {
            return aborted == null || aborted.isEmpty() ? NONE : new Aborts(aborted);
        }

        /** whether the consumer skips this batch (call for each batch, in offset order) */
        boolean skipped(RecordBatch batch) {
            if (batch.hasProducerId()) {
                while (!pending.isEmpty() && pending.peek().firstOffset() <= batch.lastOffset()) producers.add(pending.poll().producerId());
                if (batch.isControlBatch()) {
                    if (isAbortMarker(batch)) producers.remove(batch.producerId());
                    return true;
                }
                return batch.isTransactional() && producers.contains(batch.producerId());
            }
            return batch.isControlBatch();
        }

        static boolean isAbortMarker(RecordBatch batch) {
            var records = batch.iterator();
            if (!records.hasNext()) return false;
            var key = records.next().key();
            return key != null && org.apache.kafka.common.record.ControlRecordType.parse(key) == org.apache.kafka.common.record.ControlRecordType.ABORT;
        }
    }

    /** Sets the phase; answers once it is in force (what was forwarded before it was answered), or false after timeoutMs. */
    static boolean setPhase(String next, long timeoutMs) throws InterruptedException {
        return setPhase(next, timeoutMs, 0, 0, false, false);
    }

    /**
     * A drain begun here ends no earlier than drainNotBefore, or exactly at drainEndsAt (epoch ms; 0:
     * not given); with othersWhenTold its other consumers are cut off just before the end without a
     * lead for processing, or sooner when the cutover says (POST /v1/drain-cut), and it is in force
     * at once: see DrainPlan.
     */
    static boolean setPhase(String next, long timeoutMs, long drainNotBefore, long drainEndsAt, boolean othersWhenTold, boolean groups) throws InterruptedException {
        synchronized (lock) {
            // held group requests are released only at serve: a hold asked again without them keeps them held until then
            if ("hold-producers".equals(next)) holdGroups = groups || holdGroups;
            else if ("serve".equals(next)) holdGroups = false;
            // a drain planned once, when it begins; a hold keeps it (every fetch gets nothing then)
            if ("drain-consumers".equals(next) && !"drain-consumers".equals(phase)) {
                drainBegunAt = System.currentTimeMillis();
                drainPlan = new DrainPlan(System.currentTimeMillis(), drainNotBefore, drainEndsAt, othersWhenTold);
                System.out.println("zdp: drain planned" + (drainEndsAt > 0 ? " to end where the fleet's cutover chose" : "") + ": " + drainPlan.summary);
            }
            if ("serve".equals(next)) {
                drainBegunAt = 0;
                closing = false;
            }
            if ("hold-producers".equals(next) && "hold-producers".equals(phase)) {
                // asked again (a cutover resumed, its bind repeated): the hold goes on from when it began. Begun
                // anew, its soft start and the sends and transactions it lets end were reckoned from now: in
                // a CI run, a transactional producer's records held at an instance bound early were written
                // twice on the new cluster after three resumed cutovers each asked that instance to hold again
                System.out.println("zdp: phase hold-producers asked again" + (holdGroups ? ", group requests held too" : "") + ": held since " + phaseSince);
            } else {
                phase = next;
                phaseSince = System.currentTimeMillis();
                holdInForce = false;
                holdTraced.set(0);
                // the phases' times in the proxy's log, beside the clients' errors when a test or a user reads both
                System.out.println("zdp: phase " + next + (holdGroups && "hold-producers".equals(next) ? ", group requests held too" : "") + " (at " + phaseSince + ")");
            }
            if ("serve".equals(next)) {
                committed.clear();
                long groupRequests = heldGroupRequests.getAndSet(0);
                if (groupRequests > 0) System.out.println("zdp: " + groupRequests + " group request(s) held since the early bind go out");
                Held h;
                long dropped = 0;
                while ((h = held.poll()) != null) {
                    heldCount.decrementAndGet();
                    // its client closed the connection (a Java client does when a request times out): it sends
                    // again what it still wants written, and this one, sent too, would be written twice
                    var open = h.conn().open(h.context());
                    if (open != null && !open.getAsBoolean()) {
                        dropped++;
                        h.notSent(false);
                        continue;
                    }
                    h.send().run();
                }
                if (dropped > 0) {
                    heldDropped.addAndGet(dropped);
                    System.out.println("zdp: " + dropped + " held request(s) of connections closed during the hold not sent");
                }
                // the empty answers a drain keeps waiting go out now: a kafkajs consumer cut off in a drain
                // reads again only once its Fetch is answered, up to its max wait (5 s) after it sent it;
                // served again by the same instance (a cutover that stopped before its switch, then its
                // next drain), it read nothing in that drain's last second
                int waiting = waitingFetches.size();
                answerWaiting(w -> w.context().requestFilterResultBuilder().shortCircuitResponse(Conn.noRecords(w.fetch(), (short) 0)).build(), 0);
                if (waiting > 0) System.out.println("zdp: " + waiting + " waiting Fetch" + (waiting == 1 ? "" : "es") + " of the drain answered at serve");
            }
        }
        long deadline = System.currentTimeMillis() + timeoutMs;
        while (true) {
            boolean inForce = switch (next) {
                // answers to fetches forwarded before a cut-off come without records (onResponse)
                // told when to cut the others: watched by the cutover from now
                case "drain-consumers" -> drainPlan == null || drainPlan.othersWhenTold || System.currentTimeMillis() >= drainPlan.end;
                // past the soft start, and what was forwarded answered
                case "hold-producers" -> holdIsInForce();
                default -> true;
            };
            if (inForce) return true;
            if (System.currentTimeMillis() > deadline) return false;
            Thread.sleep(2);
        }
    }

    /** The other consumers of a drain planned with othersWhenTold are cut off from now (a drain planned without, or none: nothing changes); answers whether they are (a small answer: the cutover waits for it). */
    static Map<String, Object> cutOthers() {
        synchronized (lock) {
            DrainPlan plan = drainPlan;
            long now = System.currentTimeMillis();
            // told after they were cut off at the end (the cutover read a state a moment old): nothing to say
            if ("drain-consumers".equals(phase) && plan != null && plan.othersWhenTold && plan.othersToldAt == 0 && !plan.othersCut(now)) {
                plan.othersToldAt = now;
                System.out.println("zdp: other consumers cut off, as the cutover said: +" + (now - drainBegunAt) + " ms into the drain, " + (now - plan.endsAt) + " ms from its planned end");
            }
            return Map.of("phase", phase, "drainOthersCut", plan != null && "drain-consumers".equals(phase) && plan.othersCut(now));
        }
    }

    /**
     * A fleet drains as one: an instance whose plan ends before another's is given the later end,
     * while its plan's cut-off for the consumers that commit after each batch is still ahead (before
     * that, nothing it answered depends on the plan's end). Its timer clients' cut-offs are planned
     * again for that end. Answers the plan's end, and whether it changed (no end: no drain).
     */
    static Map<String, Object> alignDrain(long notBefore) {
        synchronized (lock) {
            DrainPlan plan = drainPlan;
            long now = System.currentTimeMillis();
            if (!"drain-consumers".equals(phase) || plan == null) return Map.of("aligned", false);
            if (now >= plan.end || notBefore <= plan.endsAt + DRAIN_ALIGN_SLACK_MS) return Map.of("endsAt", plan.endsAt, "aligned", false);
            drainPlan = new DrainPlan(now, notBefore, 0, plan.othersWhenTold);
            System.out.println("zdp: drain planned again, to end with the fleet: " + drainPlan.summary + " (at " + now + ")");
            return Map.of("endsAt", drainPlan.endsAt, "aligned", true);
        }
    }

    /** past the soft start, no send can still get a sibling, and what was forwarded to produce answered (a fetch answered now comes without records: onResponse); decided under the lock, so nothing is forwarded after it */
    static boolean holdIsInForce() {
        synchronized (lock) {
            if (!"hold-producers".equals(phase)) return false;
            if (holdInForce) return true;
            long now = System.currentTimeMillis();
            Map.Entry<String, Send> awaited = awaitedSend(now);
            boolean answering = live(inflightProduce) > 0;
            boolean finishing = Transactions.finishing(now);
            if (awaited != null) {
                holdWaitedForSend = now;
                holdSendAwaited = awaited;
                holdSendReached = awaited.getValue().connections.size();
            }
            if (answering) holdWaitedForAnswers = now;
            if (now - phaseSince > SOFT_HOLD_MS && awaited == null && !answering && !finishing) {
                holdInForce = true;
                // what the hold waited for, and until when: a send's other requests, or the answers to what was forwarded
                var last = holdSendAwaited;
                String waited = (last != null ? "; waited for the rest of a send until " + (holdWaitedForSend - phaseSince) + " ms (producer " + printable(last.getKey()) + ", " + holdSendReached + " of "
                        + fanOut.getOrDefault(last.getKey(), 1) + " brokers, begun " + (holdWaitedForSend - last.getValue().start) + " ms before)" : "")
                        + (holdWaitedForAnswers > 0 ? "; for answers to forwarded Produce requests until " + (holdWaitedForAnswers - phaseSince) + " ms" : "")
                        + (Transactions.cut() > 0 ? "; " + Transactions.cut() + " transaction(s) still open, refused after a switch" : "");
                System.out.println("zdp: hold in force " + (now - phaseSince) + " ms after it began, " + heldCount.get() + " requests held, " + siblingsForwarded.get() + " forwarded since the start as the rest of a send" + waited + " (at " + now + ")");
                holdSendAwaited = null;
                holdWaitedForAnswers = 0;
            }
            return holdInForce;
        }
    }

    /**
     * A hold that lasts: once a producer's request has been held for HOLD_BOUNCE_MS, every
     * connection with a producer's request held is closed at once, without an answer, and what it
     * held is never sent. Each client finds all its requests of the hold failed together, as when an
     * instance goes at a switch, so no part of a send goes on while its retry runs; it sends again,
     * and that is held in turn. Group requests held on an instance bound early stay held.
     */
    static void bounceHeld() {
        // checked four times a second: the lock (which every Produce takes) only while producers are held
        if (!"hold-producers".equals(phase)) return;
        synchronized (lock) {
            if (!"hold-producers".equals(phase)) return;
            long now = System.currentTimeMillis();
            long oldest = now;
            for (Held h : held) {
                if (h.producer()) oldest = Math.min(oldest, h.at());
            }
            if (now - oldest < HOLD_BOUNCE_MS) return;
            // taken out of the hold: never sent
            var bounced = new ArrayList<Held>();
            held.removeIf(h -> h.producer() && bounced.add(h));
            heldCount.addAndGet(-bounced.size());
            var closed = new HashSet<Conn>();
            for (Held h : bounced) {
                // Kroxylicious closes the connection: the client reads no answer, its requests fail together
                h.notSent(closed.add(h.conn()));
            }
            holdBounces.incrementAndGet();
            System.out.println("zdp: hold: " + closed.size() + " connection(s) closed, " + bounced.size() + " request(s) held on them up to " + (now - oldest) + " ms not sent, so that none is held past a client's request timeout; their clients send again, and are held (at " + now + ")");
        }
    }

    static final java.util.concurrent.ScheduledExecutorService BOUNCER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "zdp-hold-bounce");
        t.setDaemon(true);
        return t;
    });

    static {
        BOUNCER.scheduleWithFixedDelay(() -> {
            try {
                bounceHeld();
            } catch (RuntimeException e) {
                System.err.println("zdp: hold bounce check failed: " + e);
            }
        }, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** for the hold's log line (under the lock): the send it last found waited for, when, and how many brokers it had reached then; when it last found a forwarded Produce unanswered */
    static Map.Entry<String, Send> holdSendAwaited;
    static long holdWaitedForSend, holdWaitedForAnswers;
    static int holdSendReached;

    /** a producer's send forwarded that may still get a sibling (see SEND_SPREAD_MS, awaited); null when none. Described only when the hold's log line is written, not at each of the hold's checks */
    static Map.Entry<String, Send> awaitedSend(long now) {
        for (var e : sends.entrySet()) {
            if (awaited(e.getKey(), e.getValue(), now)) return e;
        }
        return null;
    }

    /** producers that have not sent for ten minutes are forgotten (producer ids come and go with producer sessions) */
    static void pruneSends(long now) {
        sends.values().removeIf(s -> now - s.start > 600_000);
        fanOut.keySet().retainAll(sends.keySet());
    }

    /**
     * How long what a closed connection delivered still counts. Its records are then processed and
     * committed (a Java consumer commits every 5 s), or their consumer has gone and whoever takes its
     * partitions reads them again on a connection of its own, which counts for them. Kept for ever,
     * a connection left behind by a consumer that reconnected counted beside its new one: one
     * connection too many for the drain to pair each with a group (src/core/cutover/drain.ts), and a
     * state answer that grew with every reconnect.
     */
    static final long CLOSED_DELIVERIES_KEPT_MS = Math.max(0, Math.min(600_000, Long.getLong("zdp.closedDeliveriesKeptMs", 10_000)));
    static final AtomicLong deliveredPruned = new AtomicLong();

    /** Forgets what connections delivered that were seen closed CLOSED_DELIVERIES_KEPT_MS ago or more (at most once a second; where a close cannot be read, nothing). */
    static void pruneDelivered(long now) {
        long last = deliveredPruned.get();
        if (now - last < 1_000 || !deliveredPruned.compareAndSet(last, now)) return;
        for (Conn c : delivered.keySet()) {
            var open = c.open;
            if (open == null || open.getAsBoolean()) continue;
            if (c.closedSeenAt == 0) c.closedSeenAt = now;
            else if (now - c.closedSeenAt >= CLOSED_DELIVERIES_KEPT_MS) delivered.remove(c);
        }
    }

    static Map<String, Object> state(boolean inForce) {
        pruneDelivered(System.currentTimeMillis());
        var out = new LinkedHashMap<String, Object>();
        out.put("phase", phase);
        out.put("inForce", inForce);
        if (cluster != null) {
            out.put("cluster", cluster);
            out.put("switchable", switchable);
            out.put("bound", bound);
        }
        out.put("since", phaseSince);
        DrainPlan plan = drainPlan;
        if (plan != null && !"serve".equals(phase)) {
            out.put("drainFrom", plan.from);
            out.put("drainEndsAt", plan.endsAt);
            if (plan.othersWhenTold) {
                out.put("drainTimersWaiting", plan.timersWaiting());
                out.put("drainTimersCut", plan.timersCut(System.currentTimeMillis()));
                out.put("drainOthersCut", plan.othersCut(System.currentTimeMillis()));
            }
        }
        out.put("inflight", Map.of("produce", live(inflightProduce), "fetch", live(inflightFetch)));
        out.put("held", heldCount.get());
        out.put("heldDropped", heldDropped.get());
        out.put("holdBounces", holdBounces.get());
        out.put("holdGroups", holdGroups);
        out.put("heldGroupRequests", heldGroupRequests.get());
        out.put("drainedFetches", drainedFetches.get());
        out.put("misdirectedProduces", misdirected.get());
        out.put("leavesAnswered", leavesAnswered.get());
        out.put("producesRefusedWithTheirSend", siblingsRefused.get());
        out.put("producesRefusedOnRestrictedConnections", restrictedRefused.get());
        out.put("restrictedAnswered", restrictedAnswered.get());
        out.put("producesOutOfTurn", outOfTurn.get());
        out.put("siblingsForwarded", siblingsForwarded.get());
        out.put("rejoinNudges", nudges.get());
        out.put("memberResets", memberResets.get());
        out.put("transactionAddsAskedAgain", transactionAddsAskedAgain.get());
        out.put("heartbeatsAnsweredBusy", heartbeatsAnsweredBusy.get());
        out.put("fetchesAnsweredClosing", fetchesAnsweredClosing.get());
        out.put("transactionsFinishedInHold", Transactions.finishedInHold.get());
        out.put("transactionsCarriedOver", Transactions.carriedOver.get());
        out.put("transactionsEnded", Transactions.endedRows());
        out.put("members", membersLately());
        out.put("closing", closing);
        out.put("gated", new TreeSet<>(gate.keySet()));
        var rows = new ArrayList<Map<String, Object>>();
        delivered.forEach((conn, parts) -> parts.forEach((tp, offset) -> {
            int i = tp.lastIndexOf('\u0000');
            rows.add(Map.of("client", conn.clientId, "connection", conn.id, "groups", new TreeSet<>(conn.groups), "topic", tp.substring(0, i), "partition", Integer.parseInt(tp.substring(i + 1)), "offset", offset,
                    "position", conn.positions.getOrDefault(tp, -1L), "processingMs", conn.processingMs()));
        }));
        out.put("delivered", rows);
        var commits = new ArrayList<Map<String, Object>>();
        committed.forEach((group, parts) -> parts.forEach((tp, offset) -> {
            int i = tp.lastIndexOf('\u0000');
            commits.add(Map.of("group", group, "topic", tp.substring(0, i), "partition", Integer.parseInt(tp.substring(i + 1)), "offset", offset));
        }));
        out.put("committed", commits);
        return out;
    }

    /**
     * A standby's control endpoint answers its first request cold (class loading, the JSON mapper's
     * first use): measured 70-220 ms for the gate a switch sends it just before the old instance
     * stops, with producers held. A few requests to itself while it stands by warm it; they change
     * nothing (a gate for no client).
     */
    static void warmControl() {
        String port = System.getProperty("zdp.control.port");
        if (port == null) return;
        long started = System.currentTimeMillis();
        try {
            String token = Files.readString(Path.of(System.getProperty("zdp.control.tokenFile"))).trim();
            String host = System.getProperty("zdp.control.host", "127.0.0.1");
            byte[] gateBody = "{\"clients\":[],\"timeoutMs\":1}".getBytes(StandardCharsets.UTF_8);
            for (int i = 0; i < 20; i++) {
                for (boolean post : new boolean[] { false, true }) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress(host, Integer.parseInt(port)), 1_000);
                        socket.setSoTimeout(2_000);
                        String head = (post ? "POST /v1/gate" : "GET /v1/state") + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer " + token
                                + "\r\nContent-Type: application/json\r\nContent-Length: " + (post ? gateBody.length : 0) + "\r\nConnection: close\r\n\r\n";
                        var out = socket.getOutputStream();
                        out.write(head.getBytes(StandardCharsets.UTF_8));
                        if (post) out.write(gateBody);
                        out.flush();
                        socket.getInputStream().readAllBytes();
                    }
                }
            }
            System.out.println("zdp: warmed up the control endpoint in " + (System.currentTimeMillis() - started) + " ms");
        } catch (Exception e) {
            System.out.println("zdp: could not warm up the control endpoint (" + e.getClass().getSimpleName() + "); its first answer comes cold");
        }
    }

    /** The control endpoint: loopback unless -Dzdp.control.host says otherwise; every request carries the token. */
    static void startControl() throws Exception {
        String port = System.getProperty("zdp.control.port");
        if (port == null) return;
        byte[] token = Files.readString(Path.of(System.getProperty("zdp.control.tokenFile"))).trim().getBytes(StandardCharsets.UTF_8);
        var server = HttpServer.create(new InetSocketAddress(System.getProperty("zdp.control.host", "127.0.0.1"), Integer.parseInt(port)), 16);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "zdp-control");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/v1/", exchange -> {
            int status = 200;
            Object body;
            try {
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                byte[] given = auth == null || !auth.startsWith("Bearer ") ? new byte[0] : auth.substring(7).trim().getBytes(StandardCharsets.UTF_8);
                if (!MessageDigest.isEqual(token, given)) {
                    status = 401;
                    body = Map.of("error", "missing or wrong token");
                } else {
                    String path = exchange.getRequestURI().getPath();
                    String method = exchange.getRequestMethod();
                    if ("GET".equals(method) && path.equals("/v1/state")) {
                        body = state(true);
                    } else if ("GET".equals(method) && path.equals("/v1/drain-plan")) {
                        // what a drain begun now would end at, nothing changed (see DrainPlan), and the timer
                        // clients' [first commit, interval] of a drain begun PLAN_AHEAD_MS from now, when the
                        // fleet's end chosen from them reaches each instance (a fleet's cutover chooses from all)
                        long now = System.currentTimeMillis();
                        var plan = new DrainPlan(now, 0);
                        var timers = new ArrayList<List<Long>>();
                        for (long[] t : DrainPlan.timers(now + PLAN_AHEAD_MS).values()) timers.add(List.of(t[0], t[1]));
                        timers.sort(Comparator.comparing((List<Long> t) -> t.get(0)).thenComparing(t -> t.get(1)));
                        body = Map.of("endsAt", plan.endsAt, "timers", timers);
                    } else if ("POST".equals(method) && path.equals("/v1/drain-plan")) {
                        // the fleet's end, for an instance that planned an earlier one (see alignDrain)
                        body = alignDrain(JSON.readTree(exchange.getRequestBody()).path("notBefore").asLong(0));
                    } else if ("POST".equals(method) && path.equals("/v1/phase")) {
                        var req = JSON.readTree(exchange.getRequestBody());
                        String next = req.path("phase").asText("");
                        if (!Set.of("serve", "drain-consumers", "hold-producers").contains(next)) {
                            status = 400;
                            body = Map.of("error", "phase must be serve, drain-consumers or hold-producers");
                        } else {
                            boolean inForce = setPhase(next, req.path("timeoutMs").asLong(30_000), req.path("drainNotBefore").asLong(0), req.path("drainEndsAt").asLong(0), req.path("drainOthersWhenTold").asBoolean(false), req.path("holdGroups").asBoolean(false));
                            if (!inForce) status = 503;
                            body = state(inForce);
                        }
                    } else if ("POST".equals(method) && path.equals("/v1/switch")) {
                        var req = JSON.readTree(exchange.getRequestBody());
                        String to = req.path("cluster").asText("");
                        if (cluster == null || !switchable.contains(to)) {
                            status = 409;
                            body = Map.of("error", cluster == null ? "this instance fronts one cluster only (started without -Dzdp.clusters)" : "this instance cannot front " + to + "; it knows " + String.join(", ", switchable));
                        } else {
                            var clients = new ArrayList<String>();
                            req.path("gate").forEach(c -> clients.add(c.asText()));
                            var request = new SwitchRequest(to, clients, req.path("gateMs").asLong(30_000), new CompletableFuture<>());
                            switches.add(request);
                            try {
                                request.done().get(req.path("timeoutMs").asLong(60_000), TimeUnit.MILLISECONDS);
                                body = state(true);
                            } catch (java.util.concurrent.ExecutionException e) {
                                status = 500;
                                body = Map.of("error", "switch to " + to + " failed: " + e.getCause());
                            } catch (java.util.concurrent.TimeoutException e) {
                                status = 503;
                                body = state(false);
                            }
                        }
                    } else if ("POST".equals(method) && path.equals("/v1/drain-cut")) {
                        // the cutover saw every timer client's commit: the others are cut off now (see DrainPlan)
                        body = cutOthers();
                    } else if ("POST".equals(method) && path.equals("/v1/unbind")) {
                        // the standby binds next, beside this instance's connections (see ZdpKroxylicious.unbind)
                        if (cluster != null) {
                            status = 409;
                            body = Map.of("error", "a switchable instance switches in process (POST /v1/switch)");
                        } else {
                            try {
                                var req = JSON.readTree(exchange.getRequestBody());
                                body = Map.of("ports", ZdpKroxylicious.unbind());
                                if (req != null && req.path("closeWhenTaken").asBoolean(false)) ZdpKroxylicious.closeWhenTaken(System.getProperty("zdp.bindAddress", "127.0.0.1"), req.path("waitMs").asLong(30_000));
                            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                                status = 501;
                                body = Map.of("error", "cannot unbind in this Kroxylicious: " + e.getClass().getSimpleName());
                            }
                        }
                    } else if ("POST".equals(method) && path.equals("/v1/closing")) {
                        // the instance stops next (see ZdpQuiesce.closing); acknowledged once its answers are out
                        closing();
                        body = state(true);
                    } else if ("POST".equals(method) && path.equals("/v1/gate")) {
                        var req = JSON.readTree(exchange.getRequestBody());
                        long until = System.currentTimeMillis() + req.path("timeoutMs").asLong(30_000);
                        var clients = new ArrayList<String>();
                        req.path("clients").forEach(c -> clients.add(c.asText()));
                        gate(clients, until);
                        Transactions.carry(req.path("transactions"));
                        body = state(true);
                    } else {
                        status = 404;
                        body = Map.of("error", "no such endpoint");
                    }
                }
                byte[] bytes = JSON.writeValueAsBytes(body);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
            } catch (Exception e) {
                byte[] bytes = ("{\"error\":\"" + e.getClass().getSimpleName() + "\"}").getBytes(StandardCharsets.UTF_8);
                try {
                    exchange.sendResponseHeaders(500, bytes.length);
                    exchange.getResponseBody().write(bytes);
                } catch (Exception ignored) {
                    // the client went away
                }
            } finally {
                exchange.close();
            }
        });
        server.start();
        System.out.println("zdp: control endpoint on " + server.getAddress());
        if (ZdpQuiesce.CHANNEL_FIELDS == null) System.out.println("zdp: this Kroxylicious does not show when a connection closes: a request forwarded on one that closed is waited for to its deadline");
    }
}
