package org.evomoe.examples.cli;

import java.nio.file.Path;
import org.evomoe.examples.bench.BenchCommand;
import org.evomoe.tensor.Threads;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point of {@code evomoe.jar}: one subcommand per job. */
@Command(
    name = "evomoe",
    mixinStandardHelpOptions = true,
    version = "evomoe 0.1.0-SNAPSHOT",
    description = "EvoMoE on the JVM: expert evolution and dynamic token-aware routing.",
    subcommands = {DemoCommand.class, StudyCommand.class, TrainCommand.class, EvalCommand.class, GenerateCommand.class, ScoreCommand.class, ReportCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    configureNativeCache();
    int code;
    try {
      code = commandLine().execute(args);
    } catch (Throwable t) {
      // Picocli hands failures to the handlers above; this catches what escapes them (an error
      // while printing the error, for instance).
      System.err.println("error: " + ErrorMessages.describe(t));
      code = EXIT_FAILURE;
    }
    System.exit(code);
  }

  /** Exit code of a failed command (bad input, a file problem, a refused run). */
  public static final int EXIT_FAILURE = 1;
  /** Exit code of a usage error (unknown flag, missing or malformed value). */
  public static final int EXIT_USAGE = 2;

  @Option(names = "--debug", scope = ScopeType.INHERIT,
      description = "Print the stack trace of a failure.")
  boolean debug;

  /**
   * The command line: failures print one {@code error: ...} line naming the thing and the cause
   * ({@link ErrorMessages}), usage errors the problem plus one "try --help" line; a stack trace
   * only with {@code --debug} (or {@code -Devomoe.debug}). The thread counts in force before a
   * command ({@link Threads}) are in force again after it.
   */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    // Errors (OutOfMemoryError above all) reach the handler below like exceptions do.
    // A command sets the process-wide thread count (--threads or its default); run in-process
    // (tests, programs that embed the CLI), it puts the caller's counts back when it returns.
    cl.setExecutionStrategy(parseResult -> {
      Threads.State before = Threads.state();
      try {
        return new CommandLine.RunLast().execute(parseResult);
      } catch (VirtualMachineError e) {
        throw new CommandLine.ExecutionException(parseResult.commandSpec().commandLine(),
            String.valueOf(e.getMessage()), e);
      } finally {
        Threads.restore(before);
      }
    });
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          Throwable shown = ex instanceof CommandLine.ExecutionException && ex.getCause() != null
              ? ex.getCause() : ex;
          cmd.getErr().println("error: " + ErrorMessages.describe(shown));
          if (debug(parseResult)) {
            shown.printStackTrace(cmd.getErr());
          }
          return EXIT_FAILURE;
        });
    cl.setParameterExceptionHandler(
        (ex, args) -> {
          CommandLine cmd = ex.getCommandLine();
          cmd.getErr().println("error: " + ErrorMessages.describe(ex));
          cmd.getErr().println("try '" + cmd.getCommandSpec().qualifiedName() + " --help'");
          return EXIT_USAGE;
        });
    return cl;
  }

  private static boolean debug(CommandLine.ParseResult parseResult) {
    if (System.getProperty("evomoe.debug") != null) {
      return true;
    }
    for (CommandLine.ParseResult p = parseResult; p != null; p = p.subcommand()) {
      if (p.hasMatchedOption("--debug")) {
        return true;
      }
    }
    return false;
  }

  /** Unpack JavaCPP's native libraries next to the jar unless the user chose a folder. */
  static void configureNativeCache() {
    String key = "org.bytedeco.javacpp.cachedir";
    if (System.getProperty(key) != null) {
      return;
    }
    try {
      Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      Path dir = jar.getParent() == null ? Path.of("javacpp-cache") : jar.getParent().resolve("javacpp-cache");
      System.setProperty(key, dir.toString());
    } catch (Exception e) {
      // Leave JavaCPP's default.
    }
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
