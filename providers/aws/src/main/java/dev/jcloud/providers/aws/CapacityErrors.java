package dev.jcloud.providers.aws;

import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * The RunInstances errors that mean "no capacity for this request here, now" rather than a
 * mistake in the request: another zone or the on-demand market may still have room.
 */
final class CapacityErrors {

    /** Error codes EC2 returns when a zone (or the spot market) cannot fill a request. */
    static final Set<String> CODES = Set.of(
            "InsufficientInstanceCapacity",
            "InsufficientCapacity",
            "InsufficientHostCapacity",
            "InsufficientReservedInstanceCapacity",
            "UnfulfillableCapacity",
            "InsufficientFreeAddressesInSubnet",
            "SpotMaxPriceTooLow",
            "MaxSpotInstanceCountExceeded",
            "SpotCapacityNotAvailable");

    private CapacityErrors() {}

    static boolean isCapacity(Throwable e) {
        return e instanceof AwsServiceException a
                && a.awsErrorDetails() != null
                && CODES.contains(a.awsErrorDetails().errorCode());
    }

    static String describe(Throwable e) {
        if (e instanceof AwsServiceException a && a.awsErrorDetails() != null) {
            return a.awsErrorDetails().errorCode() + ": " + a.awsErrorDetails().errorMessage();
        }
        return e.getMessage();
    }
}
