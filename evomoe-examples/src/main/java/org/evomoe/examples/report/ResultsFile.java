package org.evomoe.examples.report;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds and reads a demo {@code results.json}, with one-line errors naming the path. */
final class ResultsFile {
  /** The file name the demo writes. */
  static final String NAME = "results.json";

  private ResultsFile() {}

  /**
   * The results file: {@code path} itself when it is a file, {@code path/results.json} when it is
   * a folder.
   *
   * @throws IllegalArgumentException when neither exists
   */
  static Path locate(Path path) {
    if (path == null) {
      throw new IllegalArgumentException("no results path given");
    }
    if (Files.isDirectory(path)) {
      Path json = path.resolve(NAME);
      if (!Files.isRegularFile(json)) {
        throw new IllegalArgumentException("folder " + path + " has no " + NAME);
      }
      return json;
    }
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("results file " + path + " does not exist");
    }
    return path;
  }

  /**
   * Parses the file.
   *
   * @throws IllegalArgumentException when it is not a JSON object (with the line and column)
   */
  static JsonNode read(Path json) throws IOException {
    JsonNode n;
    try {
      n = new ObjectMapper().readTree(json.toFile());
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new IllegalArgumentException(json + " is not valid JSON" + where + ": "
          + e.getOriginalMessage().lines().findFirst().orElse(""), e);
    }
    if (n == null || !n.isObject()) {
      throw new IllegalArgumentException(json + " does not hold a JSON object");
    }
    return n;
  }
}
