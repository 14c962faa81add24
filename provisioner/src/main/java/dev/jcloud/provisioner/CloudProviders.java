package dev.jcloud.provisioner;

import dev.jcloud.config.SettingsSection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The providers of this build, found with {@link ServiceLoader}. */
public final class CloudProviders {

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

    /** The providers in this build, by name. */
    public List<CloudProvider> all() {
        return List.copyOf(byName.values());
    }

    /** The settings sections of every provider in this build, each once, in provider order. */
    public List<SettingsSection> settingsSections() {
        Map<String, SettingsSection> sections = new LinkedHashMap<>();
        for (CloudProvider p : byName.values()) {
            for (SettingsSection s : p.settings()) {
                sections.putIfAbsent(s.name(), s);
            }
        }
        return List.copyOf(sections.values());
    }

    /**
     * The provider called {@code name}; fails with a message that lists the providers in this
     * build and says how others are added.
     */
    public CloudProvider require(String name) {
        String key = name == null ? "" : name.toLowerCase(Locale.ROOT);
        CloudProvider p = byName.get(key);
        if (p != null) {
            return p;
        }
        throw new ProviderUnavailableException("unknown provider '" + name + "': this build has "
                + String.join(", ", available())
                + "; a provider is added by putting its module (jcloud-provider-<name>) on the class path");
    }
}
