package dev.jcloud.terraform;

import dev.jcloud.terraform.HclStructure.Attribute;
import dev.jcloud.terraform.HclStructure.Body;
import dev.jcloud.terraform.HclStructure.Kind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Checks every resource, data source and provider block of a module's {@code .tf} files, and every
 * nested block at every level, against a {@link ProviderSchema}: the resource type exists, every
 * argument and block name is one the schema has (a block written as a block, an argument as an
 * argument), every required argument or block is present, and a literal value has the argument's
 * type (a string for a number is a finding unless it is a number). An argument whose type is a
 * list of objects may be written as blocks, as Terraform allows for such provider arguments. Dynamic blocks count as the
 * block they generate; meta-arguments ({@code count}, {@code for_each}, {@code depends_on},
 * {@code lifecycle}, {@code provider}) are Terraform's, not the provider's.
 */
public final class ModuleSchemaCheck {

    private static final Set<String> META_ARGUMENTS = Set.of("count", "for_each", "depends_on", "provider");
    private static final Set<String> META_BLOCKS = Set.of("lifecycle", "provisioner", "connection");

    private ModuleSchemaCheck() {}

    /** The findings for the module in {@code dir}, one line each ({@code file: resource T.N: block.path: what}); empty when it matches. */
    public static List<String> check(Path dir, ProviderSchema schema) throws IOException {
        List<String> findings = new ArrayList<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".tf")).sorted().toList();
        }
        for (Path file : files) {
            Body top = HclStructure.parse(Files.readString(file));
            String where = file.getFileName().toString();
            for (HclStructure.Block b : top.blocks()) {
                String prefix = schema.provider() + "_";
                switch (b.type()) {
                    case "resource", "data" -> {
                        String type = b.labels().get(0);
                        if (!type.startsWith(prefix)) {
                            continue;
                        }
                        Optional<ProviderSchema.Block> s =
                                b.type().equals("resource") ? schema.resource(type) : schema.data(type);
                        String what = where + ": " + b.type() + " " + String.join(".", b.labels());
                        if (s.isEmpty()) {
                            findings.add(what + ": " + schema.packageSpec() + " has no " + b.type() + " type " + type);
                        } else {
                            check(b.body(), s.get(), what, "", true, findings);
                        }
                    }
                    case "provider" -> {
                        if (b.labels().get(0).equals(schema.provider())) {
                            check(
                                    b.body(),
                                    schema.providerBlock(),
                                    where + ": provider " + schema.provider(),
                                    "",
                                    false,
                                    findings);
                        }
                    }
                    default -> {}
                }
            }
        }
        return findings;
    }

    private static void check(
            Body body, ProviderSchema.Block schema, String what, String path, boolean top, List<String> findings) {
        Set<String> present = new HashSet<>();
        for (Attribute a : body.attributes()) {
            if (top && META_ARGUMENTS.contains(a.name())) {
                continue;
            }
            present.add(a.name());
            ProviderSchema.Argument arg = schema.arguments().get(a.name());
            String at = what + ": " + path + a.name();
            if (arg == null) {
                findings.add(at + ": no such argument");
            } else if (arg.block()) {
                findings.add(at + ": is a block, written as an argument");
            } else if (!literalFits(a, arg.type())) {
                findings.add(at + ": " + a.kind() + " literal " + a.value() + " for an argument of type " + arg.type());
            }
        }
        for (HclStructure.Block b : body.blocks()) {
            if (top && META_BLOCKS.contains(b.type())) {
                continue;
            }
            String name = b.type();
            Body inner = b.body();
            if (name.equals("dynamic")) {
                name = b.labels().get(0);
                inner = b.body().blocks().stream()
                        .filter(c -> c.type().equals("content"))
                        .findFirst()
                        .map(HclStructure.Block::body)
                        .orElse(new Body(List.of(), List.of()));
            }
            present.add(name);
            ProviderSchema.Argument arg = schema.arguments().get(name);
            String at = what + ": " + path + name;
            if (arg == null) {
                findings.add(at + ": no such block");
            } else if (arg.blockInterface() == null) {
                // An object-typed argument may be written as a block (SDKv2's "attributes as blocks", e.g.
                // azurerm's security_rule): its content is checked like a block's.
                findings.add(at + ": is an argument, written as a block");
            } else {
                check(inner, schema.nested(name).orElseThrow(), what, path + name + ".", false, findings);
            }
        }
        for (ProviderSchema.Argument arg : schema.arguments().values()) {
            if (arg.required() && !present.contains(arg.name())) {
                findings.add(what + ": " + path + arg.name() + ": required " + (arg.block() ? "block" : "argument")
                        + " missing");
            }
        }
    }

    /** Whether a literal value fits the TypeScript type of its argument; expressions always do here. */
    private static boolean literalFits(Attribute a, String type) {
        String t = type.replace(" | cdktf.IResolvable", "")
                .replace("cdktf.IResolvable | ", "")
                .strip();
        return switch (a.kind()) {
            case EXPRESSION -> true;
            case STRING ->
                t.equals("string")
                        || t.equals("number") && a.value().matches("\"-?\\d+(\\.\\d+)?\"")
                        || t.equals("boolean") && a.value().matches("\"(true|false)\"");
            case NUMBER -> t.equals("number") || t.equals("string");
            case BOOL -> t.equals("boolean") || t.equals("string");
            case LIST -> t.endsWith("[]");
            case MAP ->
                t.startsWith("{ [key: string]")
                        || !t.equals("string")
                                && !t.equals("number")
                                && !t.equals("boolean")
                                && !t.endsWith("[]")
                                && a.kind() == Kind.MAP;
        };
    }
}
