package org.evomoe.examples.cli;

import java.nio.file.Path;
import org.evomoe.examples.bench.BenchCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

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
    int code = commandLine().execute(args);
    System.exit(code);
  }

  /** The command line with one-line error messages for bad flags and failures. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          cmd.getErr().println("error: " + ex.getMessage());
          if (System.getProperty("evomoe.debug") != null) {
            ex.printStackTrace(cmd.getErr());
          }
          return 1;
        });
    return cl;
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
