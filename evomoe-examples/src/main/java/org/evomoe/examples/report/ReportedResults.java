package org.evomoe.examples.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.study.ArmSummary;
import org.evomoe.examples.study.DataInfo;
import org.evomoe.examples.study.Scores;
import org.evomoe.examples.study.SeedResult;
import org.evomoe.examples.study.StageRecord;
import org.evomoe.examples.study.StudyResults;

/**
 * A {@code results.json} as the report reads it, bound by Jackson ({@link ResultsFile}): version 2,
 * the Jackson form of {@link StudyResults}, and version 1, the single-seed demo's file. Every entry
 * binds to the records the pipeline writes ({@link Scores}, {@link ArmSummary}, {@link
 * StageRecord}, {@link SeedResult}, {@link DataInfo}); only the top level differs between the
 * versions: version 1 has the seed at the top level, its own settings fields and no {@code seeds},
 * {@code baseline} or {@code perSeed}. Fields the report does not show ({@code version}, {@code
 * kind}, and in version 1 {@code quick}) are ignored, as is any unknown field.
 *
 * @param command the command line of the run, or null
 * @param seed version 1: the run's seed; null in version 2 (its seeds are {@code seeds} and the
 *     settings' {@code seed})
 * @param seeds version 2: the seeds in order; empty in version 1
 * @param baseline version 2: the arm of the paired differences, or null
 * @param settings the settings exactly as written, in file order (their fields differ between
 *     versions, and the report shows every one); empty when absent
 * @param data the data sizes, or null when absent
 * @param stage1 the Stage I scores, or null when absent
 * @param arms the arms in file order (empty when absent); version 1 entries fill only {@code arm},
 *     {@code tasks}, {@code pope}, {@code average} and {@code diagnostics}
 * @param stages the training stages in file order (empty when absent)
 * @param perSeed version 2: every seed's results; null in version 1, which has no study section
 * @param seconds wall time of the run, NaN when absent
 * @param peakRssMiB peak resident memory of the run, NaN when absent
 */
record ReportedResults(
    String command,
    Long seed,
    List<Long> seeds,
    String baseline,
    Map<String, Object> settings,
    DataInfo data,
    Scores stage1,
    List<ArmSummary> arms,
    List<StageRecord> stages,
    List<SeedResult> perSeed,
    Double seconds,
    Double peakRssMiB) {
  ReportedResults {
    seeds = seeds == null ? List.of() : List.copyOf(seeds);
    // Settings values may be null (dataDir), so an ordered copy rather than Map.copyOf.
    settings = Collections.unmodifiableMap(
        settings == null ? new LinkedHashMap<>() : new LinkedHashMap<>(settings));
    arms = entries("arms", arms);
    stages = entries("stages", stages);
    perSeed = perSeed == null ? null : entries("perSeed", perSeed);
    seconds = seconds == null ? Double.NaN : seconds;
    peakRssMiB = peakRssMiB == null ? Double.NaN : peakRssMiB;
  }

  /** The results a run has just written, as the report reads them back from the file. */
  static ReportedResults of(StudyResults r) {
    return new ReportedResults(r.command(), null, r.seeds(), r.baseline(),
        ResultsFile.fields(r.settings()), r.data(), r.stage1(), r.arms(), r.stages(),
        r.perSeed(), r.seconds(), r.peakRssMiB());
  }

  private static <T> List<T> entries(String field, List<T> l) {
    if (l == null) {
      return List.of();
    }
    for (int i = 0; i < l.size(); i++) {
      if (l.get(i) == null) {
        throw new IllegalArgumentException(field + "[" + i + "] is null");
      }
    }
    return List.copyOf(l);
  }
}
