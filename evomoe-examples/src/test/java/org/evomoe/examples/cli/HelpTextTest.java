package org.evomoe.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every command's {@code --help} renders cleanly: no picocli formatting warning (an unescaped
 * {@code %} in a description makes picocli print the raw text), and no line wider than 80
 * columns.
 */
class HelpTextTest {
  @Test
  void everyCommandsHelpRendersWithinEightyColumnsAndWithoutWarnings() {
    List<String> paths = new ArrayList<>();
    collect(Main.commandLine(), "", paths);
    assertTrue(paths.size() >= 10, "expected every command and bench subcommand, got " + paths);
    for (String path : paths) {
      String[] args = (path.isEmpty() ? "--help" : path + " --help").trim().split(" ");
      CliRun run = CliRun.of(args);
      assertEquals(0, run.code(), path + " --help exit code; stderr: " + run.err());
      assertEquals("", run.err().strip(), path + " --help printed to stderr");
      for (String line : run.out().split("\n")) {
        assertTrue(line.length() <= 80,
            path + " --help has a line of " + line.length() + " columns: " + line);
      }
    }
  }

  @Test
  void descriptionLinesAreWrittenWithinEightyColumns() {
    // Picocli prints each element of a multi-line description on its own line and wraps a longer
    // one, leaving a stub line mid-sentence; a one-element description is wrapped as a paragraph.
    List<CommandLine> all = new ArrayList<>();
    collectCommands(Main.commandLine(), all);
    List<String> wide = new ArrayList<>();
    for (CommandLine cl : all) {
      String[] lines = cl.getCommandSpec().usageMessage().description();
      for (String line : lines.length > 1 ? lines : new String[0]) {
        if (line.length() > 80) {
          wide.add(cl.getCommandSpec().qualifiedName() + " (" + line.length() + "): " + line);
        }
      }
    }
    assertTrue(wide.isEmpty(), "description lines wider than 80 columns:\n" + String.join("\n", wide));
  }

  private static void collectCommands(CommandLine cl, List<CommandLine> out) {
    out.add(cl);
    cl.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        collectCommands(sub, out);
      }
    });
  }

  private static void collect(CommandLine cl, String prefix, List<String> out) {
    out.add(prefix);
    cl.getSubcommands().forEach((name, sub) -> {
      if (!name.equals("help")) {
        collect(sub, (prefix + " " + name).trim(), out);
      }
    });
  }
}
