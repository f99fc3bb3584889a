package org.evomoe.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.evomoe.optim.AdamWParameterState;
import org.evomoe.tensor.Parameter;
import org.evomoe.tuning.TrainerState;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Training checkpoints: a folder per checkpoint under a root, never overwritten.
 *
 * <pre>
 * root/
 *   latest                  name of the newest complete checkpoint (replaced atomically)
 *   step-000120/
 *     model.safetensors     every parameter by name, F32
 *     optimizer.safetensors {name}.exp_avg and {name}.exp_avg_sq, F32
 *     trainer.json          stage, next step, per-parameter optimiser steps, evolution state
 *                           (rule, steps, sampler state, last betas), loss/lr/grad-norm curves
 *     config.json           the model configuration, when given
 * </pre>
 *
 * A checkpoint is written into {@code root/.tmp-<name>}, every file flushed and fsynced, then the
 * folder is renamed to its final name and {@code latest} replaced; a failure at any point leaves
 * the previous checkpoints and {@code latest} untouched. Resuming from float32 training is
 * bit-identical (values are stored exactly as F32).
 */
public final class TrainingCheckpoint {
  /** Value of trainer.json's "format" field. */
  public static final String FORMAT = "evomoe-trainer/1";

  private static final ObjectMapper JSON = new ObjectMapper();
  /** Reads trainer.json (a missing or null {@code nextStep} fails instead of reading as 0). */
  private static final ObjectReader TRAINER_READER = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .readerFor(TrainerFile.class);

  /** Test seam: runs after the files are written and before the folder is committed. */
  static Runnable beforeCommit = () -> {};

  private TrainingCheckpoint() {}

  /**
   * Saves a checkpoint named {@code name} under {@code root} and points {@code root/latest} at it.
   *
   * @param configJson the model configuration as JSON, or null
   * @return the checkpoint folder
   * @throws FileAlreadyExistsException if a checkpoint of that name exists
   */
  public static Path save(Path root, String name, List<Parameter> parameters, TrainerState state,
      JsonNode configJson) throws IOException {
    if (name == null || !name.matches("[A-Za-z0-9._-]+") || name.startsWith(".")) {
      throw new IllegalArgumentException("checkpoint name must match [A-Za-z0-9._-]+, got " + name);
    }
    Files.createDirectories(root);
    Path target = root.resolve(name);
    if (Files.exists(target)) {
      throw new FileAlreadyExistsException(target.toString(), null,
          "checkpoints are never overwritten");
    }
    Path tmp = root.resolve(".tmp-" + name);
    deleteRecursively(tmp);
    Files.createDirectory(tmp);
    try {
      ModelWeights.save(tmp.resolve("model.safetensors"), parameters, Map.of("evomoe", "model"));
      Map<String, INDArray> moments = new LinkedHashMap<>();
      for (Map.Entry<String, AdamWParameterState> e : state.optimizer().entrySet()) {
        moments.put(e.getKey() + ".exp_avg", e.getValue().m());
        moments.put(e.getKey() + ".exp_avg_sq", e.getValue().v());
      }
      Safetensors.writeArrays(tmp.resolve("optimizer.safetensors"), moments,
          Map.of("evomoe", "optimizer"), Dtype.F32);
      byte[] trainer = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(TrainerFile.of(state));
      AtomicFiles.writeBytes(tmp.resolve("trainer.json"), trainer);
      if (configJson != null) {
        AtomicFiles.writeBytes(tmp.resolve("config.json"),
            JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(configJson));
      }
      beforeCommit.run();
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException | RuntimeException | Error e) {
      try {
        deleteRecursively(tmp);
      } catch (IOException cleanup) {
        e.addSuppressed(cleanup);
      }
      throw e;
    }
    AtomicFiles.writeBytes(root.resolve("latest"), (name + "\n").getBytes(StandardCharsets.UTF_8));
    return target;
  }

