package org.evomoe.examples.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.checkpoint.AtomicFiles;
import org.evomoe.examples.study.StudyResults;

/**
 * Writes the demo report: PNG charts and {@code report.html} from a {@code results.json} bound to
 * its records ({@link ReportedResults}).
 *
 * <p>The page shows the run header, the arms over seeds (means with confidence intervals as
 * error bars, paired differences to the baseline), the results table, the loss curves, the per-modality expert
 * shares (paper Fig. 5), the router-logit densities of image vs text tokens (Fig. 1b), the routing
 * entropy, the expert similarity heat maps and the router shuffle and standalone-expert tests.
 * Sections whose data is missing or undefined are skipped with a note on the page; NaN values
 * (written by Jackson as the string {@code "NaN"}) are never drawn. Every string from the JSON is
 * HTML-escaped, and chart file names are derived from arm names reduced to {@code [a-z0-9.-]}.
 *
 * <p>Rendering is headless: unless the JVM was started with {@code java.awt.headless} set, this
 * class sets it to {@code true} before the first chart is drawn.
 */
public final class ReportWriter {
  /** The name of the HTML page in the output folder. */
  public static final String REPORT_FILE = "report.html";

  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private ReportWriter() {}

  /**
   * Writes {@code report.html} and its PNG files for the results a run has just produced into
   * {@code outDir} (created if needed; files of the same names are replaced). The page is the one
   * {@link #writeFrom} gives for the results.json written from {@code results}.
   *
   * @param results the run's results
   * @param outDir the folder for the report
   * @return the path of {@code report.html}
   * @throws IOException when a file cannot be written
   */
  public static Path write(StudyResults results, Path outDir) throws IOException {
    if (results == null) {
      throw new IllegalArgumentException("no results to report");
    }
    return write(ReportedResults.of(results), outDir);
  }

  /**
   * Writes {@code report.html} and its PNG files into {@code outDir} (created if needed; files of
   * the same names are replaced).
   *
   * @param results results.json as bound from the file
   * @param outDir the folder for the report
   * @return the path of {@code report.html}
   * @throws IllegalArgumentException when {@code outDir} is not a folder, or an arm's diagnostics
   *     do not bind to their records
   * @throws IOException when a file cannot be written
   */
  static Path write(ReportedResults results, Path outDir) throws IOException {
    if (Files.exists(outDir) && !Files.isDirectory(outDir)) {
      throw new IllegalArgumentException("report output " + outDir + " is not a folder");
    }
    Files.createDirectories(outDir);
    ChartFiles files = new ChartFiles(outDir);
    List<ArmResult> arms = ArmResult.all(results);
    List<ReportSection> sections = new ArrayList<>();
    if (results.perSeed() != null) { // files of the multi-seed design (results.json version 2)
      sections.add(StudySection.build(results, files));
    }
    sections.add(ResultsSection.build(results));
    sections.add(LossSection.build(results, files));
    sections.add(ModalityShareSection.build(arms, files));
    sections.add(RouterLogitSection.build(arms, files));
    sections.add(RoutingEntropySection.build(arms));
    sections.add(SimilaritySection.build(arms, files));
    sections.add(InterventionSection.build(arms, files));
    Path report = outDir.resolve(REPORT_FILE);
    AtomicFiles.writeBytes(report, ReportPage.render(results, sections).getBytes(StandardCharsets.UTF_8));
    return report;
  }

  /**
   * Reads {@code results.json} (a file, or a folder holding {@code results.json}; version 1 or 2,
   * docs/results-schema.md) and writes the report into {@code outDir}, or next to the results file
   * when {@code outDir} is null.
   *
   * @return the path of {@code report.html}
   * @throws IllegalArgumentException naming the path when it does not exist, is not valid JSON or
   *     does not match the results schema
   */
  public static Path writeFrom(Path resultsPath, Path outDir) throws IOException {
    Path json = ResultsFile.locate(resultsPath);
    ReportedResults results = ResultsFile.read(json);
    Path dir = outDir != null ? outDir : json.toAbsolutePath().getParent();
    return write(results, dir);
  }
}
