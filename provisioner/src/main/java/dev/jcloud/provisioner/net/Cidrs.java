package dev.jcloud.provisioner.net;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * IPv4 CIDR blocks as cloud firewalls accept them for "who may reach the scheduler"
 * (EC2 security groups, GCP firewall source ranges, Azure network security group rules).
 */
public final class Cidrs {

    /** The block that matches every IPv4 address; providers warn when it is allowed. */
    public static final String ANYWHERE = "0.0.0.0/0";

    private static final Pattern IPV4_CIDR =
            Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    private Cidrs() {}

    /**
     * {@code cidr} if it is an IPv4 CIDR block whose address has no bits beyond the prefix
     * (clouds refuse {@code 10.0.0.1/8}, or worse, silently widen it).
     *
     * @param option the option the block was given in, named by the error (e.g. {@code aws.allow-from})
     * @throws IllegalArgumentException naming the option, the value and what is accepted
     */
    public static String check(String option, String cidr) {
        Matcher m = IPV4_CIDR.matcher(cidr);
        if (!m.matches()) {
            throw invalid(option, cidr, "an IPv4 CIDR block such as 203.0.113.7/32");
        }
        long address = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw invalid(option, cidr, "an IPv4 CIDR block (each number 0-255)");
            }
            address = (address << 8) | octet;
        }
        int prefix = Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw invalid(option, cidr, "an IPv4 CIDR block with a prefix length of 0-32");
        }
        long hostBits = prefix == 32 ? 0 : (1L << (32 - prefix)) - 1;
        if ((address & hostBits) != 0) {
            throw invalid(
                    option,
                    cidr,
                    "the network address of the block (host bits zero), e.g. "
                            + toDotted(address & ~hostBits & 0xFFFFFFFFL) + "/" + prefix);
        }
        return cidr;
    }

    // The same wording as the providers' option errors: "invalid <option> '<value>': use <expected>".
    private static IllegalArgumentException invalid(String option, String value, String expected) {
        return new IllegalArgumentException("invalid " + option + " '" + value + "': use " + expected);
    }

    private static String toDotted(long a) {
        return ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
    }
}
