package org.evomoe.examples.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MoeBenchResultTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The line {@code bench moe --json} printed when it built a map, field by field. */
  private static String mapLine(MoeBenchResult r) throws Exception {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("bench", "moe");
    m.put("tokens", r.tokens());
    m.put("dModel", r.dModel());
    m.put("dHidden", r.dHidden());
    m.put("experts", r.experts());
    m.put("topK", r.topK());
    m.put("threads", r.threads());
    m.put("dtype", "float32");
    m.put("moeMs", r.moeMs());
    m.put("denseMs", r.denseMs());
    m.put("ratio", r.ratio());
    if (r.moeCpuMs() != null) {
      m.put("moeCpuMs", r.moeCpuMs());
      m.put("denseCpuMs", r.denseCpuMs());
      if (r.cpuRatio() != null) {
        m.put("cpuRatio", r.cpuRatio());
      }
    }
    m.put("gflops", r.gflops());
    m.put("moeForwardMs", r.moeForwardMs());
    m.put("denseForwardMs", r.denseForwardMs());
    m.put("forwardRatio", r.forwardRatio());
    m.put("tokensPerExpert", r.tokensPerExpert());
    m.put("gemmPeakGflops", r.gemmPeakGflops());
    m.put("peakFraction", r.peakFraction());
    return JSON.writeValueAsString(m);
  }

  private static MoeBenchResult row(Double cpu, Double cpuRatio) {
    return new MoeBenchResult("moe", 96, 64, 128, 4, 2, 2, "float32", 1.25, 0.5, 2.5, cpu,
        cpu == null ? null : 1.0, cpuRatio, 3.125, 0.75, 0.25, 3.0,
        List.of(40, 60, 50, 42), 100.5, 0.031);
  }

  @Test
  void jsonLineIsTheOneTheMapGave() throws Exception {
    for (MoeBenchResult r : List.of(row(null, null), row(2.5, null), row(2.5, 2.5))) {
      assertEquals(mapLine(r), JSON.writeValueAsString(r));
    }
    assertEquals("{\"bench\":\"moe\",\"tokens\":96,\"dModel\":64,\"dHidden\":128,\"experts\":4,"
        + "\"topK\":2,\"threads\":2,\"dtype\":\"float32\",\"moeMs\":1.25,\"denseMs\":0.5,"
        + "\"ratio\":2.5,\"gflops\":3.125,\"moeForwardMs\":0.75,\"denseForwardMs\":0.25,"
        + "\"forwardRatio\":3.0,\"tokensPerExpert\":[40,60,50,42],\"gemmPeakGflops\":100.5,"
        + "\"peakFraction\":0.031}", JSON.writeValueAsString(row(null, null)));
  }

  @Test
  void refusesShapesOutOfRange() {
    assertThrows(IllegalArgumentException.class, () -> new MoeBenchResult("moe", 96, 64, 128, 4,
        5, 2, "float32", 1, 1, 1, null, null, null, 1, 1, 1, 1,
        List.of(1, 2, 3, 4), 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new MoeBenchResult("moe", 96, 64, 128, 4,
        2, 2, "float32", 1, 1, 1, null, null, null, 1, 1, 1, 1,
        List.of(1, 2, 3), 1, 1));
  }
}
