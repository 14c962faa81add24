package dev.jcloud.config;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem so the user can fix them all in one go instead of one per run. */
final class Problems {

    private final List<String> lines = new ArrayList<>();

    void add(String line) {
        lines.add(line);
    }

    /** {@code <where>: <what> <requirement> (was <value>)}, masking the value of secret keys. */
    void add(Source source, String what, Invalid invalid, boolean secret) {
        add(source.where(), what, invalid, secret);
    }

    void add(String where, String what, Invalid invalid, boolean secret) {
        StringBuilder line =
                new StringBuilder(where).append(": ").append(what).append(' ').append(invalid.requirement);
        if (invalid.was != null) {
            line.append(" (was ")
                    .append(secret || Redactor.isSecretKey(what) ? Redactor.MASK : invalid.was)
                    .append(')');
        }
        lines.add(line.toString());
    }

    boolean isEmpty() {
        return lines.isEmpty();
    }

    List<String> lines() {
        return List.copyOf(lines);
    }
}
