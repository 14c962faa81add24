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
 * On-demand and spot prices (USD per hour) per provider, region and instance type, from the
 * bundled {@code prices.json} (dated: see {@link #asOf()}) with the user's overrides on top.
 *
 * <p>Fargate is priced per vCPU-hour and GB-hour; its "type" is written {@code 1vcpu-4gb}
 * ({@code 0.25vcpu-0.5gb}, {@code 2vcpu-8gb}, …) and priced from the per-unit rates. An
 * override key is {@code provider/region/type} (the {@code prices} setting), e.g.
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

    private static final String RESOURCE = "prices.json";
    private static final Pattern FARGATE_TYPE = Pattern.compile("(\\d+(?:\\.\\d+)?)vcpu-(\\d+(?:\\.\\d+)?)gb");

    private final String asOf;
    private final Map<String, Price> instances;
    private final Map<String, double[]> fargate;
    private final Map<String, Double> overrides;

    private PriceTable(
            String asOf, Map<String, Price> instances, Map<String, double[]> fargate, Map<String, Double> overrides) {
        this.asOf = asOf;
        this.instances = instances;
        this.fargate = fargate;
        this.overrides = overrides;
    }

    /** The bundled table, without overrides. */
    public static PriceTable bundled() {
        try (InputStream in = PriceTable.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the bundled price table " + RESOURCE + " is missing from the jar");
            }
            return parse(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(
                    "cannot read the bundled price table " + RESOURCE + ": " + e.getMessage(), e);
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
        Map<String, double[]> fargate = new LinkedHashMap<>();
        for (JsonNode n : root.path("fargate")) {
            fargate.put(n.path("region").asText(), new double[] {
                n.path("vcpu_hour").asDouble(),
                n.path("gb_hour").asDouble(),
                n.path("spot_vcpu_hour").asDouble(),
                n.path("spot_gb_hour").asDouble()
            });
        }
        return new PriceTable(root.path("as_of").asText(), Map.copyOf(instances), Map.copyOf(fargate), Map.of());
    }

    /**
     * This table with the user's prices on top.
     *
     * @param overrides {@code provider/region/type} to USD per hour (the {@code prices} setting)
     */
    public PriceTable withOverrides(Map<String, Double> overrides) {
        Map<String, Double> all = new LinkedHashMap<>(this.overrides);
        overrides.forEach((k, v) -> all.put(k.toLowerCase(Locale.ROOT), v));
        return new PriceTable(asOf, instances, fargate, Map.copyOf(all));
    }

    /** The date the bundled figures were taken (ISO, e.g. 2025-06-01). */
    public String asOf() {
        return asOf;
    }

    /**
     * The price of one worker, or empty when neither the table nor an override knows it.
     *
     * @param provider aws, fargate, gcp, azure or local (always free)
     * @param region   e.g. us-east-1, us-central1, eastus
     * @param type     the instance type, or for Fargate {@code <n>vcpu-<m>gb}
     */
    public Optional<Price> price(String provider, String region, String type) {
        String k = key(provider, region, type);
        Double override = overrides.get(k);
        Price known = instances.get(k);
        if (provider.equalsIgnoreCase("local")) {
            return Optional.of(new Price(0, 0, 0, false));
        }
        if (known == null && provider.equalsIgnoreCase("fargate")) {
            known = fargatePrice(region, type);
        }
        if (override != null) {
            return Optional.of(new Price(override, override, known == null ? 0 : known.vcpus(), false));
        }
        return Optional.ofNullable(known);
    }

    private Price fargatePrice(String region, String type) {
        Matcher m = FARGATE_TYPE.matcher(type.toLowerCase(Locale.ROOT));
        double[] rates = fargate.get(region.toLowerCase(Locale.ROOT));
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

    /** The Fargate type name for a task size in the units of the settings (CPU units, MiB). */
    public static String fargateType(int cpuUnits, int memoryMiB) {
        return trim(cpuUnits / 1024.0) + "vcpu-" + trim(memoryMiB / 1024.0) + "gb";
    }

    private static String trim(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    private static String key(String provider, String region, String type) {
        return (provider + "/" + region + "/" + type).toLowerCase(Locale.ROOT);
    }
}
