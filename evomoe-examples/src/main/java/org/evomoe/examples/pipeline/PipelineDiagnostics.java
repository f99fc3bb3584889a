package org.evomoe.examples.pipeline;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.stream.Stream;
import org.evomoe.diagnostics.ExpertOutputSimilarity;
import org.evomoe.diagnostics.ExpertSimilarity;
import org.evomoe.diagnostics.ModalitySeparation;
import org.evomoe.diagnostics.ModalityShares;
import org.evomoe.diagnostics.RouterLogitStats;
import org.evomoe.diagnostics.RoutingEntropy;
import org.evomoe.diagnostics.RouterShuffle;
import org.evomoe.diagnostics.StandaloneExperts;

/**
 * The routing diagnostics of one MoE model on the diagnostic samples ({@link
 * DemoPipeline#diagnostics}): the core reports themselves, bound by Jackson. In {@code
 * results.json} and the cell files this is the {@code diagnostics} object, one field per report
 * (docs/results-schema.md); a report that was not measured is null and left out of the JSON, so an
 * arm without diagnostics (the dense arm, the MoE arms of seeds after the first) writes {@code {}}.
 *
 * @param modalityShares share of each modality's assignments per expert and layer
 * @param routerLogits router logit statistics of image and text tokens, with their separation
 * @param routing token and load entropy per layer, dead experts
 * @param shuffle the task average with plain and with shuffled router logits
 * @param standalone the task average with every layer forced to one expert, per expert
 * @param similarity cosine of the experts' flattened weights per layer
 * @param separation image/text total variation of hard top-1 and of soft assignments (real tokens)
 * @param expertOutputs per-token cosine of the experts' outputs on the same real tokens
 * @param separationAtRouterInit {@code separation} of the same model with its routers reset to
 *     their initial weights (models with a DTR only; null otherwise)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PipelineDiagnostics(
    ModalityShares modalityShares,
    RouterLogitStats routerLogits,
    RoutingEntropy routing,
    RouterShuffle shuffle,
    StandaloneExperts standalone,
    ExpertSimilarity similarity,
    ModalitySeparation separation,
    ExpertOutputSimilarity expertOutputs,
    ModalitySeparation separationAtRouterInit) {

  /** No diagnostics measured (written as {@code {}}). */
  public static final PipelineDiagnostics NONE =
      new PipelineDiagnostics(null, null, null, null, null, null, null, null, null);

  /** Whether any report was measured (false for {@link #NONE}). */
  public boolean measured() {
    return Stream.of(modalityShares, routerLogits, routing, shuffle, standalone, similarity,
        separation, expertOutputs, separationAtRouterInit).anyMatch(r -> r != null);
  }
}
