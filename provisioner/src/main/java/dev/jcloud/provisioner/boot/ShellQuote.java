package dev.jcloud.provisioner.boot;

/**
 * Quotes values for POSIX shells. Every value that reaches a rendered script goes through
 * {@link #quote}: inside single quotes the shell expands nothing ({@code $(...)}, backticks,
 * {@code ${...}}, globs and newlines are all literal), so the only character to handle is the
 * single quote itself, written as {@code '\''}.
 */
public final class ShellQuote {

    private ShellQuote() {}

    /**
     * {@code value} as one single-quoted shell word that the shell turns back into exactly
     * {@code value}.
     *
     * @throws IllegalArgumentException if {@code value} contains a NUL character, which no shell
     *                                  string (and no command-line argument) can carry
     */
    public static String quote(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a value for a shell script must not contain a NUL character");
        }
        return "'" + value.replace("'", "'\\''") + "'";
    }
}
