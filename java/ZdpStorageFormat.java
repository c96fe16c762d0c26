/*
 * Runs Kafka's StorageTool with arguments read from standard input, one per line, so that the SCRAM
 * credentials `--add-scram` carries never appear on a command line (visible to every user in `ps`).
 * Run with Java's single-file launcher and Kafka's jars on the class path:
 *   java -cp 'libs/*' ZdpStorageFormat.java < args
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

public class ZdpStorageFormat {
    public static void main(String[] ignored) throws Exception {
        List<String> args = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) args.add(line);
        }
        Class.forName("kafka.tools.StorageTool").getMethod("main", String[].class).invoke(null, (Object) args.toArray(new String[0]));
    }
}
