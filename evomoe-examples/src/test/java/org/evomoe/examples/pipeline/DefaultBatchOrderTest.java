package org.evomoe.examples.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.junit.jupiter.api.Test;

/**
 * The default settings' batches, as indices into the training split, against recorded
 * fingerprints: a change of the default data, of its order, of the task mixes or of the batch
 * order changes them, and with it every published result.
 */
class DefaultBatchOrderTest {
  @Test
  void everyTaskGivesTheBatchesOfBeforeTheMixes() throws Exception {
    DemoSettings every = DemoSettings.defaults(true).withTasks(TaskMix.all(), TaskMix.all());
    assertEquals(RECORDED_QUICK, fingerprint(new DemoPipeline(every)));
  }

  @Test
  void defaultBatchesAreTheRecordedOnes() throws Exception {
    assertEquals(RECORDED_SPLIT, fingerprint(new DemoPipeline(DemoSettings.defaults(true))));
  }

  /**
   * The quick defaults with Stage I on {@link DemoSettings#defaultStage1Tasks()}: captions as
   * before, Stage I and the arms drawn from their mixes.
   */
  static final String RECORDED_SPLIT = "CAPTIONS0:14923,19636,2463,8864,16421,6070,10875,6115,2073,1"
      + " STAGE10:15662,4017,4598,4441,3331,14239,529,13115,3721,17972"
      + " ARMS0:1367,9615,19468,14937,11577,2245,10924,7756,11084,8838"
      + " fe43dae12562b6a027d92f86923b5b9b9f1099359037ebece0718adb99e5d70d";

  /** Measured at commit 9027070 (before the task mixes) with this test's fingerprint. */
  static final String RECORDED_QUICK = "CAPTIONS0:14923,19636,2463,8864,16421,6070,10875,6115,2073,1"
      + " STAGE10:8164,11331,15863,7114,3431,4918,13939,69,17801,17022"
      + " ARMS0:1367,9615,19468,14937,11577,2245,10924,7756,11084,8838"
      + " 2247afd6733448622a2486ba398a104b626741dc7c141f0a1478a789621509b9";

  /** SHA-256 of the training-split indices of 50 batches of each pool, with the first batch's. */
  static String fingerprint(DemoPipeline p) throws Exception {
    Map<InstructionSample, Integer> index = new IdentityHashMap<>();
    List<InstructionSample> train = p.data().train();
    for (int i = 0; i < train.size(); i++) {
      index.put(train.get(i), i);
    }
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    StringBuilder first = new StringBuilder();
    for (DemoPipeline.Pool pool : DemoPipeline.Pool.values()) {
      for (int step = 0; step < 50; step++) {
        StringBuilder sb = new StringBuilder(pool.name()).append(step).append(':');
        for (InstructionSample s : p.batch(pool, step)) {
          sb.append(index.get(s)).append(',');
        }
        sha.update(sb.toString().getBytes(StandardCharsets.UTF_8));
        if (step == 0) {
          first.append(sb, 0, Math.min(sb.length(), 60)).append(' ');
        }
      }
    }
    return first + java.util.HexFormat.of().formatHex(sha.digest());
  }
}
