package dev.jcloud.provisioner;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Cluster and worker names. Names end up in cloud tags, DNS-like resource names and file names,
 * so they are restricted to what all of those accept.
 */
public final class ClusterNames {

    private static final Pattern VALID = Pattern.compile("[a-z][a-z0-9-]{0,38}[a-z0-9]");
    private static final SecureRandom RANDOM = new SecureRandom();

    private ClusterNames() {}

    /** Throws an {@link IllegalArgumentException} that says what a name may contain. */
    /** Whether {@code name} passes {@link #check}. */
    public static boolean isValid(String name) {
        try {
            check(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    public static String check(String name) {
        if (name == null || !VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("'" + name + "' is not a valid cluster name: use 2 to 40"
                    + " lower-case letters, digits or '-', starting with a letter and not ending with '-'");
        }
        return name;
    }

    /** A fresh name such as {@code local-3f9a}. */
    public static String generate(String prefix) {
        return prefix + "-" + randomHex(2);
    }

    /** A fresh unique id for tagging a cluster's nodes. */
    public static String newId() {
        return randomHex(6);
    }

    /** {@code <cluster>-worker-<n>}: the one name a worker has everywhere. */
    public static String worker(String cluster, int index) {
        return cluster + "-worker-" + index;
    }

    /** {@code <cluster>-scheduler}. */
    public static String scheduler(String cluster) {
        return cluster + "-scheduler";
    }

    private static String randomHex(int bytes) {
        byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
