package dev.jcloud.provisioner.net;

import dev.jcloud.config.FirewallCidr;

/**
 * IPv4 CIDR blocks as cloud firewalls accept them for "who may reach the scheduler"
 * (EC2 security groups, GCP firewall source ranges, Azure network security group rules).
 */
public final class Cidrs {

    /** The block that matches every IPv4 address; providers warn when it is allowed. */
    public static final String ANYWHERE = "0.0.0.0/0";

    private Cidrs() {}

    /**
     * {@code cidr} if it is an IPv4 CIDR block whose address has no bits beyond the prefix
     * (clouds refuse {@code 10.0.0.1/8}, or worse, silently widen it).
     *
     * @param option the option the block was given in, named by the error (e.g. {@code aws.allow-from})
     * @throws IllegalArgumentException naming the option, the value and what is accepted
     */
    public static String check(String option, String cidr) {
        FirewallCidr.problem(cidr).ifPresent(expected -> {
            throw invalid(option, cidr, expected);
        });
        return cidr;
    }

    // The same wording as the providers' option errors: "invalid <option> '<value>': use <expected>".
    private static IllegalArgumentException invalid(String option, String value, String expected) {
        return new IllegalArgumentException("invalid " + option + " '" + value + "': use " + expected);
    }
}
