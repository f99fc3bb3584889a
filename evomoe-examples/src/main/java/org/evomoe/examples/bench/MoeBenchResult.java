package org.evomoe.examples.bench;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One line of {@code bench moe --json}: one MoE layer shape against the dense FFN of the same
 * active width ({@code topK x dHidden}), forward and backward on {@code tokens x dModel} float
 * inputs. Times are medians in milliseconds, rounded to 0.001 like every other number here.
 *
 * @param bench always {@code moe}
 * @param tokens tokens per step
 * @param dModel model width
 * @param dHidden hidden width of one expert
 * @param experts experts of the layer
 * @param topK experts per token
 * @param threads CPU threads
 * @param dtype always {@code float32}
 * @param moeMs MoE layer forward and backward
 * @param denseMs dense FFN forward and backward
 * @param ratio {@code moeMs / denseMs}
 * @param moeCpuMs process CPU time per MoE step ({@code --interleaved} where Linux reports
 *     per-thread CPU time, else null and left out)
 * @param denseCpuMs process CPU time per dense step (same)
 * @param cpuRatio {@code moeCpuMs / denseCpuMs}, only when {@code denseCpuMs > 0} (CPU time
 *     advances in 10 ms ticks: a tiny step can read 0)
 * @param gflops MoE step GFLOP/s: {@code (18 T k d h + 6 T d E) / moeMs}
 * @param moeForwardMs MoE forward alone
 * @param denseForwardMs dense forward alone
 * @param forwardRatio {@code moeForwardMs / denseForwardMs}
 * @param tokensPerExpert tokens routed to each expert in the last forward [experts]
 * @param gemmPeakGflops ND4J float gemm GFLOP/s on {@code --peak-size} cubes
 * @param peakFraction {@code gflops / gemmPeakGflops}
 */
public record MoeBenchResult(
    String bench,
    int tokens,
    int dModel,
    int dHidden,
    int experts,
    int topK,
    int threads,
    String dtype,
    double moeMs,
    double denseMs,
    double ratio,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double moeCpuMs,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double denseCpuMs,
    @JsonInclude(JsonInclude.Include.NON_NULL) Double cpuRatio,
    double gflops,
    double moeForwardMs,
    double denseForwardMs,
    double forwardRatio,
    List<Integer> tokensPerExpert,
    double gemmPeakGflops,
    double peakFraction) {
  public MoeBenchResult {
    if (tokens < 1 || dModel < 1 || dHidden < 1 || experts < 1 || topK < 1 || topK > experts
        || threads < 1) {
      throw new IllegalArgumentException("bench moe shape out of range: tokens " + tokens
          + ", dModel " + dModel + ", dHidden " + dHidden + ", experts " + experts + ", topK "
          + topK + ", threads " + threads);
    }
    if (tokensPerExpert == null || tokensPerExpert.size() != experts) {
      throw new IllegalArgumentException("tokensPerExpert needs one count per expert (" + experts
          + "), got " + tokensPerExpert);
    }
    tokensPerExpert = List.copyOf(tokensPerExpert);
  }
}
