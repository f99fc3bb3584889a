package org.evomoe.examples.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.evomoe.examples.report.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code evomoe report}: charts and an HTML page from a demo's {@code results.json}. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Writes report.html and its PNG charts from the results.json of an 'evomoe demo'",
      "run: results table, loss curves, expert shares by modality, router-logit",
      "densities, expert similarity, router shuffle and standalone-expert tests."
    })
public final class ReportCommand implements Callable<Integer> {
  @Option(names = "--results", required = true, paramLabel = "PATH",
      description = "results.json, or the folder that holds it.")
  Path results;

  @Option(names = "--out", paramLabel = "DIR",
      description = "Output folder (default: the folder of results.json).")
  Path out;

  @Override
  public Integer call() throws Exception {
    Path json = java.nio.file.Files.isDirectory(results) ? results.resolve("results.json") : results;
    if (java.nio.file.Files.exists(json)) {
      // By kind before it is opened (a named pipe would block); a missing one is reported below.
      org.evomoe.examples.checkpoint.FileKinds.requireRegularFile(json, "--results");
      RunConsistency.checkRunFile(json, System.err);
    }
    Path report = ReportWriter.writeFrom(results, out);
    System.out.println("report: " + report.toAbsolutePath());
    return 0;
  }
}
