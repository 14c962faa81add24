package dev.jcloud.config;

/**
 * One value as a source wrote it, before parsing.
 *
 * @param path  the key path, e.g. {@code cluster.workers}; for a map entry, the map's path
 * @param entry the entry's key for map settings ({@code team} in {@code cluster.tags.team}), else null
 * @param text  the raw text; null for a YAML null
 */
record Assignment(String path, String entry, String text, Source source) {}
