package dev.jcloud.cli;

import dev.jcloud.config.SettingValue;
import dev.jcloud.config.Settings;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jcloud config show [--sources]}. */
@Command(
        name = "show",
        mixinStandardHelpOptions = true,
        description = {
            "Print the effective settings.",
            "Each source overrides those before it: defaults < ~/.config/jcloud/jcloud.yaml < ./jcloud.yaml"
                    + " < JCLOUD_* environment variables < command-line flags."
        })
final class ConfigShowCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    CommonOptions common;

    @Mixin
    OutputOptions output;

    @Option(names = "--sources", description = "Also show where each value came from.")
    boolean sources;

    @Override
    public Integer call() {
        Settings settings = common.settings(Map.of(), Map.of());
        PrintWriter out = spec.commandLine().getOut();
        List<SettingValue> values = settings.explain();
        if (output.json()) {
            List<Map<String, Object>> json = new ArrayList<>();
            for (SettingValue v : values) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("key", v.key());
                m.put("value", v.displayValue());
                if (sources) {
                    m.put("source", v.source());
                }
                json.add(m);
            }
            OutputOptions.printJson(out, json);
        } else if (sources) {
            int width = values.stream().mapToInt(v -> v.key().length()).max().orElse(10);
            int valueWidth = Math.min(
                    40,
                    values.stream()
                            .mapToInt(v -> v.displayValue().length())
                            .max()
                            .orElse(10));
            for (SettingValue v : values) {
                out.printf("%-" + width + "s  %-" + valueWidth + "s  %s%n", v.key(), v.displayValue(), v.source());
            }
        } else {
            out.print(settings.toYaml());
        }
        out.flush();
        return 0;
    }
}
