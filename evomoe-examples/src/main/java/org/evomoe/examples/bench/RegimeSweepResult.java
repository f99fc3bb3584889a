package org.evomoe.examples.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Objects;
import org.evomoe.examples.pipeline.DemoSettings;

/**
 * The output file of {@code evomoe bench regime --out} ({@link RegimeSweep}), described in
 * docs/regime-sweep.md. The file is rewritten after every variant: while the Stage II variants
 * run, {@code stage2} holds those done and {@code router} is absent; then {@code router} holds the
 * router variants done.
 *
 * @param config the sweep file as read
 * @param settings the demo settings it ran with (the defaults with the file's settings over them)
 * @param stages alignment (when {@code alignSteps > 0}) and Stage I, in order
 * @param stage1Average mean in-template accuracy over the tasks after Stage I (the seed alone, as
 *     Stage I trained), in [0, 1]
 * @param stage1HeldOutAverage the same for held-out wordings; NaN when not measured
 * @param stage2 the Stage II variants done, in the file's order
 * @param router the router variants done, in the file's order; null (and left out of the JSON)
 *     until they start
 */
public record RegimeSweepResult(
    RegimeSweepConfig config,
    DemoSettings settings,
    List<SweepStage> stages,
    double stage1Average,
    double stage1HeldOutAverage,
    List<Stage2VariantResult> stage2,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<RouterVariantResult> router) {
  public RegimeSweepResult {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(settings, "settings");
    stages = List.copyOf(stages);
    stage2 = List.copyOf(stage2);
    router = router == null ? null : List.copyOf(router);
  }

  /** This result with the router variants {@code router} done. */
  public RegimeSweepResult withRouter(List<RouterVariantResult> router) {
    return new RegimeSweepResult(config, settings, stages, stage1Average, stage1HeldOutAverage,
        stage2, Objects.requireNonNull(router, "router"));
  }
}
