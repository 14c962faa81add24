package dev.jcloud.providers.aws;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Run by the boot script on a cluster machine, before the engine: writes SSM SecureString
 * parameters to files only the owner can read, using the machine's own identity (the instance
 * role). Usage: {@code ParameterFiles REGION PREFIX NAME... DIR} writes parameter
 * {@code PREFIX+NAME} to {@code DIR/NAME} for each NAME. Prints only names, never values.
 */
public final class ParameterFiles {

    private ParameterFiles() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 4) {
            System.err.println("usage: ParameterFiles REGION PREFIX NAME... DIR");
            System.exit(2);
        }
        String region = args[0];
        String prefix = args[1];
        Path dir = Path.of(args[args.length - 1]);
        List<String> names = List.of(args).subList(2, args.length - 1);
        try (AwsClients aws = AwsClients.defaults().create(region)) {
            fetch(aws.ssm(), prefix, names, dir);
        }
    }

    /** Writes parameter {@code prefix+name} to {@code dir/name} (mode 0600) for each name. */
    static void fetch(software.amazon.awssdk.services.ssm.SsmClient ssm, String prefix, List<String> names, Path dir)
            throws IOException {
        Files.createDirectories(dir);
        for (String name : names) {
            if (name.contains("/") || name.startsWith(".")) {
                throw new IllegalArgumentException("not a file name: " + name);
            }
            String value = ssm.getParameter(r -> r.name(prefix + name).withDecryption(true))
                    .parameter()
                    .value();
            Path file = dir.resolve(name);
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, value, StandardCharsets.US_ASCII, StandardOpenOption.TRUNCATE_EXISTING);
            System.err.println("jcloud-boot: wrote " + file + " from " + prefix + name);
        }
    }
}
