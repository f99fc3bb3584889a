package org.evomoe.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import org.evomoe.evolution.EvolutionRule;
import org.evomoe.evolution.EvolutionState;
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
      byte[] trainer = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(toJson(state));
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
    TrainerState state = fromJson(trainerFile, readJson(trainerFile), dir.resolve("optimizer.safetensors"), options);
    ModelWeights.load(dir.resolve("model.safetensors"), parameters, options);
    return state;
  }

  private static JsonNode readJson(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new java.nio.file.NoSuchFileException(file.toString());
    }
    long size = Files.size(file);
    if (size > 256L << 20) {
      throw new CheckpointFormatException(CheckpointFormatException.Reason.HEADER_LENGTH, file,
          null, 0, "JSON file of " + size + " bytes is too large");
    }
    try {
      return JSON.readTree(Files.readAllBytes(file));
    } catch (com.fasterxml.jackson.core.JacksonException e) {
      throw new CheckpointFormatException(CheckpointFormatException.Reason.MALFORMED_HEADER, file,
          null, e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getByteOffset()),
          "malformed JSON: " + e.getOriginalMessage());
    }
  }

  static ObjectNode toJson(TrainerState s) {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("stage", s.stage());
    root.put("nextStep", s.nextStep());
    ObjectNode steps = root.putObject("optimizerSteps");
    s.optimizer().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> steps.put(e.getKey(), e.getValue().step()));
    if (s.evolution() != null) {
      ObjectNode evo = root.putObject("evolution");
      evo.put("rule", s.evolution().rule().name());
      evo.put("steps", s.evolution().steps());
      evo.put("rngState", s.evolution().rngState());
      ArrayNode betas = evo.putArray("lastBetas");
      for (double b : s.evolution().lastBetas()) {
        betas.add(b);
      }
    }
    putArray(root, "losses", s.losses());
    putArray(root, "learningRates", s.learningRates());
    putArray(root, "gradNorms", s.gradNorms());
    return root;
  }

  private static void putArray(ObjectNode root, String field, double[] values) {
    ArrayNode a = root.putArray(field);
    for (double v : values) {
      a.add(v);
    }
  }

  static TrainerState fromJson(Path file, JsonNode root, Path optimizerFile, LoadOptions options)
      throws IOException {
    try {
      if (!FORMAT.equals(text(root, "format"))) {
        throw new IllegalArgumentException("format must be " + FORMAT + ", got " + root.get("format"));
      }
      int next = root.required("nextStep").intValue();
      SafetensorsFile moments = Safetensors.read(optimizerFile, options);
      Map<String, AdamWParameterState> opt = new LinkedHashMap<>();
      JsonNode steps = root.required("optimizerSteps");
      var it = steps.fields();
      while (it.hasNext()) {
        var e = it.next();
        Tensor m = moments.tensor(e.getKey() + ".exp_avg");
        Tensor v = moments.tensor(e.getKey() + ".exp_avg_sq");
        if (m == null || v == null) {
          throw new IllegalArgumentException("optimizer.safetensors lacks the moments of " + e.getKey());
        }
        opt.put(e.getKey(), new AdamWParameterState(e.getValue().longValue(), m.toINDArray(), v.toINDArray()));
      }
      if (moments.tensors().size() != 2 * opt.size()) {
        throw new IllegalArgumentException("optimizer.safetensors holds " + moments.tensors().size()
            + " tensors but trainer.json lists " + opt.size() + " parameters");
      }
      EvolutionState evo = null;
      JsonNode e = root.get("evolution");
      if (e != null && !e.isNull()) {
        JsonNode b = e.required("lastBetas");
        double[] betas = new double[b.size()];
        for (int i = 0; i < betas.length; i++) {
          betas[i] = b.get(i).isNumber() ? b.get(i).doubleValue() : Double.NaN;
        }
        evo = new EvolutionState(EvolutionRule.valueOf(text(e, "rule")), e.required("steps").longValue(),
            e.required("rngState").longValue(), betas);
      }
      return new TrainerState(text(root, "stage"), next, opt, evo, doubles(root, "losses"),
          doubles(root, "learningRates"), doubles(root, "gradNorms"));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new CheckpointFormatException(CheckpointFormatException.Reason.MALFORMED_HEADER, file,
          null, 0, "invalid trainer state: " + e.getMessage());
    }
  }

  private static String text(JsonNode n, String field) {
    JsonNode v = n.required(field);
    if (!v.isTextual()) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return v.textValue();
  }

  private static double[] doubles(JsonNode root, String field) {
    JsonNode a = root.required(field);
    double[] out = new double[a.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = a.get(i);
      out[i] = v.isNumber() ? v.doubleValue() : Double.NaN; // NaN is written as a string by Jackson
    }
    return out;
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
