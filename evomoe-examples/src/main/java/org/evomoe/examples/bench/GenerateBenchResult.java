package org.evomoe.examples.bench;

/**
 * The line of {@code bench generate --json}.
 *
 * @param bench always {@code generate}
 * @param threads CPU threads
 * @param dModel decoder width
 * @param layers decoder layers
 * @param batch sequences decoded together
 * @param promptLen prompt positions
 * @param newTokens tokens generated per sequence
 * @param reps timed runs of each way (the medians are reported)
 * @param warmup untimed runs of each way before them
 * @param cachedTokensPerSecond new tokens per second with the KV cache (all sequences)
 * @param recomputeTokensPerSecond new tokens per second re-encoding the whole sequence each time
 * @param speedup cached over re-encoding
 * @param sameTokens whether both ways chose the same tokens in every run
 * @param productCallsPerStep with {@code --count-ops}: median matrix products per cached decoding
 *     step after the prompt (one new token per sequence), else -1
 * @param productCpuMsPerStep with {@code --count-ops}: median CPU milliseconds of the calling
 *     thread inside the products per such step (their whole CPU time with one thread), else -1
 * @param stepCpuMs with {@code --count-ops}: median CPU milliseconds of the calling thread per
 *     such step (the step's whole CPU time with one thread), else -1
 */
public record GenerateBenchResult(
    String bench,
    int threads,
    int dModel,
    int layers,
    int batch,
    int promptLen,
    int newTokens,
    int reps,
    int warmup,
    double cachedTokensPerSecond,
    double recomputeTokensPerSecond,
    double speedup,
    boolean sameTokens,
    double productCallsPerStep,
    double productCpuMsPerStep,
    double stepCpuMs) {}
