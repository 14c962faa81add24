package dev.jcloud.provisioner.elastic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * On-demand and spot prices (USD per hour) per provider, region and instance type, from a
 * provider's bundled price file (dated: see {@link #asOf()}) with the user's overrides on top.
 * Each provider module ships its own file and hands it over with
 * {@code CloudProvider.priceTable()}; see {@link #load}.
 *
 * <p>A platform that bills requested resources rather than machine types (containers, pods) is
 * priced per vCPU-hour and GB-hour: the file's {@code resource_rates} give the rates per
 * provider and region, and such a "type" is written {@code 1vcpu-4gb} ({@code 0.25vcpu-0.5gb},
 * {@code 2vcpu-8gb}, …; see {@link #resourceType}). An override key is
 * {@code provider/region/type} (the {@code prices} setting), e.g.
 * {@code aws/us-east-1/m6i.large}; an override replaces both the on-demand and the spot price,
 * since a user who negotiated a price pays it either way.
 */
public final class PriceTable {

    /** One instance type's figures. */
    public record Price(double onDemandPerHour, double spotPerHour, int vcpus, boolean indicative) {

        /** The hourly price for the purchase option. */
        public double perHour(boolean spot) {
            return spot ? spotPerHour : onDemandPerHour;
        }
    }

    private static final Pattern RESOURCE_TYPE = Pattern.compile("(\\d+(?:\\.\\d+)?)vcpu-(\\d+(?:\\.\\d+)?)gb");

    private final String asOf;
    private final Map<String, Price> instances;
    private final Map<String, double[]> rates;
    private final Map<String, Double> overrides;

    private PriceTable(
            String asOf, Map<String, Price> instances, Map<String, double[]> rates, Map<String, Double> overrides) {
        this.asOf = asOf;
        this.instances = instances;
        this.rates = rates;
        this.overrides = overrides;
    }

    /** A table that knows no price (only the user's overrides, once added). */
    public static PriceTable empty() {
        return new PriceTable("", Map.of(), Map.of(), Map.of());
    }

    /**
     * The price file {@code resource} next to {@code anchor} (a class of the provider that ships
     * it), without overrides.
     *
     * @throws IllegalStateException when the file is missing from the provider's jar
     */
    public static PriceTable load(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(
                        "the bundled price table " + resource + " is missing from " + anchor.getName() + "'s jar");
            }
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the bundled price table " + resource + ": " + e.getMessage(), e);
        }
    }

    private static PriceTable parse(JsonNode root) {
        Map<String, Price> instances = new LinkedHashMap<>();
        for (JsonNode n : root.path("instances")) {
            instances.put(
                    key(
                            n.path("provider").asText(),
                            n.path("region").asText(),
                            n.path("type").asText()),
                    new Price(
                            n.path("on_demand").asDouble(),
                            n.path("spot").asDouble(),
                            n.path("vcpus").asInt(),
                            n.path("indicative").asBoolean()));
        }
        Map<String, double[]> rates = new LinkedHashMap<>();
        for (JsonNode n : root.path("resource_rates")) {
            rates.put(rateKey(n.path("provider").asText(), n.path("region").asText()), new double[] {
                n.path("vcpu_hour").asDouble(),
                n.path("gb_hour").asDouble(),
                n.path("spot_vcpu_hour").asDouble(),
                n.path("spot_gb_hour").asDouble()
            });
        }
        return new PriceTable(root.path("as_of").asText(), Map.copyOf(instances), Map.copyOf(rates), Map.of());
    }

    /**
     * This table with the user's prices on top.
     *
     * @param overrides {@code provider/region/type} to USD per hour (the {@code prices} setting)
     */
    public PriceTable withOverrides(Map<String, Double> overrides) {
        Map<String, Double> all = new LinkedHashMap<>(this.overrides);
        overrides.forEach((k, v) -> all.put(k.toLowerCase(Locale.ROOT), v));
        return new PriceTable(asOf, instances, rates, Map.copyOf(all));
    }

    /** The date the bundled figures were taken (ISO, e.g. 2025-06-01). */
    public String asOf() {
        return asOf;
    }

    /**
     * The price of one worker, or empty when neither the table nor an override knows it.
     *
     * @param provider the provider's name
     * @param region   e.g. us-east-1, us-central1, eastus
     * @param type     the instance type, or {@code <n>vcpu-<m>gb} for a resource-priced platform
     */
    public Optional<Price> price(String provider, String region, String type) {
        String k = key(provider, region, type);
        Double override = overrides.get(k);
        Price known = instances.get(k);
        if (known == null) {
            known = resourcePrice(provider, region, type);
        }
        if (override != null) {
            return Optional.of(new Price(override, override, known == null ? 0 : known.vcpus(), false));
        }
        return Optional.ofNullable(known);
    }

    private Price resourcePrice(String provider, String region, String type) {
        Matcher m = RESOURCE_TYPE.matcher(type.toLowerCase(Locale.ROOT));
        double[] rates = this.rates.get(rateKey(provider, region));
        if (!m.matches() || rates == null) {
            return null;
        }
        double vcpu = Double.parseDouble(m.group(1));
        double gb = Double.parseDouble(m.group(2));
        return new Price(
                vcpu * rates[0] + gb * rates[1],
                vcpu * rates[2] + gb * rates[3],
                (int) Math.max(1, Math.floor(vcpu)),
                false);
    }

    /**
     * The type name of a resource-priced size, e.g. {@code 1vcpu-4gb}, from CPU units
     * (1024 = one vCPU) and MiB.
     */
    public static String resourceType(int cpuUnits, int memoryMiB) {
        return trim(cpuUnits / 1024.0) + "vcpu-" + trim(memoryMiB / 1024.0) + "gb";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static String rateKey(String provider, String region) {
        return (provider + "/" + region).toLowerCase(Locale.ROOT);
    }

    private static String key(String provider, String region, String type) {
        return (provider + "/" + region + "/" + type).toLowerCase(Locale.ROOT);
    }
}
