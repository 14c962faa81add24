package dev.jcloud.engine;

/** The engine version every party announces; a client and a cluster of different versions refuse each other. */
public final class EngineVersion {

    public static final String VERSION = read();

    private EngineVersion() {}

    private static String read() {
        String v = EngineVersion.class.getPackage().getImplementationVersion();
        return v != null ? v : "0.1.0-SNAPSHOT";
    }
}
