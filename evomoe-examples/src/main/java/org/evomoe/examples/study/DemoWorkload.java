package org.evomoe.examples.study;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.evomoe.examples.model.VisionLanguageModel;
import org.evomoe.examples.pipeline.DemoPipeline;
import org.evomoe.examples.pipeline.DemoSettings;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.pipeline.ModelSteps;
import org.evomoe.examples.spark.ShardWorkload;
import org.evomoe.tuning.BatchTotals;
import org.evomoe.tuning.ShardedStep;
import org.evomoe.tuning.TunableModel;

/**
 * One stage of a demo cell as a data-parallel workload: the seed's settings (as JSON), the arm
 * ({@code null}: the Stage I model) and the stage's batch order (pool and offset). An executor
 * rebuilds the seed's {@link DemoPipeline} from the settings (once per JVM; the data is embedded,
 * nothing is shipped) and takes shard s of N of each step's batch: samples [B*s/N, B*(s+1)/N) of
 * {@link DemoPipeline#batch}, so uneven when N does not divide B.
 *
 * @param settingsJson the seed's {@link DemoSettings} as JSON
 * @param arm the cell's arm, or null for Stage I
 * @param pool the stage's batch order
 * @param offset the pool step of the stage's step 0
 */
public record DemoWorkload(String settingsJson, Arm arm, DemoPipeline.Pool pool, int offset)
    implements ShardWorkload {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, DemoPipeline> PIPELINES = new ConcurrentHashMap<>();

  /** The workload of a stage of {@code pipeline}'s seed. */
  public static DemoWorkload of(DemoPipeline pipeline, Arm arm, DemoPipeline.Pool pool,
      int offset) {
    try {
      return new DemoWorkload(JSON.writeValueAsString(pipeline.settings()), arm, pool, offset);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("demo settings cannot be written as JSON", e);
    }
  }

  /** The seed's pipeline, built once per JVM. */
  DemoPipeline pipeline() {
    return PIPELINES.computeIfAbsent(settingsJson, k -> {
      try {
        return new DemoPipeline(JSON.readValue(k, DemoSettings.class));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  @Override
  public String replicaKey() {
    return "demo/" + (arm == null ? "stage1" : arm.armName()) + "/" + settingsJson;
  }

  @Override
  public TunableModel newModel() {
    DemoPipeline p = pipeline();
    return arm == null ? ArmRecipe.stage1Model(p) : ArmRecipe.model(p, arm);
  }

  @Override
  public ShardedStep steps(TunableModel model) {
    VisionLanguageModel m = (VisionLanguageModel) model;
    DemoPipeline p = pipeline();
    return new ShardedStep() {
      @Override
      public long countedTokens(int step, int micro, int shard, int shards) {
        return ModelSteps.countedTokens(p.batcher().batch(shard(p, step, shard, shards)));
      }

      @Override
      public BatchTotals totals(int step, int micro, int shard, int shards) {
        var b = p.batcher().batch(shard(p, step, shard, shards));
        ModelSteps.logits(m, b);
        return BatchTotals.of(ModelSteps.countedTokens(b), m.moeLayers());
      }

      @Override
      public double run(int step, int micro, int shard, int shards, BatchTotals global) {
        return ModelSteps.trainShard(m, p.batcher().batch(shard(p, step, shard, shards)),
            global.countedTokens());
      }
    };
  }

  private List<InstructionSample> shard(DemoPipeline p, int step, int shard, int shards) {
    List<InstructionSample> all = p.batch(pool, offset + step);
    int b = all.size();
    if (shards > b) {
      throw new IllegalArgumentException(shards + " shards for a batch of " + b + " samples:"
          + " every shard needs at least one sample");
    }
    return all.subList((int) ((long) b * shard / shards), (int) ((long) b * (shard + 1) / shards));
  }
}
