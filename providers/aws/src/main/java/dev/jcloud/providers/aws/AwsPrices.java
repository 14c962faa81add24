package dev.jcloud.providers.aws;

import dev.jcloud.provisioner.elastic.PriceTable;

/** The bundled prices of EC2 instance types and Fargate resources ({@code prices.json} beside this class). */
final class AwsPrices {

    /** Read once: the table is a few kB and never changes while a process runs. */
    static final PriceTable TABLE = PriceTable.load(AwsPrices.class, "prices.json");

    private AwsPrices() {}
}
