package dev.jcloud.config;

/** Turns the text of one value (null for a YAML null) into its typed form. */
@FunctionalInterface
interface Parser {

    Object parse(String text) throws Invalid;
}
