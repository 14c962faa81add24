package dev.jcloud.providers.aws;

import dev.jcloud.terraform.Hcl;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Points an exported AWS module at a moto_server: an override file next to the module, as an
 * operator's CI would write one, with the test's fake credentials and every service the modules
 * use. The module's own files stay untouched (and fmt clean).
 */
public final class MotoOverride {

    private static final List<String> SERVICES =
            List.of("autoscaling", "ec2", "ecs", "iam", "logs", "servicediscovery", "ssm", "sts");

    private MotoOverride() {}

    /** Writes {@code moto_override.tf}; {@code extra} is appended as is (e.g. a variable override). */
    public static void write(Path module, MotoServer moto, String extra) throws IOException {
        var creds = moto.credentials().resolveCredentials();
        String endpoint = moto.endpoint().toString();
        StringBuilder endpoints = new StringBuilder();
        for (String service : SERVICES) {
            endpoints
                    .append("    ")
                    .append(service)
                    .append(" = ")
                    .append(Hcl.string(endpoint))
                    .append('\n');
        }
        Files.writeString(
                module.resolve("moto_override.tf"),
                "provider \"aws\" {\n"
                        + "  access_key                  = " + Hcl.string(creds.accessKeyId()) + "\n"
                        + "  secret_key                  = " + Hcl.string(creds.secretAccessKey()) + "\n"
                        + "  skip_credentials_validation = true\n"
                        + "  skip_requesting_account_id  = true\n"
                        + "  skip_metadata_api_check     = true\n"
                        + "  s3_use_path_style           = true\n"
                        + "  endpoints {\n" + endpoints + "  }\n}\n" + extra);
    }
}
