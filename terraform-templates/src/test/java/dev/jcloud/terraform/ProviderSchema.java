package dev.jcloud.terraform;

import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Terraform provider's schema as the prebuilt CDK-for-Terraform package on the npm registry
 * carries it ({@code @cdktf/provider-google}, {@code @cdktf/provider-azurerm}): for each resource
 * and data source, a generated TypeScript declaration ({@code lib/<name>/index.d.ts}) with one
 * interface per block: each argument and nested block with its Terraform name (the anchor of its
 * registry link), whether it is required ({@code readonly x: T} against {@code readonly x?: T}),
 * its type, and for blocks the interface of the nested block ("... block" in its comment).
 *
 * <p>The packages (the versions in {@code provider-schemas.properties}) are fetched by
 * {@code .ci/clouds} into {@code $PROVIDER_SCHEMA_CACHE} (default
 * {@code ~/.cache/jcloud/provider-schemas}); a test that needs one that is absent fails naming it.
 */
public final class ProviderSchema {

    /** One argument or nested block of a block. */
    public record Argument(String name, boolean required, boolean block, String type, String blockInterface) {}

    /** A block: its arguments by Terraform name, and the declarations its nested blocks are in. */
    public record Block(String name, Map<String, Argument> arguments, Declarations file) {
        /** The schema of nested block {@code name}, or empty when it is not a block. */
        public Optional<Block> nested(String name) {
            Argument a = arguments.get(name);
            return a == null || a.blockInterface() == null
                    ? Optional.empty()
                    : Optional.of(file.block(this.name + "." + name, a.blockInterface()));
        }
    }

    private static final Pattern INTERFACE =
            Pattern.compile("(?m)^export interface (\\w+)(?: extends [\\w.]+)? \\{\\n(.*?)^\\}", Pattern.DOTALL);
    private static final Pattern PROPERTY =
            Pattern.compile("(?s)/\\*\\*(.*?)\\*/\\s*readonly (\\w+)(\\??): ((?:\\{[^}]*\\}|[^;{])+);");
    private static final Pattern ANCHOR = Pattern.compile("#(\\w+) \\w+#\\w+\\}");
    private static final Map<String, ProviderSchema> LOADED = new ConcurrentHashMap<>();

    private final String provider;
    private final String packageSpec;
    private final Path root;

    private ProviderSchema(String provider, String packageSpec, Path root) {
        this.provider = provider;
        this.packageSpec = packageSpec;
        this.root = root;
    }

    /** The schema of {@code provider} ({@code google}, {@code azurerm}), or a failure naming the package to fetch. */
    public static ProviderSchema of(String provider) {
        return LOADED.computeIfAbsent(provider, ProviderSchema::load);
    }

    private static ProviderSchema load(String provider) {
        Properties p = new Properties();
        try (InputStream in = ProviderSchema.class.getResourceAsStream("/provider-schemas.properties")) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String spec = p.getProperty(provider);
        if (spec == null) {
            return fail("no provider schema package is listed for " + provider + " in provider-schemas.properties");
        }
        String name = spec.substring(0, spec.lastIndexOf('@'));
        String version = spec.substring(spec.lastIndexOf('@') + 1);
        String env = System.getenv("PROVIDER_SCHEMA_CACHE");
        Path cache = env != null && !env.isBlank()
                ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "jcloud", "provider-schemas");
        Path dir = cache.resolve(name.replace("@cdktf/", "") + "-" + version);
        if (!Files.isRegularFile(dir.resolve("package.json"))) {
            return fail("the Terraform provider schema package " + spec + " (npm) is not in " + dir
                    + ": run .ci/clouds, which fetches it with npm (PROVIDER_SCHEMA_CACHE names another cache)");
        }
        return new ProviderSchema(provider, spec, dir);
    }

    /** The npm package this schema comes from, e.g. {@code @cdktf/provider-google@16.12.1}. */
    public String packageSpec() {
        return packageSpec;
    }

    /** The provider's name, e.g. {@code google}. */
    public String provider() {
        return provider;
    }

    /** A resource type's schema, e.g. {@code google_compute_instance}; empty when the provider has no such resource. */
    public Optional<Block> resource(String type) {
        return declarations(type, type.replaceFirst("^" + provider + "_", "").replace('_', '-'));
    }

    /** A data source's schema, e.g. {@code azurerm_client_config}. */
    public Optional<Block> data(String type) {
        return declarations(type, "data-" + type.replace('_', '-'));
    }

    /** The provider block's schema. */
    public Block providerBlock() {
        return declarations("provider " + provider, "provider").orElseThrow();
    }

    private Optional<Block> declarations(String name, String dir) {
        Path file = root.resolve("lib").resolve(dir).resolve("index.d.ts");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            // A large resource's nested blocks are in index-structs/*.d.ts, beside its Config in index.d.ts.
            StringBuilder text = new StringBuilder(Files.readString(file));
            Path structs = file.resolveSibling("index-structs");
            if (Files.isDirectory(structs)) {
                try (Stream<Path> parts = Files.list(structs)) {
                    for (Path part : parts.filter(p -> p.toString().endsWith(".d.ts"))
                            .sorted()
                            .toList()) {
                        text.append('\n').append(Files.readString(part));
                    }
                }
            }
            Declarations d = new Declarations(text.toString());
            String top = d.interfaces.keySet().stream()
                    .filter(n -> n.endsWith("Config"))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no *Config interface in " + file));
            return Optional.of(d.block(name, top));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The interfaces of one generated declaration file. */
    public static final class Declarations {
        private final Map<String, String> interfaces = new LinkedHashMap<>();

        Declarations(String text) {
            Matcher m = INTERFACE.matcher(text);
            while (m.find()) {
                interfaces.put(m.group(1), m.group(2));
            }
        }

        Block block(String name, String interfaceName) {
            String body = interfaces.get(interfaceName);
            if (body == null) {
                throw new IllegalStateException("no interface " + interfaceName + " for " + name);
            }
            Map<String, Argument> arguments = new LinkedHashMap<>();
            Matcher m = PROPERTY.matcher(body);
            while (m.find()) {
                String doc = m.group(1);
                Matcher anchor = ANCHOR.matcher(doc);
                String tfName = anchor.find() ? anchor.group(1) : snake(m.group(2));
                // One line: a map type is declared over several ({ [key: string]: string; }).
                String type = m.group(4).strip().replaceAll("\\s+", " ").replace("; }", " }");
                String nested = null;
                Matcher ref = Pattern.compile("\\b([A-Z]\\w+)\\b").matcher(type);
                while (ref.find() && nested == null) {
                    if (interfaces.containsKey(ref.group(1))) {
                        nested = ref.group(1);
                    }
                }
                boolean isBlock = nested != null && doc.contains(tfName + " block");
                arguments.put(tfName, new Argument(tfName, m.group(3).isEmpty(), isBlock, type, nested));
            }
            return new Block(name, arguments, this);
        }

        private static String snake(String camel) {
            return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
        }
    }
}
