package org.evomoe.examples.report;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Finds a {@code results.json} and binds it to {@link ReportedResults}, with one-line errors
 * naming the path.
 *
 * <p>Binding is lenient where the writer's records allow: unknown fields are ignored; a missing
 * object or list reads as absent (the report notes the section it cannot draw); a missing number
 * inside a present entry reads as Jackson's default for the record's type (0 for a primitive);
 * numbers written as strings ({@code "NaN"}, {@code "Infinity"}, {@code "0.5"}) read as doubles. A
 * file that is not valid JSON, not an object, or has an entry of the wrong shape (a string where
 * the schema has a number, diagnostics that do not bind to their records) is refused with the
 * place it went wrong.
 */
final class ResultsFile {
  /** The file name the demo writes. */
  static final String NAME = "results.json";

  private static final ObjectMapper JSON =
      new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

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
   * Reads and binds the file.
   *
   * @throws IllegalArgumentException naming the file when it is not valid JSON (with the line and
   *     column), not a JSON object, or does not bind (with the field)
   */
  static ReportedResults read(Path json) throws IOException {
    return parse(Files.readAllBytes(json), json.toString());
  }

  /**
   * Binds the bytes of a results file (any JSON encoding).
   *
   * @param source the file name for the error messages
   * @throws IllegalArgumentException as {@link #read}
   */
  static ReportedResults parse(byte[] json, String source) throws IOException {
    // The whole syntax first, so that a broken file is reported as such wherever the break is.
    JsonToken first;
    try (JsonParser p = JSON.createParser(json)) {
      first = p.nextToken();
      while (p.nextToken() != null) {
        // Reading every token checks the syntax; nothing is kept.
      }
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
      throw new IllegalArgumentException(source + " is not valid JSON" + where + ": "
          + firstLine(e.getOriginalMessage()), e);
    }
    if (first != JsonToken.START_OBJECT) {
      throw new IllegalArgumentException(source + " does not hold a JSON object"
          + (first == null ? "" : first == JsonToken.START_ARRAY ? ", it holds an array"
              : ", it holds a single value"));
    }
    try {
      return JSON.readValue(json, ReportedResults.class);
    } catch (JsonMappingException e) {
      throw schemaError(e, json, source);
    }
  }

  /** A value of the settings as text: containers as compact JSON, null as the empty string. */
  static String text(Object value) {
    if (value == null) {
      return "";
    }
    if (value instanceof Map || value instanceof List) {
      try {
        return JSON.writeValueAsString(value);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("a value read from JSON does not write back", e);
      }
    }
    return String.valueOf(value);
  }

  /**
   * Every field of a record as its JSON holds it, by name in the record's order: what binding the
   * record's JSON to a map gives (for the page's list of every setting and data field).
   */
  static Map<String, Object> fields(Object record) {
    return record == null ? new LinkedHashMap<>()
        : JSON.convertValue(record, new TypeReference<LinkedHashMap<String, Object>>() {});
  }

  private static IllegalArgumentException schemaError(JsonMappingException e, byte[] json,
      String source) {
    List<JsonMappingException.Reference> path = e.getPath();
    String why = firstLine(e.getOriginalMessage());
    if (path.size() >= 3 && "arms".equals(path.get(0).getFieldName())
        && path.get(1).getIndex() >= 0 && "diagnostics".equals(path.get(2).getFieldName())) {
      return new IllegalArgumentException("arm " + armName(json, path.get(1).getIndex())
          + ": diagnostics do not match the results schema (docs/results-schema.md): " + why, e);
    }
    StringJoiner at = new StringJoiner("");
    for (JsonMappingException.Reference r : path) {
      at.add(r.getIndex() >= 0 ? "[" + r.getIndex() + "]"
          : (at.length() == 0 ? "" : ".") + r.getFieldName());
    }
    return new IllegalArgumentException(source + " does not match the results schema"
        + " (docs/results-schema.md)" + (at.length() == 0 ? "" : " at " + at) + ": " + why, e);
  }

  /** The name of arm entry {@code i}, or {@code arm <i + 1>} when it has none or cannot be read. */
  private static String armName(byte[] json, int i) {
    try {
      List<ArmName> names = JSON.readerFor(new TypeReference<List<ArmName>>() {}).at("/arms")
          .readValue(json);
      if (i < names.size() && names.get(i) != null && names.get(i).arm() != null) {
        return names.get(i).arm();
      }
    } catch (IOException | RuntimeException ignored) {
      // The entry's name is only for the message.
    }
    return "arm " + (i + 1);
  }

  private static String firstLine(String message) {
    return message == null ? "" : message.lines().findFirst().orElse("");
  }
}
