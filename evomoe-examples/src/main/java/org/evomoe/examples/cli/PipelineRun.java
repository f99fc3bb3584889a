package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.pipeline.ResultsTable;
import org.evomoe.examples.report.ReportWriter;
import org.evomoe.examples.study.RunOptions;
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

  static StudyResults execute(StudyPlan plan, RunOptions options, String command) throws Exception {
    Path out = plan.settings().out();
    Files.createDirectories(out);
    System.out.println("output folder: " + out.toAbsolutePath());
    StudyRunner runner = new StudyRunner(plan, out, options, null, ModelCheckpoints.saver(out),
        System.err);
    StudyResults results = runner.run(command).withPeakRssMiB(MemoryStats.peakRssMiB());
    ObjectMapper om = new ObjectMapper();
    Path json = out.resolve("results.json");
    AtomicFiles.write(json, o -> om.writerWithDefaultPrettyPrinter().writeValue(o, results));
    JsonNode tree = om.valueToTree(results);
    System.out.println();
    if (!results.arms().isEmpty()) {
      System.out.println(ResultsTable.render(tree));
      System.out.println(StudyTable.render(results));
      System.out.println(ResultsTable.renderDiagnostics(tree));
    }
    System.out.println("results: " + json.toAbsolutePath());
    try {
      System.out.println("report: " + ReportWriter.write(tree, out).toAbsolutePath());
    } catch (Exception e) {
      System.err.println("warning: report not written (" + e.getMessage()
          + "); rerun with: evomoe report --results " + json);
    }
    return results;
  }
}
