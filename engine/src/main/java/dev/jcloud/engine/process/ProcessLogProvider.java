package dev.jcloud.engine.process;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.slf4j.ILoggerFactory;
import org.slf4j.IMarkerFactory;
import org.slf4j.helpers.BasicMarkerFactory;
import org.slf4j.spi.MDCAdapter;
import org.slf4j.spi.SLF4JServiceProvider;

/**
 * The SLF4J binding {@link ProcessLogging} names in {@code slf4j.provider}: Logback, as Logback's
 * own provider binds it, but configured by {@link ProcessLogging#apply} instead of Logback's
 * auto-configuration. Public for SLF4J, which instantiates it by name; not for direct use.
 */
public final class ProcessLogProvider implements SLF4JServiceProvider {

    /** The system property SLF4J (2.0.9 and later) reads to skip provider discovery. */
    static final String PROPERTY = "slf4j.provider";

    private LoggerContext context;
    private IMarkerFactory markers;
    private LogbackMDCAdapter mdc;

    @Override
    public void initialize() {
        context = new LoggerContext();
        context.setName("default");
        mdc = new LogbackMDCAdapter();
        context.setMDCAdapter(mdc);
        ProcessLogging.apply(context);
        context.start();
        markers = new BasicMarkerFactory();
    }

    @Override
    public ILoggerFactory getLoggerFactory() {
        return context;
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
