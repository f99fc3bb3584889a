package org.evomoe.examples.study;

import java.util.List;
import org.evomoe.examples.pipeline.DemoSettings;

/**
 * The content of {@code results.json} written by {@code demo}, {@code train} and {@code study}
 * (schema: docs/results-schema.md).
 *
 * @param version schema version (2)
 * @param kind "demo", "train" or "study"
 * @param command the command line that produced the file
 * @param seeds the seeds, in order
 * @param baseline the arm of the paired differences ("moe-llava"), or null when it did not run
 * @param settings the settings of every seed (their {@code seed} is the first seed)
 * @param data data sizes
 * @param stage1 the Stage I models' scores, means over seeds
 * @param arms per arm: statistics over seeds and paired differences
 * @param stages the first seed's training curves (shared stages, then every arm's)
 * @param perSeed every seed's Stage I and cells
 * @param seconds wall time of the run in this process
 * @param peakRssMiB peak resident memory of the process, or NaN when unknown
 */
public record StudyResults(
    int version,
    String kind,
    String command,
    List<Long> seeds,
    String baseline,
    DemoSettings settings,
    DataInfo data,
    Scores stage1,
    List<ArmSummary> arms,
    List<StageRecord> stages,
    List<SeedResult> perSeed,
    double seconds,
    double peakRssMiB) {
  /** The current schema version. */
  public static final int VERSION = 2;

  /** The same results with the process's peak resident memory. */
  public StudyResults withPeakRssMiB(double mib) {
    return new StudyResults(version, kind, command, seeds, baseline, settings, data, stage1, arms,
        stages, perSeed, seconds, mib);
  }
}
