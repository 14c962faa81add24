package dev.jcloud.config;

/**
 * A value that cannot be accepted. Carries what is required and what was given separately, so
 * the message can name the source and key in front and hide the given value when it is secret.
 */
final class Invalid extends Exception {

    private static final int SHOWN_CHARS = 80;

    /** E.g. {@code must be ≥ 0}. */
    final String requirement;
    /** E.g. {@code -3} or {@code 'many'}; null when repeating the value would not help. */
    final String was;

    Invalid(String requirement, String was) {
        super(requirement, null, false, false);
        this.requirement = requirement;
        this.was = was;
    }

    /** A value that could not be read at all, shown quoted. */
    static Invalid text(String requirement, String text) {
        return new Invalid(requirement, quote(text));
    }

    /** {@code 'text'} with control characters escaped and long values shortened; {@code null} for null. */
    static String quote(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder("'");
        text.codePoints().limit(SHOWN_CHARS).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        if (text.codePointCount(0, text.length()) > SHOWN_CHARS) {
            out.append('…');
        }
        return out.append('\'').toString();
    }
}
