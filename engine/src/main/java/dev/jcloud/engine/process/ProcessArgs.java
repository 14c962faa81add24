package dev.jcloud.engine.process;

import dev.jcloud.config.ByteSize;
import dev.jcloud.config.Durations;
import dev.jcloud.engine.internal.net.Transports;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Checks of process flags, each failing with a message that names the flag and what it accepts. */
final class ProcessArgs {

    private ProcessArgs() {}

    static void checkPort(String flag, int port, int min) {
        if (port < min || port > 65535) {
            throw new IllegalArgumentException(flag + " must be between " + min + " and 65535 (was " + port + ")");
        }
    }

    static void checkAddress(String what, String address) {
        int colon = address.lastIndexOf(':');
        boolean ok = colon > 0 && colon < address.length() - 1;
        if (ok) {
            try {
                int port = Integer.parseInt(address.substring(colon + 1));
                ok = port > 0 && port <= 65535;
            } catch (NumberFormatException e) {
                ok = false;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException(what + " must be host:port, e.g. 10.0.0.5:8786 (was '" + address + "')");
        }
    }

    static Duration duration(String flag, String text) {
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }

    /** An instant given as epoch seconds (what {@code date +%s} prints) or in ISO-8601 ({@code 2026-12-07T18:00:00Z}). */
    static Instant instant(String flag, String text) {
        try {
            return text.matches("\\d+") ? Instant.ofEpochSecond(Long.parseLong(text)) : Instant.parse(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(
                    flag + ": expected epoch seconds (e.g. 1796666400) or an ISO-8601 instant"
                            + " (e.g. 2026-12-07T18:00:00Z), was '" + text + "'");
        }
    }

    static long size(String flag, String text) {
        try {
            long bytes = ByteSize.parse(text).bytes();
            if (bytes < (16L << 20)) {
                throw new IllegalArgumentException("must be at least 16MiB (was " + text + ")");
            }
            return bytes;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(flag + ": " + e.getMessage());
        }
    }

    static Map<String, Double> resources(String flag, Map<String, String> raw) {
        Map<String, Double> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> {
            try {
                double amount = Double.parseDouble(v);
                if (!(amount > 0)) {
                    throw new NumberFormatException();
                }
                out.put(k, amount);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(flag + ": " + k + " must be a positive number (was '" + v + "')");
            }
        });
        return out;
    }

    static String localHostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "worker";
        }
    }

    /** Peers must reach us on an address from the scheduler's side; loopback clusters stay on loopback. */
    static String advertiseHost(String bindHost, String schedulerAddress) {
        if (!bindHost.equals("0.0.0.0") && !bindHost.equals("::")) {
            return bindHost;
        }
        String schedulerHost = schedulerAddress.substring(0, schedulerAddress.lastIndexOf(':'));
        try {
            if (InetAddress.getByName(schedulerHost).isLoopbackAddress()) {
                return "127.0.0.1";
            }
            return Transports.hostFor(bindHost);
        } catch (UnknownHostException e) {
            return "127.0.0.1";
        }
    }
}
