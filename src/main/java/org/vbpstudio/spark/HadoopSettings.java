package org.vbpstudio.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/**
 * The driver's Hadoop configuration (the cluster's core-site.xml and {@code spark.hadoop.*}: file
 * systems, endpoints, credentials) carried to the executors inside each task, which Hadoop's own
 * {@link Configuration} is not (it is not serializable).
 */
final class HadoopSettings implements Serializable {
    private static final long serialVersionUID = 1L;

    private final HashMap<String, String> values = new HashMap<>();

    HadoopSettings(Configuration conf) {
        for (Map.Entry<String, String> e : conf) {
            values.put(e.getKey(), e.getValue());
        }
    }

    Configuration configuration() {
        Configuration conf = new Configuration(false);
        values.forEach(conf::set);
        return conf;
    }
}
