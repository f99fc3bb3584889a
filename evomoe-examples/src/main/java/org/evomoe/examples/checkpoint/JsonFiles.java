package org.evomoe.examples.checkpoint;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.evomoe.checkpoint.CheckpointFormatException;
import org.evomoe.checkpoint.CheckpointFormatException.Reason;

/** Reading the JSON files of a checkpoint folder strictly, with errors naming the file. */
final class JsonFiles {
  /** JSON sidecars larger than this are refused before they are read. */
  static final long MAX_JSON_BYTES = 64L << 20;

  /** Rejects repeated keys and anything after the top-level value; pretty-prints output. */
  static final ObjectMapper MAPPER =
      new ObjectMapper(JsonFactory.builder()
              .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private JsonFiles() {}

  /**
   * Reads a JSON object from {@code file}.
   *
   * @throws NoSuchFileException when the file does not exist (or is not a regular file)
   * @throws CheckpointFormatException when it is too large, not valid JSON (with the byte offset
   *     where parsing stopped), repeats a key, or is not an object
   */
  static JsonNode readObject(Path file) throws IOException {
    FileKinds.requireRegularFile(file, String.valueOf(file.getFileName()));
    long size = Files.size(file);
    if (size > MAX_JSON_BYTES) {
      throw new CheckpointFormatException(Reason.HEADER_LENGTH, file, null, 0,
          "the JSON file has " + size + " bytes, more than the limit of " + MAX_JSON_BYTES);
    }
    byte[] bytes = Files.readAllBytes(file);
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JacksonException e) {
      JsonLocation where = e.getLocation();
      long offset = where == null ? 0 : Math.max(0, where.getByteOffset());
      String message = e.getOriginalMessage();
      Reason reason = message != null && message.startsWith("Duplicate field")
          ? Reason.DUPLICATE_KEY
          : Reason.MALFORMED_HEADER;
      throw new CheckpointFormatException(reason, file, null, Math.min(offset, bytes.length),
          "not valid JSON: " + (message == null ? "(no detail)" : message), e);
    }
    if (root == null || root.isMissingNode()) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, file, null, 0,
          "the file holds no JSON value");
    }
    if (!root.isObject()) {
      throw new CheckpointFormatException(Reason.MALFORMED_HEADER, file, null, 0,
          "expected a JSON object, found " + JsonFields.describe(root));
    }
    return root;
  }
}
