package dev.jcloud.engine.worker;

import dev.jcloud.engine.internal.classpath.ClasspathEntries;
import dev.jcloud.engine.internal.codec.JavaSerialization;
import dev.jcloud.engine.internal.task.TaskFunction;
import dev.jcloud.engine.proto.BlobChunk;
import dev.jcloud.engine.proto.BlobRequest;
import dev.jcloud.engine.proto.ClasspathDef;
import dev.jcloud.engine.proto.ClasspathEntry;
import dev.jcloud.engine.proto.FunctionDef;
import dev.jcloud.engine.proto.SchedulerGrpc;
import io.grpc.Channel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The client code this worker can run. Function definitions arrive with the first task that uses
 * them; the class path entries they need and this worker lacks are fetched once from the
 * scheduler by hash, verified, and loaded in a class loader per client class path. So a worker
 * started from the stock engine runs any client's code without anyone copying JARs.
 */
final class CodeCache {

    private final Map<Long, FunctionDef> definitions = new ConcurrentHashMap<>();
    private final Map<Long, ClasspathDef> classpaths = new ConcurrentHashMap<>();
    private final Map<Long, TaskFunction> functions = new ConcurrentHashMap<>();
    private final Map<Long, ClassLoader> loaders = new ConcurrentHashMap<>();
    private final Set<String> localHashes;
    private final Set<String> localNames = new HashSet<>();
    private final Channel scheduler;
    private final Path blobDir;

    CodeCache(Channel scheduler, Path blobDir) {
        this.scheduler = scheduler;
        this.blobDir = blobDir;
        this.localHashes = ConcurrentHashMap.newKeySet();
        for (String part : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (!part.isEmpty()) {
                localNames.add(Path.of(part).getFileName().toString());
            }
        }
    }

    void define(FunctionDef def) {
        definitions.putIfAbsent(def.getId(), def);
    }

    void define(ClasspathDef def) {
        classpaths.putIfAbsent(def.getId(), def);
    }

    String name(long functionId) {
        FunctionDef def = definitions.get(functionId);
        return def == null ? Long.toHexString(functionId) : def.getName();
    }

    /** The function, deserialized once per worker. */
    TaskFunction function(long id) throws ClassNotFoundException, IOException {
        TaskFunction fn = functions.get(id);
        if (fn != null) {
            return fn;
        }
        FunctionDef def = definitions.get(id);
        if (def == null) {
            throw new IllegalStateException("function " + Long.toHexString(id) + " was not sent to this worker");
        }
        // Bounded by the payload's size like values are: a forged array length or nesting depth
        // is refused before anything is allocated.
        byte[] payload = def.getPayload().toByteArray();
        Object o = JavaSerialization.deserialize(
                new ByteArrayInputStream(payload), loader(def.getClasspath()), payload.length);
        fn = (TaskFunction) o;
        functions.putIfAbsent(id, fn);
        return fn;
    }

    /** The class loader for results and arguments of tasks defined with {@code functionId}. */
    ClassLoader loaderFor(long functionId) {
        FunctionDef def = definitions.get(functionId);
        return def == null ? getClass().getClassLoader() : loader(def.getClasspath());
    }

    private ClassLoader loader(long classpathId) {
        ClassLoader engine = getClass().getClassLoader();
        if (classpathId == 0) {
            return engine;
        }
        ClassLoader existing = loaders.get(classpathId);
        if (existing != null) {
            return existing;
        }
        synchronized (this) {
            existing = loaders.get(classpathId);
            if (existing != null) {
                return existing;
            }
            ClasspathDef def = classpaths.get(classpathId);
            if (def == null) {
                return engine;
            }
            ClassLoader loader = new ClientLoader(def, engine);
            loaders.put(classpathId, loader);
            return loader;
        }
    }

    /**
     * Parent-first over the client's class path entries this worker lacks, fetched the first time
     * a class or resource is not the engine's or the JDK's. A task made only of those (the
     * benchmarks, the engine's own helpers) then never downloads the client's jars: a client with
     * a hundred jars would otherwise have every worker fetch all of them before its first task.
     */
    private final class ClientLoader extends URLClassLoader {

        static {
            registerAsParallelCapable();
        }

        private final ClasspathDef def;
        private final Object fetchLock = new Object();
        private volatile boolean fetched;

        ClientLoader(ClasspathDef def, ClassLoader engine) {
            super("jcloud-client-" + Long.toHexString(def.getId()), new URL[0], engine);
            this.def = def;
        }

        private void fetchMissing() {
            if (fetched) {
                return;
            }
            synchronized (fetchLock) {
                if (!fetched) {
                    for (ClasspathEntry e : def.getEntriesList()) {
                        if (!isLocal(e)) {
                            addURL(toUrl(fetch(e)));
                        }
                    }
                    fetched = true;
                }
            }
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            fetchMissing();
            return super.findClass(name);
        }

        @Override
        public URL findResource(String name) {
            fetchMissing();
            return super.findResource(name);
        }

        @Override
        public java.util.Enumeration<URL> findResources(String name) throws IOException {
            fetchMissing();
            return super.findResources(name);
        }
    }

    /** An entry this JVM already runs with (same content), checked by name and size before hashing. */
    private boolean isLocal(ClasspathEntry e) {
        if (localHashes.contains(e.getSha256())) {
            return true;
        }
        for (String part : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (part.isEmpty()) {
                continue;
            }
            Path p = Path.of(part);
            try {
                boolean candidate = Files.isDirectory(p) || (Files.isRegularFile(p) && Files.size(p) == e.getSize());
                if (candidate && ClasspathEntries.of(p).sha256().equals(e.getSha256())) {
                    localHashes.add(e.getSha256());
                    return true;
                }
            } catch (IOException | UncheckedIOException ex) {
                // Unreadable entry: not a match.
            }
        }
        return false;
    }

    private Path fetch(ClasspathEntry e) {
        Path target = blobDir.resolve(e.getSha256() + ".jar");
        if (Files.exists(target)) {
            return target;
        }
        try {
            Files.createDirectories(blobDir);
            Path temp = Files.createTempFile(blobDir, "fetch-", ".part");
            try {
                try (OutputStream out = Files.newOutputStream(temp)) {
                    Iterator<BlobChunk> chunks = SchedulerGrpc.newBlockingStub(scheduler)
                            .withDeadlineAfter(10, TimeUnit.MINUTES)
                            .getBlob(BlobRequest.newBuilder()
                                    .setSha256(e.getSha256())
                                    .build());
                    while (chunks.hasNext()) {
                        chunks.next().getData().writeTo(out);
                    }
                }
                String actual = ClasspathEntries.sha256(temp);
                if (!actual.equals(e.getSha256())) {
                    throw new IOException("class path entry " + e.getName() + " arrived corrupted");
                }
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return target;
            } finally {
                // A fetch that failed half way leaves nothing behind (after a move there is nothing).
                Files.deleteIfExists(temp);
            }
        } catch (IOException ex) {
            throw new UncheckedIOException("cannot fetch class path entry " + e.getName() + " from the scheduler", ex);
        } catch (RuntimeException ex) {
            throw new IllegalStateException(
                    "cannot fetch class path entry " + e.getName() + " from the scheduler: " + ex.getMessage(), ex);
        }
    }

    private static URL toUrl(Path p) {
        try {
            return p.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        }
    }
}
