package dev.jcloud.provisioner;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The providers of this build, found with {@link ServiceLoader}. */
public final class CloudProviders {

    /** Every provider name jcloud knows, whether or not this build contains it. */
    public static final List<String> KNOWN = List.of("local", "aws", "fargate", "gcp", "azure");

    private final Map<String, CloudProvider> byName;

    private CloudProviders(Map<String, CloudProvider> byName) {
        this.byName = byName;
    }

    /** The providers on the class path of {@code loader}. */
    public static CloudProviders load(ClassLoader loader) {
        Map<String, CloudProvider> found = new TreeMap<>();
        for (CloudProvider p : ServiceLoader.load(CloudProvider.class, loader)) {
            found.putIfAbsent(p.name(), p);
        }
        return new CloudProviders(found);
    }

    /** The providers on this class's class path. */
    public static CloudProviders load() {
        return load(CloudProviders.class.getClassLoader());
    }

    /** Exactly these providers (tests). */
    public static CloudProviders of(CloudProvider... providers) {
        Map<String, CloudProvider> found = new TreeMap<>();
        for (CloudProvider p : providers) {
            found.put(p.name(), p);
        }
        return new CloudProviders(found);
    }

    /** Names of the providers in this build. */
    public List<String> available() {
        return List.copyOf(byName.keySet());
    }

    /**
     * The provider called {@code name}; fails with a message that says whether the name is
     * unknown or only missing from this build.
     */
    public CloudProvider require(String name) {
        String key = name == null ? "" : name.toLowerCase(Locale.ROOT);
        CloudProvider p = byName.get(key);
        if (p != null) {
            return p;
        }
        if (KNOWN.contains(key)) {
            throw new ProviderUnavailableException("provider " + key + " is not available in this build yet:" + " use "
                    + String.join(" or ", available()));
        }
        throw new ProviderUnavailableException(
                "unknown provider '" + name + "': use one of " + String.join(", ", KNOWN));
    }
}