  /** The folder {@code root/latest} names, if any. */
  public static Optional<Path> latest(Path root) throws IOException {
    Path pointer = root.resolve("latest");
    if (!Files.isRegularFile(pointer)) {
      return Optional.empty();
    }
    String name = Files.readString(pointer, StandardCharsets.UTF_8).trim();
    Path dir = root.resolve(name);
    if (!name.matches("[A-Za-z0-9._-]+") || !Files.isDirectory(dir)) {
      throw new CheckpointFormatException(CheckpointFormatException.Reason.MALFORMED_HEADER,
          pointer, null, 0, "names a missing checkpoint folder '" + name + "'");
    }
    return Optional.of(dir);
  }

  /**
   * Loads a checkpoint folder: copies the weights into {@code parameters} (names and shapes must
   * match exactly) and returns the trainer state to pass to {@code StageTrainer.restoreState}.
   */
  public static TrainerState load(Path dir, List<Parameter> parameters, LoadOptions options)
      throws IOException {
    Path trainerFile = dir.resolve("trainer.json");
    TrainerState state = fromFile(trainerFile, readTrainerFile(trainerFile),
        dir.resolve("optimizer.safetensors"), options);
    ModelWeights.load(dir.resolve("model.safetensors"), parameters, options);
    return state;
  }

  /** Reads and binds {@code trainer.json}: malformed JSON and invalid content are named apart. */
  static TrainerFile readTrainerFile(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new java.nio.file.NoSuchFileException(file.toString());
    }
    long size = Files.size(file);
    if (size > 256L << 20) {
      throw new CheckpointFormatException(CheckpointFormatException.Reason.HEADER_LENGTH, file,
          null, 0, "JSON file of " + size + " bytes is too large");
    }
    try {
      return TRAINER_READER.readValue(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JsonParseException e) {
      throw new CheckpointFormatException(CheckpointFormatException.Reason.MALFORMED_HEADER, file,
          null, e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getByteOffset()),
          "malformed JSON: " + e.getOriginalMessage());
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      String why = e.getCause() instanceof IllegalArgumentException iae ? iae.getMessage()
          : e.getOriginalMessage().lines().findFirst().orElse("");
      if (e instanceof com.fasterxml.jackson.databind.JsonMappingException m
          && !m.getPath().isEmpty()) {
        why += " (field " + m.getPath().stream()
            .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
            .collect(java.util.stream.Collectors.joining(".")) + ")";
      }
      throw new CheckpointFormatException(CheckpointFormatException.Reason.MALFORMED_HEADER, file,
          null, 0, "invalid trainer state: " + why);
    }
  }

  /** The trainer state of {@code t} with the AdamW moments of {@code optimizerFile}. */
  static TrainerState fromFile(Path file, TrainerFile t, Path optimizerFile, LoadOptions options)
      throws IOException {
    try {
      SafetensorsFile moments = Safetensors.read(optimizerFile, options);
      Map<String, AdamWParameterState> opt = new LinkedHashMap<>();
      for (Map.Entry<String, Long> e : t.optimizerSteps().entrySet()) {
        Tensor m = moments.tensor(e.getKey() + ".exp_avg");
        Tensor v = moments.tensor(e.getKey() + ".exp_avg_sq");
        if (m == null || v == null || e.getValue() == null) {
          throw new IllegalArgumentException("optimizer.safetensors lacks the moments of " + e.getKey());
        }
        opt.put(e.getKey(), new AdamWParameterState(e.getValue(), m.toINDArray(), v.toINDArray()));
      }
      if (moments.tensors().size() != 2 * opt.size()) {
        throw new IllegalArgumentException("optimizer.safetensors holds " + moments.tensors().size()
            + " tensors but trainer.json lists " + opt.size() + " parameters");
      }
      return new TrainerState(t.stage(), t.nextStep(), opt, t.evolution(), t.losses(),
          t.learningRates(), t.gradNorms());
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new CheckpointFormatException(CheckpointFormatException.Reason.MALFORMED_HEADER, file,
          null, 0, "invalid trainer state: " + e.getMessage());
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
