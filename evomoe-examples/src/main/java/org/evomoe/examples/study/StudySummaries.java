package org.evomoe.examples.study;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** Builds {@link StudyResults} from the cells: statistics over seeds and paired differences. */
final class StudySummaries {
  private StudySummaries() {}

  static StudyResults build(StudyPlan plan, String command, DataInfo data, List<Stage1Result> stage1,
      List<SeedResult> perSeed, double seconds) {
    boolean hasBaseline = plan.arms().contains(Arm.BASELINE);
    List<ArmSummary> arms = new ArrayList<>();
    for (int a = 0; a < plan.arms().size(); a++) {
      arms.add(summarize(plan.arms().get(a), column(perSeed, a),
          hasBaseline ? column(perSeed, plan.arms().indexOf(Arm.BASELINE)) : null));
    }
    List<StageRecord> stages = new ArrayList<>(stage1.get(0).stages());
    if (!perSeed.isEmpty()) {
      for (CellResult c : perSeed.get(0).arms()) {
        stages.addAll(c.stages());
      }
    }
    Scores stage1Mean = Scores.mean(stage1.stream().map(Stage1Result::scores).toList());
    return new StudyResults(StudyResults.VERSION, plan.kind(), command,
        plan.settings().seedList(), hasBaseline ? Arm.BASELINE.armName() : null,
        plan.settings(), data, stage1Mean, arms, stages, perSeed, seconds, Double.NaN);
  }

  /** The cells of arm {@code a} over seeds, in seed order. */
  private static List<CellResult> column(List<SeedResult> perSeed, int a) {
    return perSeed.stream().map(s -> s.arms().get(a)).toList();
  }

  /**
   * One arm's summary; {@code baseline} is the baseline arm's cells for the same seeds, or null.
   *
   * @throws IllegalStateException when the arm's seeds disagree on its routing (a bug)
   */
  static ArmSummary summarize(Arm arm, List<CellResult> cells, List<CellResult> baseline) {
    CellResult first = cells.get(0);
    for (CellResult c : cells) {
      if (!c.routing().equals(first.routing())) {
        throw new IllegalStateException("arm " + arm.armName() + " routes differently in seeds "
            + first.seed() + " and " + c.seed() + ": " + first.routing() + " vs " + c.routing());
      }
    }
    boolean paired = baseline != null && arm != Arm.BASELINE;
    Map<String, TaskSummary> tasks = new LinkedHashMap<>();
    for (String t : Scores.taskNames(cells.stream().map(CellResult::scores).toList())) {
      // Seeds whose evaluation sample holds the task (all of them unless a subset is scored);
      // the baseline of a seed scores the same samples, so pairs stay aligned.
      List<CellResult> with = cells.stream().filter(c -> c.scores().tasks().containsKey(t)).toList();
      List<CellResult> baseWith = !paired ? null
          : baseline.stream().filter(c -> c.scores().tasks().containsKey(t)).toList();
      ToDoubleFunction<CellResult> f = c -> c.scores().tasks().get(t).accuracy();
      Summary stats = Statistics.summarize(values(with, f));
      tasks.put(t, new TaskSummary(stats.mean(), with.get(0).scores().tasks().get(t).total(), stats,
          paired ? Statistics.paired(values(with, f), values(baseWith, f)) : null));
    }
    ToDoubleFunction<CellResult> avg = c -> c.scores().average();
    Summary averageStats = Statistics.summarize(values(cells, avg));
    Map<String, PopeMetrics> pope = Scores.mean(cells.stream().map(CellResult::scores).toList()).pope();
    return new ArmSummary(arm.armName(), first.family(), first.evolution(), first.routing(),
        first.trainableParameters(), first.postStage1Steps(), first.postStage1Sequences(), tasks,
        averageStats.mean(), averageStats,
        paired ? Statistics.paired(values(cells, avg), values(baseline, avg)) : null, pope,
        first.diagnostics());
  }

  private static double[] values(List<CellResult> cells, ToDoubleFunction<CellResult> f) {
    double[] v = new double[cells.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = f.applyAsDouble(cells.get(i));
    }
    return v;
  }
}
