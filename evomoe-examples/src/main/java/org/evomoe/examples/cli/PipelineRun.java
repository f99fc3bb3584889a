package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.pipeline.PipelineDiagnostics;
import org.evomoe.examples.proc.ProcStatus;
import org.evomoe.examples.pipeline.ResultsTable;
import org.evomoe.examples.report.ReportWriter;
import org.evomoe.examples.study.RunOptions;
import org.evomoe.examples.study.Scores;
import org.evomoe.examples.study.StudyPlan;
import org.evomoe.examples.study.StudyResults;
import org.evomoe.examples.study.StudyRunner;
import org.evomoe.examples.study.StudyTable;

/**
 * Runs {@code demo}, {@code train} and {@code study}: the cells of the plan ({@link StudyRunner}),
 * then results.json, the results tables, the report, the tokenizer and one model checkpoint per
 * model of the first seed under {@code out/models/}.
 */
final class PipelineRun {
  private PipelineRun() {}

  static StudyResults execute(StudyPlan plan, RunOptions options, OutputFolder.Mode mode,
      String command) throws Exception {
    Path out = plan.settings().out();
    // Before any work: an occupied, read-only or unwritable folder fails here.
    OutputFolder folder = OutputFolder.prepare(out, mode);
    System.out.println("output folder: " + out.toAbsolutePath());
    if (folder.staleTempsRemoved() > 0) {
      System.out.println("removed " + folder.staleTempsRemoved()
          + " temporary file(s) of an interrupted save");
    }
    StudyRunner runner = new StudyRunner(plan, out, options, null, ModelCheckpoints.saver(out),
        System.err);
    StudyResults results;
    ObjectMapper om = new ObjectMapper();
    Path json = out.resolve("results.json");
    try {
      results = runner.run(command).withPeakRssMiB(ProcStatus.self().peakRssMiB(Double.NaN));
      AtomicFiles.write(json, o -> om.writerWithDefaultPrettyPrinter().writeValue(o, results));
    } catch (IOException | java.io.UncheckedIOException e) {
      throw namingTheFolder(out, e);
    }
    System.out.println();
    if (!results.arms().isEmpty()) {
      Map<String, Scores> scores = new LinkedHashMap<>();
      results.arms().forEach(a -> scores.put(a.arm(), a.scores()));
      System.out.println(ResultsTable.render(scores));
      System.out.println(StudyTable.render(results));
      Map<String, PipelineDiagnostics> diagnostics = new LinkedHashMap<>();
      results.arms().forEach(a -> diagnostics.put(a.arm(), a.diagnostics()));
      System.out.println(ResultsTable.renderDiagnostics(diagnostics));
    }
    System.out.println("results: " + json.toAbsolutePath());
    try {
      System.out.println("report: " + ReportWriter.write(results, out).toAbsolutePath());
    } catch (Exception e) {
      System.err.println("warning: report not written (" + ErrorMessages.describe(e)
          + "); rerun with: evomoe report --results " + json);
    }
    // Last: the manifest marks the folder as one finished run.
    try {
      folder.finish(command, plan);
    } catch (IOException e) {
      throw namingTheFolder(out, e);
    }
    return results;
  }

  /** A write failure that does not say where (e.g. "No space left on device") names the folder. */
  private static Exception namingTheFolder(Path out, Exception e) {
    String m = ErrorMessages.describe(e);
    if (m.contains(out.toString())) {
      return e;
    }
    return new IOException("cannot write the run's files in " + out, e);
  }
}
