package org.evomoe.tensor;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A per-step ND4J workspace: every array a training step allocates (activations, caches,
 * temporaries) lives in one block that is reused by the next step, so off-heap memory stays flat
 * without waiting for the garbage collector. Parameters, gradients and optimiser state are
 * allocated outside workspaces and survive.
 *
 * <pre>{@code
 * for (...) {
 *   try (MemoryWorkspace ws = StepWorkspace.open("train")) {
 *     y = layer.forward(x); layer.backward(dy);   // arrays die with the step
 *   }
 *   optimizer.step();
 * }
 * }</pre>
 *
 * Arrays created inside must not be used after the workspace closes; copy results out with
 * {@code detach()} or to Java values.
 */
public final class StepWorkspace {
  private static final WorkspaceConfiguration CONFIG =
      WorkspaceConfiguration.builder()
          .initialSize(0)
          .policyAllocation(AllocationPolicy.OVERALLOCATE)
          .overallocationLimit(0.25)
          .policyLearning(LearningPolicy.FIRST_LOOP)
          .policySpill(SpillPolicy.REALLOCATE)
          .build();

  private StepWorkspace() {}

  /** Opens (or re-enters, reusing its memory) the workspace with this id on this thread. */
  public static MemoryWorkspace open(String id) {
    return Nd4j.getWorkspaceManager().getAndActivateWorkspace(CONFIG, id);
  }
}
