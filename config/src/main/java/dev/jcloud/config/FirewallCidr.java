package dev.jcloud.config;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The CIDR blocks cloud firewalls accept for "who may reach the scheduler" (EC2 security groups,
 * GCP firewall source ranges, Azure network security group rules): IPv4, with no address bits
 * beyond the prefix (clouds refuse {@code 10.0.0.1/8}, or worse, silently widen it). The one rule
 * for both the configuration's check of an {@code allow-from} key and the providers' own.
 */
public final class FirewallCidr {

    private static final Pattern IPV4_CIDR =
            Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    private FirewallCidr() {}

    /** What {@code cidr} would have to be, when it is not such a block: e.g. "an IPv4 CIDR block such as …". */
    public static Optional<String> problem(String cidr) {
        Matcher m = IPV4_CIDR.matcher(cidr);
        if (!m.matches()) {
            return Optional.of("an IPv4 CIDR block such as 203.0.113.7/32");
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                return Optional.of("an IPv4 CIDR block (each number 0-255)");
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix > 32) {
            return Optional.of("an IPv4 CIDR block with a prefix length of 0-32");
        }
        long hostBits = prefix == 32 ? 0 : (1L << (32 - prefix)) - 1;
        if ((address & hostBits) != 0) {
            return Optional.of("the network address of the block (host bits zero), e.g. "
                    + dotted(address & ~hostBits & 0xFFFFFFFFL) + "/" + prefix);
        }
        return Optional.empty();
    }

    private static String dotted(long a) {
        return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
    }
}
