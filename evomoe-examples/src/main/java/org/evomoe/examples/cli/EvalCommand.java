package org.evomoe.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.evomoe.examples.checkpoint.LoadedModel;
import org.evomoe.examples.data.FashionMnist;
import org.evomoe.examples.data.instruct.InstructionConfig;
import org.evomoe.examples.data.instruct.InstructionDataGenerator;
import org.evomoe.examples.data.instruct.InstructionDataset;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.pipeline.EvalResult;
import org.evomoe.examples.pipeline.Evaluator;
import org.evomoe.examples.pipeline.InstructionBatcher;
import org.evomoe.examples.pipeline.ResultsTable;
import org.evomoe.examples.study.Scores;
import org.nd4j.linalg.api.buffer.DataType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code evomoe eval}: scores a checkpoint on the instruction test split. */
@Command(
    name = "eval",
    mixinStandardHelpOptions = true,
    description = "Score a model checkpoint on the test split: per-task accuracy and POPE metrics,"
        + " in-template and with held-out prompt wordings.")
public final class EvalCommand implements Callable<Integer> {
  @Mixin CheckpointOptions ckpt;

  @Option(names = "--data", description = "Fashion-MNIST folder (default: the embedded subset).")
  Path data;

  @Option(names = "--data-seed", description = "Seed of the instruction data (default: ${DEFAULT-VALUE}).")
  long dataSeed = 1;

  @Option(names = "--json", description = "Print the scores as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    LoadedModel lm = ckpt.load();
    InstructionDataset generated =
        InstructionDataGenerator.generate(FashionMnist.load(data), InstructionConfig.defaults(dataSeed));
    List<InstructionSample> test = generated.test();
    List<InstructionSample> both = new java.util.ArrayList<>(test);
    both.addAll(generated.testHeldOut());
    int p = lm.model().vision().tokensPerImage();
    InstructionBatcher batcher = new InstructionBatcher(lm.tokenizer(), p,
        InstructionBatcher.requiredLength(lm.tokenizer(), p, both), DataType.FLOAT);
    EvalResult r = new Evaluator(batcher, lm.tokenizer(), 64)
        .evaluate(lm.model(), test, generated.testHeldOut());
    EvalScores scores = new EvalScores(ckpt.checkpoint.getFileName().toString(), Scores.of(r));
    System.out.println(json ? new ObjectMapper().writeValueAsString(scores)
        : ResultsTable.render(Map.of(scores.arm(), scores.scores())));
    return 0;
  }
}
