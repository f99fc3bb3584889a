package org.evomoe.examples.study;

import java.util.List;
import org.evomoe.examples.pipeline.DemoSettings;

/**
 * What a run trains: the settings (seeds included) and the arms. A resumed run must have the same
 * plan as the run it continues (the output folder is not part of the comparison).
 *
 * @param kind "demo", "train" or "study"
 * @param settings model, steps, data and seeds
 * @param arms the arms, in report order, at least one unless only Stage I is wanted (empty)
 */
public record StudyPlan(String kind, DemoSettings settings, List<Arm> arms) {
  public StudyPlan {
    if (kind == null || settings == null || arms == null) {
      throw new IllegalArgumentException("a study plan needs a kind, settings and arms");
    }
    arms = List.copyOf(arms);
    if (arms.stream().distinct().count() != arms.size()) {
      throw new IllegalArgumentException("arms listed twice: " + arms);
    }
  }

  /** The plan as saved for the resume check: without the output folder. */
  StudyPlan withoutOut() {
    return new StudyPlan(kind, settings.withOut(null), arms);
  }
}
