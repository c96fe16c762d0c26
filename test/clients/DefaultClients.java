import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Java kafka-clients applications at their default settings, for the cutover test and benchmark:
 *   producer <bootstrap> <topic> <partitions> <records/s> <firstSeq>   prints "A topic partition seq sentAt ackedAt" per acknowledgement
 *   consumer <bootstrap> <group> <topic>                               prints "P topic partition seq at" per record processed
 * Only bootstrap.servers, serializers and group.id are set (and auto.offset.reset=earliest, so a group
 * that starts before the first record reads it): acks=all, idempotence, retries, 5 s auto-commit,
 * fetch.max.wait.ms and session timeouts are Kafka's defaults. Stops on SIGTERM; a consumer closes
 * (and commits) only then.
 */
public class DefaultClients {
    public static void main(String[] args) throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        if (args[0].equals("producer")) produce(args, running);
        else consume(args, running);
    }

    static void produce(String[] args, AtomicBoolean running) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[1]);
        p.put("key.serializer", StringSerializer.class.getName());
        p.put("value.serializer", StringSerializer.class.getName());
        String topic = args[2];
        int partitions = Integer.parseInt(args[3]);
        double rate = Double.parseDouble(args[4]);
        long seq = Long.parseLong(args[5]);
        KafkaProducer<String, String> producer = new KafkaProducer<>(p);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.set(false);
            producer.close(Duration.ofSeconds(5));
            System.out.flush();
        }));
        long start = System.nanoTime();
        long sent = 0;
        while (running.get()) {
            long due = start + (long) (sent * 1e9 / rate);
            long now = System.nanoTime();
            if (due > now) Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
            final long s = seq++;
            final int partition = (int) (s % partitions);
            final long sentAt = System.currentTimeMillis();
            String value = "{\"orderId\":\"" + topic + "-" + s + "\",\"seq\":" + s + "}";
            ProducerRecord<String, String> record = new ProducerRecord<>(topic, partition, "k" + s, value, List.of(new RecordHeader("seq", Long.toString(s).getBytes(StandardCharsets.UTF_8))));
            try {
                producer.send(record, (meta, error) -> {
                    if (error == null) out("A " + topic + " " + partition + " " + s + " " + sentAt + " " + System.currentTimeMillis());
                    else out("E " + topic + " " + s + " " + describe(error));
                });
            } catch (Exception e) {
                // a send racing the shutdown hook's close is refused (IllegalStateException): not a failed send
                if (running.get()) out("E " + topic + " " + s + " " + describe(e));
            }
            sent++;
        }
    }

    /** "Class: message <- Cause: message", on one line (a failed send is diagnosed from it) */
    static String describe(Throwable e) {
        var sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 600; t = t.getCause() == t ? null : t.getCause()) {
            if (sb.length() > 0) sb.append(" <- ");
            sb.append(t.getClass().getSimpleName());
            if (t.getMessage() != null) sb.append(": ").append(t.getMessage().replace('\n', ' '));
        }
        return sb.toString();
    }

    static void consume(String[] args, AtomicBoolean running) {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[1]);
        p.put("group.id", args[2]);
        p.put("auto.offset.reset", "earliest");
        p.put("key.deserializer", StringDeserializer.class.getName());
        p.put("value.deserializer", StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p);
        Thread main = Thread.currentThread();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            running.set(false);
            consumer.wakeup();
            try {
                main.join(10_000);
            } catch (InterruptedException ignored) {
                // exiting
            }
        }));
        consumer.subscribe(List.of(args[3].split(",")));
        try {
            while (running.get()) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(100))) {
                    var h = r.headers().lastHeader("seq");
                    out("P " + r.topic() + " " + r.partition() + " " + (h == null ? "-1" : new String(h.value(), StandardCharsets.UTF_8)) + " " + System.currentTimeMillis());
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // stopping
        } finally {
            consumer.close();
            System.out.flush();
        }
    }

    static synchronized void out(String line) {
        System.out.println(line);
    }
}
