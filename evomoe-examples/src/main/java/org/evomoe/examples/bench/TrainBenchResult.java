package org.evomoe.examples.bench;

/**
 * One line of {@code bench train --json}: the timing of one training step of a model.
 *
 * @param bench always {@code train}
 * @param threads CPU threads of ND4J, BLAS and the Java kernels
 * @param batch sequences per step
 * @param seq positions per sequence (the image's rows first)
 * @param trainableParams trainable scalars (decoder and projector; the vision encoder is frozen)
 * @param steps timed steps
 * @param warmup untimed steps before them
 * @param medianStepMs median wall time of a whole step
 * @param minStepMs fastest step
 * @param tokensPerSecond {@code batch * seq / medianStepMs * 1000}
 * @param forwardMs median of the forward and the loss (vision encoder and projector included)
 * @param backwardMs median of the backward pass
 * @param optimizerMs median of clipping and the AdamW step (and zeroing the gradients)
 * @param ndOpsPerStep ND4J operations executed in one step, or -1 when not counted
 * @param productCallsPerStep with {@code --count-ops}: median matrix products per step, else -1
 * @param productCpuMsPerStep with {@code --count-ops}: median CPU milliseconds of the calling
 *     thread inside the products per step (the products' whole CPU time with one thread), else -1
 * @param stepCpuMs with {@code --count-ops}: median CPU milliseconds of the calling thread per
 *     step (the step's whole CPU time with one thread, the garbage collector's excepted), else -1
 */
public record TrainBenchResult(
    String bench,
    int threads,
    int batch,
    int seq,
    long trainableParams,
    int steps,
    int warmup,
    double medianStepMs,
    double minStepMs,
    double tokensPerSecond,
    double forwardMs,
    double backwardMs,
    double optimizerMs,
    long ndOpsPerStep,
    double productCallsPerStep,
    double productCpuMsPerStep,
    double stepCpuMs) {}
