package org.evomoe.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.evomoe.checkpoint.CheckpointFormatException;

/**
 * The index of a sharded safetensors checkpoint ({@code model.safetensors.index.json}): {@code
 * {"metadata": {...}, "weight_map": {"tensor name": "shard file name", ...}}}. The metadata (for
 * example {@code total_size}) is not used.
 *
 * <p>Shard names are untrusted: each must be a plain file name in the index's own folder, so
 * names with a path separator ({@code /} or {@code \}), {@code .}, {@code ..}, control characters
 * or an empty name are refused before any file is opened.
 *
 * @param file the index file
 * @param weightMap tensor name to shard file name, sorted by tensor name
 */
public record ShardIndex(Path file, Map<String, String> weightMap) {
  /** The index file's name in a Hugging Face checkpoint folder. */
  public static final String FILE_NAME = "model.safetensors.index.json";

  public ShardIndex {
    weightMap = Collections.unmodifiableMap(new TreeMap<>(weightMap));
  }

  /**
   * Reads and validates an index file.
   *
   * @throws CheckpointFormatException naming the file (and the tensor) when the JSON is
   *     malformed, {@code weight_map} is missing or not an object of strings, or a shard name is
   *     not a plain file name
   */
  public static ShardIndex read(Path file) throws IOException {
    JsonFields f = JsonFields.root(file, JsonFiles.readObject(file));
    f.optional("metadata"); // informational only
    JsonNode map = f.optional("weight_map");
    if (map == null || !map.isObject()) {
      throw f.fieldError("weight_map",
          map == null ? "is missing" : "must be an object, found " + JsonFields.describe(map));
    }
    Map<String, String> weightMap = new TreeMap<>();
    Iterator<Map.Entry<String, JsonNode>> it = map.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (!v.isTextual()) {
        throw f.fieldError("weight_map",
            "entry '" + e.getKey() + "' must name a shard file, found " + JsonFields.describe(v));
      }
      String shard = v.textValue();
      String problem = plainFileNameProblem(shard);
      if (problem != null) {
        throw new CheckpointFormatException(CheckpointFormatException.Reason.MALFORMED_HEADER,
            file, e.getKey(), 0, "shard name '" + shard + "' " + problem);
      }
      weightMap.put(e.getKey(), shard);
    }
    if (weightMap.isEmpty()) {
      throw f.fieldError("weight_map", "is empty");
    }
    return new ShardIndex(file, weightMap);
  }

  /** The distinct shard file names, in first-use order of the sorted tensor names. */
  public Set<String> shards() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(weightMap.values()));
  }

  /** The path of a shard: the index's folder plus the (validated) plain file name. */
  public Path shardPath(String shard) {
    Path folder = file.toAbsolutePath().getParent();
    return folder.resolve(shard);
  }

  /** Why {@code name} is not a plain file name, or null when it is one. */
  static String plainFileNameProblem(String name) {
    if (name.isEmpty()) {
      return "is empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "is not a file name";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/' || c == '\\') {
        return "contains a path separator; shards must lie in the index's folder";
      }
      if (c < 0x20 || c == 0x7F) {
        return "contains a control character";
      }
    }
    Path p;
    try {
      p = Path.of(name);
    } catch (java.nio.file.InvalidPathException e) {
      return "is not a valid file name: " + e.getReason();
    }
    if (p.isAbsolute() || p.getNameCount() != 1 || !p.getFileName().toString().equals(name)) {
      return "is not a plain file name";
    }
    return null;
  }
}
