package dev.jcloud.providers.batch;

import dev.jcloud.provisioner.CloudProvider;
import org.junit.jupiter.api.BeforeAll;

/** The sge provider passes the provider contract on the real Grid Engine of this machine (.ci/batch-up). */
class SgeProviderContractIT extends BatchProviderContract {

    SgeProviderContractIT() {
        super("sge");
    }

    @BeforeAll
    static void gridEngineAnswers() {
        BatchSystems.requireSge();
    }

    @Override
    String system() {
        return "sge";
    }

    @Override
    protected CloudProvider newProvider() {
        return new SgeProvider();
    }
}
