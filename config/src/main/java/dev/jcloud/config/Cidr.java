package dev.jcloud.config;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * CIDR block syntax, checked by hand because {@link java.net.InetAddress} would resolve
 * anything that is not a literal through DNS.
 */
final class Cidr {

    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
    private static final Pattern IPV4 = Pattern.compile(OCTET + "(\\." + OCTET + "){3}");
    private static final Pattern HEX_GROUP = Pattern.compile("[0-9a-fA-F]{1,4}");
    private static final Pattern PREFIX = Pattern.compile("0|[1-9][0-9]{0,2}");

    private Cidr() {}

    static boolean isValid(String text) {
        int slash = text.indexOf('/');
        if (slash < 0 || slash != text.lastIndexOf('/')) {
            return false;
        }
        String address = text.substring(0, slash);
        String prefix = text.substring(slash + 1);
        if (!PREFIX.matcher(prefix).matches()) {
            return false;
        }
        int bits = Integer.parseInt(prefix);
        if (IPV4.matcher(address).matches()) {
            return bits <= 32;
        }
        return isIpv6(address) && bits <= 128;
    }

    static boolean isIpv6(String address) {
        int gap = address.indexOf("::");
        if (gap >= 0 && gap != address.lastIndexOf("::")) {
            return false;
        }
        List<String> groups = new ArrayList<>();
        if (gap >= 0) {
            groups.addAll(split(address.substring(0, gap)));
            groups.addAll(split(address.substring(gap + 2)));
        } else {
            groups.addAll(split(address));
        }
        int count = 0;
        for (int i = 0; i < groups.size(); i++) {
            String group = groups.get(i);
            boolean last = i == groups.size() - 1;
            if (HEX_GROUP.matcher(group).matches()) {
                count += 1;
            } else if (last && IPV4.matcher(group).matches()) {
                count += 2; // an embedded IPv4 address fills the last two groups
            } else {
                return false;
            }
        }
        return gap >= 0 ? count <= 7 : count == 8;
    }

    private static List<String> split(String part) {
        return part.isEmpty() ? List.of() : List.of(part.split(":", -1));
    }
}
