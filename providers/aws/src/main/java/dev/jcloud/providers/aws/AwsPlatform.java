package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.PriceTable;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** What EC2 and Fargate clusters share as AWS: user tags under {@code aws.tag.}, per-second billing, one price file. */
interface AwsPlatform extends CloudProvider {

    @Override
    default String userTagPrefix() {
        return AwsOptions.TAG_PREFIX;
    }

    /** EC2 Linux and Fargate bill per second with a 60 s minimum per instance or task start. */
    @Override
    default BillingModel billing(Map<String, String> options) {
        return BillingModel.PER_SECOND_60S_MINIMUM;
    }

    /**
     * Up to 15 minutes without a visible scheduler after {@code up} began: the shared resources,
     * the IAM propagation waits before the launch, then the seconds to minutes EC2 and ECS may
     * take to list a task or instance they have just started (their listings are eventually
     * consistent). A cluster older than this without a scheduler is gone.
     */
    @Override
    default Duration startingGrace() {
        return Duration.ofMinutes(15);
    }

    @Override
    default Optional<PriceTable> priceTable() {
        return Optional.of(AwsPrices.TABLE);
    }
}
