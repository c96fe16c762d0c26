import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.config.PluginFactory;
import io.kroxylicious.proxy.config.PluginFactoryRegistry;
import io.kroxylicious.proxy.internal.config.Features;
import io.kroxylicious.proxy.service.ClusterNetworkAddressConfigProvider;
import io.kroxylicious.proxy.service.ClusterNetworkAddressConfigProviderService;
import io.kroxylicious.proxy.service.HostPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runs the Kroxylicious proxy engine (io.kroxylicious:kroxylicious-runtime from Maven Central) on
 * a config file, with every gateway listener bound to one address (loopback by default) instead of
 * the wildcard address Kroxylicious binds to. With -Dzdp.standbyFile it loads everything, then
 * waits for that file before binding: a switch to another backend then costs a bind, not a JVM start.
 */
public class ZdpKroxylicious {
    public static void main(String[] args) throws Exception {
        String bind = System.getProperty("zdp.bindAddress", "127.0.0.1");
        ConfigParser parser = new ConfigParser();
        Configuration config = parser.parseConfiguration(Files.readString(Path.of(args[0])));
        PluginFactoryRegistry registry = new PluginFactoryRegistry() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> PluginFactory<T> pluginFactory(Class<T> type) {
                PluginFactory<T> inner = parser.pluginFactory(type);
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
        try (KafkaProxy proxy = new KafkaProxy(registry, config, Features.defaultFeatures())) {
            // standby: everything is loaded, nothing is bound until the file appears (a fast switch)
            String standby = System.getProperty("zdp.standbyFile");
            if (standby != null) {
                System.out.println("zdp: kroxylicious loaded, standing by for " + standby);
                // zdp waits for this before it fences the running proxy, so the switch costs only the bind
                Files.writeString(Path.of(standby + ".ready"), "loaded\n");
                Path release = Path.of(standby);
                while (!Files.exists(release)) {
                    Thread.sleep(5);
                }
            }
            proxy.startup();
            System.out.println("zdp: kroxylicious started, listeners bound to " + bind);
            proxy.block();
        }
    }

    static ClusterNetworkAddressConfigProvider bindTo(ClusterNetworkAddressConfigProvider p, String bind) {
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
