package dev.jcloud.provisioner.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Set;

/**
 * Writes PEM files. Private keys are created with mode 0600 from the start (never written first
 * and narrowed after, which would leave a moment where others could read them), in a 0700 directory.
 */
final class PemFiles {

    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> PUBLIC_FILE = PosixFilePermissions.fromString("rw-r--r--");

    private PemFiles() {}

    static byte[] der(String pem, String type) {
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int from = pem.indexOf(begin);
        int to = pem.indexOf(end);
        if (from < 0 || to < from) {
            throw new IllegalArgumentException("no " + type + " block");
        }
        return Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
    }

    /** Creates {@code dir} (and parents) and makes it owner-only. */
    static void ownerOnlyDirectory(Path dir) {
        try {
            Files.createDirectories(dir);
            if (POSIX) {
                Files.setPosixFilePermissions(dir, OWNER_DIR);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
    }

    static void writeSecret(Path file, String text) {
        write(file, text, OWNER_FILE);
    }

    static void writePublic(Path file, String text) {
        write(file, text, PUBLIC_FILE);
    }

    private static void write(Path file, String text, Set<PosixFilePermission> mode) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            FileAttribute<?>[] attrs = POSIX
                    ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)}
                    : new FileAttribute<?>[0];
            Path temp = Files.createTempFile(dir, ".tls-", ".tmp", attrs);
            try {
                Files.writeString(temp, text, StandardCharsets.US_ASCII);
                if (POSIX) {
                    Files.setPosixFilePermissions(temp, mode); // a umask cannot widen it, but be explicit
                }
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
