/**
 * jcloud's typed settings.
 *
 * <p>{@link dev.jcloud.config.SettingsLoader} reads defaults, the user file, the project file,
 * {@code JCLOUD_*} environment variables and flags into an immutable
 * {@link dev.jcloud.config.Settings}; anything wrong is reported, all at once, as a
 * {@link dev.jcloud.config.ConfigException}. {@link dev.jcloud.config.StatePaths} says where
 * per-user files live, {@link dev.jcloud.config.Redactor} keeps secrets out of output, and
 * {@link dev.jcloud.config.ByteSize} and {@link dev.jcloud.config.Durations} read the sizes and
 * durations users write.
 */
package dev.jcloud.config;
