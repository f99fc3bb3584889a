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
    List<Scores> own = cells.stream().map(CellResult::scores).toList();
    List<Scores> base = paired ? baseline.stream().map(CellResult::scores).toList() : null;
    ScoreSummary in = scores(own, base);
    ScoreSummary held = first.scores().heldOut() == null ? null
        : scores(own.stream().map(Scores::heldOut).toList(),
            base == null ? null : base.stream().map(Scores::heldOut).toList());
    return new ArmSummary(arm.armName(), first.family(), first.evolution(), first.routing(),
        first.trainableParameters(), first.postStage1Steps(), first.postStage1Sequences(),
        in.tasks(), in.average(), in.averageStats(), in.averageVsBaseline(), in.pope(), held,
        first.diagnostics());
  }

  /** Statistics of one prompt set over seeds; {@code base}: the baseline's, or null. */
  static ScoreSummary scores(List<Scores> own, List<Scores> base) {
    Map<String, TaskSummary> tasks = new LinkedHashMap<>();
    for (String t : Scores.taskNames(own)) {
      // Seeds whose evaluation sample holds the task (all of them unless a subset is scored);
      // the baseline of a seed scores the same samples, so pairs stay aligned.
      List<Scores> with = own.stream().filter(c -> c.tasks().containsKey(t)).toList();
      ToDoubleFunction<Scores> f = c -> c.tasks().get(t).accuracy();
      Summary stats = Statistics.summarize(values(with, f));
      PairedDifference d = null;
      if (base != null) {
        List<Scores> baseWith = base.stream().filter(c -> c.tasks().containsKey(t)).toList();
        d = Statistics.paired(values(with, f), values(baseWith, f));
      }
      tasks.put(t, new TaskSummary(stats.mean(), with.get(0).tasks().get(t).total(), stats, d));
    }
    ToDoubleFunction<Scores> avg = Scores::average;
    Summary averageStats = Statistics.summarize(values(own, avg));
    return new ScoreSummary(tasks, averageStats.mean(), averageStats,
        base == null ? null : Statistics.paired(values(own, avg), values(base, avg)),
        Scores.mean(own).pope());
  }

  private static <T> double[] values(List<T> cells, ToDoubleFunction<T> f) {
    double[] v = new double[cells.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = f.applyAsDouble(cells.get(i));
    }
    return v;
  }
}
