package dev.jcloud.engine.process;

import dev.jcloud.engine.internal.logs.ProcessLoggers;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding {@link ProcessLogging} names in {@code slf4j.provider}: the process's own
 * {@link ProcessLoggers}, configured by {@link ProcessLogging#apply}. It is not registered for
 * discovery, so it binds only in processes that ask for it by name. Public for SLF4J, which
 * instantiates it by name; not for direct use.
 */
public final class ProcessLogProvider implements SLF4JServiceProvider {

    /** The system property SLF4J (2.0.9 and later) reads to skip provider discovery. */
    static final String PROPERTY = "slf4j.provider";

    private ProcessLoggers loggers;
    private IMarkerFactory markers;
    private MDCAdapter mdc;

    @Override
    public void initialize() {
        loggers = new ProcessLoggers(System.err);
        ProcessLogging.apply(loggers);
        markers = new BasicMarkerFactory();
        mdc = new BasicMDCAdapter();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return loggers;
    }

    @Override
    public IMarkerFactory getMarkerFactory() {
        return markers;
    }

    @Override
    public MDCAdapter getMDCAdapter() {
        return mdc;
    }

    @Override
    public String getRequestedApiVersion() {
        return "2.0.99";
    }
}
