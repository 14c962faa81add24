package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.CloudProvider;
import dev.jcloud.provisioner.elastic.BillingModel;
import dev.jcloud.provisioner.elastic.PriceTable;
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

    @Override
    default Optional<PriceTable> priceTable() {
        return Optional.of(AwsPrices.TABLE);
    }
}
