package org.evomoe.examples.spark;

import java.util.Locale;

/**
 * Where the time of the data-parallel micro-batches went, and the bytes they moved: the state
 * captured and broadcast to the executors, and the shards' results (loss and gradient, 8 bytes a
 * scalar) returned for the sum. Thread-safe.
 */
public final class StepCost {
  private long microBatches;
  private long captureNanos;
  private long totalsNanos;
  private long gradientNanos;
  private long applyNanos;
  private long broadcastBytes;
  private long resultBytes;

  synchronized void record(long capture, long totals, long gradient, long apply, long broadcast,
      long results) {
    microBatches++;
    captureNanos += capture;
    totalsNanos += totals;
    gradientNanos += gradient;
    applyNanos += apply;
    broadcastBytes += broadcast;
    resultBytes += results;
  }

  public synchronized long microBatches() {
    return microBatches;
  }

  /** Parameter bytes broadcast per micro-batch (each executor fetches them once). */
  public synchronized double broadcastBytesPerMicroBatch() {
    return microBatches == 0 ? 0 : (double) broadcastBytes / microBatches;
  }

  /** Bytes of shard results (loss and gradient) per micro-batch, summed over shards. */
  public synchronized double resultBytesPerMicroBatch() {
    return microBatches == 0 ? 0 : (double) resultBytes / microBatches;
  }

  /**
   * Mean seconds per micro-batch of: capturing the state; broadcasting it and pass 1 (when some
   * MoE layer routes); pass 2 with the sum; the gradient write-back.
   */
  public synchronized double[] secondsPerMicroBatch() {
    double n = Math.max(1, microBatches);
    return new double[] {captureNanos / 1e9 / n, totalsNanos / 1e9 / n, gradientNanos / 1e9 / n,
        applyNanos / 1e9 / n};
  }

  @Override
  public synchronized String toString() {
    double[] s = secondsPerMicroBatch();
    return String.format(Locale.ROOT, "%d micro-batches; per micro-batch: capture %.4f s, broadcast"
        + " and totals pass %.4f s, gradient pass %.4f s, write-back %.4f s; broadcast %.0f bytes,"
        + " results"
        + " %.0f bytes", microBatches, s[0], s[1], s[2], s[3], broadcastBytesPerMicroBatch(),
        resultBytesPerMicroBatch());
  }
}
