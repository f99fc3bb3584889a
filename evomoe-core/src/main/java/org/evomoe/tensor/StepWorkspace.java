package org.evomoe.tensor;

import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.MemoryWorkspaceManager;
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
 * {@code detach()} or to Java values. When the loop is over, {@link #release(String)} frees the
 * workspace's memory (the stage trainer does so when it closes).
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

  /**
   * Frees the workspace with this id of the calling thread (ND4J keeps one per thread and id until
   * it is destroyed), so its memory does not outlive the loop that used it. Nothing happens when
   * this thread has no such workspace.
   *
   * @throws IllegalStateException if the workspace is open (inside its try block)
   */
  public static void release(String id) {
    MemoryWorkspaceManager manager = Nd4j.getWorkspaceManager();
    if (!manager.checkIfWorkspaceExists(id)) {
      return;
    }
    MemoryWorkspace ws = manager.getWorkspaceForCurrentThread(id);
    if (ws.isScopeActive()) {
      throw new IllegalStateException("workspace '" + id + "' is still open on this thread");
    }
    manager.destroyWorkspace(ws);
  }
}
