package dev.jcloud.terraform;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The top-level blocks of a generated {@code .tf} file, for structural assertions: each
 * {@code resource "type" "name"} (and {@code variable}, {@code output}, {@code data}) with its body,
 * found by matching braces outside string literals. Not an HCL parser; {@code terraform fmt}
 * (run on every module by the ITs) is what proves the files parse.
 */
public final class HclBlocks {

    private static final Pattern HEADER =
            Pattern.compile("(?m)^(resource|data|variable|output)((?: \"[^\"]+\")+) \\{$");

    private HclBlocks() {}

    /** Blocks by {@code kind type.name} (e.g. {@code resource aws_vpc.cluster}, {@code variable name}). */
    public static Map<String, String> of(String hcl) {
        Map<String, String> blocks = new LinkedHashMap<>();
        Matcher m = HEADER.matcher(hcl);
        while (m.find()) {
            String labels = m.group(2).strip().replace("\"", "").replace(' ', '.');
            int end = closingBrace(hcl, m.end() - 1);
            blocks.put(m.group(1) + " " + labels, hcl.substring(m.end(), end));
        }
        return blocks;
    }

    private static int closingBrace(String s, int open) {
        int depth = 0;
        boolean inString = false;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '#') {
                int eol = s.indexOf('\n', i);
                i = eol < 0 ? s.length() : eol;
            } else if (c == '{') {
                depth++;
            } else if (c == '}' && --depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("unbalanced braces after offset " + open);
    }
}
