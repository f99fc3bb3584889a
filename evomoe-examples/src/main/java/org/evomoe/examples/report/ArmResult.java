package org.evomoe.examples.report;

import java.util.ArrayList;
import java.util.List;
import org.evomoe.examples.pipeline.PipelineDiagnostics;
import org.evomoe.examples.study.ArmSummary;

/**
 * One entry of the results' {@code arms} list, with the name the report shows.
 *
 * @param name the arm name ({@code dense}, {@code moe-llava}, {@code evomoe}), or {@code arm <i>}
 *     for an entry without one
 * @param summary the entry as bound from the file
 */
record ArmResult(String name, ArmSummary summary) {
  ArmResult {
    if (name == null || summary == null) {
      throw new IllegalArgumentException("an arm needs a name and its entry");
    }
  }

  /** The arms of the results in file order; unnamed arms are called {@code arm <i>}. */
  static List<ArmResult> all(ReportedResults results) {
    List<ArmResult> out = new ArrayList<>();
    List<ArmSummary> arms = results.arms();
    for (int i = 0; i < arms.size(); i++) {
      ArmSummary a = arms.get(i);
      out.add(new ArmResult(a.arm() == null ? "arm " + (i + 1) : a.arm(), a));
    }
    return out;
  }

  /** The entry's diagnostics, or null when it has none (a report not measured is a null field). */
  PipelineDiagnostics diagnostics() {
    return summary.diagnostics();
  }

  /** Whether the arm has any diagnostic report (the dense arm has none). */
  boolean hasDiagnostics() {
    PipelineDiagnostics d = diagnostics();
    return d != null && d.measured();
  }
}
