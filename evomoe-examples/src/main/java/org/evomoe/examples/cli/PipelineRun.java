package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.pipeline.ResultsTable;
import org.evomoe.examples.report.ReportWriter;

/**
 * Runs the pipeline for {@code demo} and {@code train}: results.json, the results table, the
 * report, the tokenizer and one model checkpoint per trained model under {@code out/models/}.
 */
final class PipelineRun {
  private PipelineRun() {}

  static ObjectNode execute(DemoSettings s, List<String> arms, String command) throws Exception {
    Files.createDirectories(s.out());
    System.out.println("output folder: " + s.out().toAbsolutePath());
    DemoPipeline pipeline = new DemoPipeline(s);
    ModelCheckpoints.attach(pipeline, s);
    ObjectNode results = pipeline.run(arms);
    results.put("command", command);
    results.put("peakRssMiB", MemoryStats.peakRssMiB());
    ObjectMapper om = new ObjectMapper();
    Path json = s.out().resolve("results.json");
    AtomicFiles.write(json, o -> om.writerWithDefaultPrettyPrinter().writeValue(o, results));
    pipeline.tokenizer().save(s.out().resolve("tokenizer.json"));
    System.out.println();
    if (results.path("arms").size() > 0) {
      System.out.println(ResultsTable.render(results));
      System.out.println(ResultsTable.renderDiagnostics(results));
    }
    System.out.println("results: " + json.toAbsolutePath());
    try {
      System.out.println("report: " + ReportWriter.write(results, s.out()).toAbsolutePath());
    } catch (Exception e) {
      System.err.println("warning: report not written (" + e.getMessage()
          + "); rerun with: evomoe report --results " + json);
    }
    return results;
  }
}
