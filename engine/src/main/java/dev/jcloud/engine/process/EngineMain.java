package dev.jcloud.engine.process;

import dev.jcloud.engine.EngineVersion;
import dev.jcloud.engine.internal.join.Joiner;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * Entry point of engine processes: {@code scheduler} and {@code worker} (and {@code join}, which
 * gets a user's client certificate from a scheduler admitting holders of the join token). The
 * {@code jcloud} command offers the same roles; this class exists so that a machine needs only the
 * engine's jars to run a cluster role (the boot script and the local provider start it). Flags are
 * read by {@link ProcessFlags}, without a command-line library on the process's class path.
 */
public final class EngineMain {

    private static final String NAME = "jcloud-engine";

    private EngineMain() {}

    public static void main(String[] args) {
        ProcessLogging.configure();
        System.exit(execute(new PrintWriter(System.err, true), args));
    }

    /**
     * Runs the role {@code args[0]} names with the rest of {@code args} and returns the exit code:
     * a user's mistake prints one line {@code error: ...} to {@code err} and returns 2, a failed
     * join 1.
     */
    public static int execute(PrintWriter err, String... args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help")) {
            (args.length == 0 ? err : new PrintWriter(System.out, true))
                    .print("Usage: " + NAME + " scheduler|worker|join [OPTIONS]\n"
                            + "Run one role of the jcloud task engine; " + NAME + " ROLE --help lists its options.\n");
            err.flush();
            System.out.flush();
            return args.length == 0 ? 2 : 0;
        }
        if (args[0].equals("-V") || args[0].equals("--version")) {
            System.out.println(NAME + " " + EngineVersion.VERSION);
            return 0;
        }
        ProcessFlags.Role role = role(args[0]);
        if (role == null) {
            err.println("error: unknown role '" + args[0] + "': give scheduler, worker or join");
            err.flush();
            return 2;
        }
        return run(NAME + " " + role.name(), role, Arrays.asList(args).subList(1, args.length), err);
    }

    /** The flags of the role called {@code name}, or null for another word. */
    public static ProcessFlags.Role role(String name) {
        return switch (name) {
            case "scheduler" -> SchedulerCommand.ROLE;
            case "worker" -> WorkerCommand.ROLE;
            case "join" -> JoinCommand.ROLE;
            default -> null;
        };
    }

    /**
     * Runs {@code role} with {@code args} (after its name), {@code command} naming it in the help;
     * the exit code as for {@link #execute}.
     */
    public static int run(String command, ProcessFlags.Role role, List<String> args, PrintWriter err) {
        try {
            ProcessFlags flags = ProcessFlags.parse(role, args);
            if (flags.help()) {
                System.out.print(ProcessFlags.usage(command, role));
                System.out.flush();
                return 0;
            }
            Callable<Integer> c = switch (role.name()) {
                case "scheduler" -> SchedulerCommand.from(flags);
                case "worker" -> WorkerCommand.from(flags);
                case "join" -> JoinCommand.from(flags);
                default -> throw new IllegalStateException("no role " + role.name());
            };
            return c.call();
        } catch (Joiner.JoinFailedException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            e.printStackTrace(err);
            return 1;
        } finally {
            err.flush();
        }
    }
}
