package org.evomoe.examples.cli;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadFeature;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.evomoe.examples.checkpoint.FileKinds;
import org.evomoe.examples.checkpoint.JsonValueText;

/**
 * Reads settings files strictly: every field has one JSON type (no {@code "yes"} for true, no 1.5
 * for an integer, no string for a list), unknown fields are refused with a did-you-mean, repeated
 * keys and trailing content are refused, and each problem is one line naming the file and the
 * field.
 */
final class StrictJson {
  /** Settings files larger than this are refused before they are read. */
  static final long MAX_BYTES = 1L << 20;

  static final ObjectMapper MAPPER = strictMapper();

  private StrictJson() {}

  private static ObjectMapper strictMapper() {
    ObjectMapper m = JsonMapper.builder(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build())
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
        .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
        .disable(DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
        .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
        .build();
    m.coercionConfigDefaults()
        .setCoercion(CoercionInputShape.EmptyString, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyArray, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.EmptyObject, CoercionAction.Fail);
    m.coercionConfigFor(LogicalType.Textual)
        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    return m;
  }

  /** The JSON tree of a settings file (an object), read strictly. */
  static JsonNode readObject(Path file, String what) throws IOException {
    FileKinds.requireRegularFile(file, what);
    long size = Files.size(file);
    if (size > MAX_BYTES) {
      throw new IllegalArgumentException(what + " " + file + " has " + size
          + " bytes, more than the limit of " + MAX_BYTES + " for a settings file");
    }
    JsonNode root;
    try {
      root = MAPPER.readTree(Files.readAllBytes(file));
    } catch (JacksonException e) {
      throw new IllegalArgumentException(what + " " + file + " is not valid JSON: "
          + firstLine(e.getOriginalMessage()) + location(e));
    }
    if (root == null || root.isMissingNode() || !root.isObject()) {
      throw new IllegalArgumentException(what + " " + file + " must hold a JSON object, found "
          + describe(root));
    }
    rejectNulls(root, "", what + " " + file);
    return root;
  }

  /** A field written as null is refused: leave it out to get the default. */
  private static void rejectNulls(JsonNode node, String path, String where) {
    if (node.isNull()) {
      throw new IllegalArgumentException(where + ": field " + path + " is null; leave it out to"
          + " get the default");
    }
    if (node.isObject()) {
      node.fields().forEachRemaining(e ->
          rejectNulls(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), where));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        rejectNulls(node.get(i), path + "[" + i + "]", where);
      }
    }
  }

  /**
   * Binds {@code tree} to {@code type} strictly.
   *
   * @param where prefix of messages, e.g. {@code "config c.json"}
   * @param path field path of {@code tree} in the file ("" at the root, else "name.")
   */
  static <T> T bind(JsonNode tree, Class<T> type, String where, String path) {
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (UnrecognizedPropertyException e) {
      throw new IllegalArgumentException(where + ": unknown field '" + path + e.getPropertyName()
          + "'" + suggestion(e.getPropertyName(), names(e.getKnownPropertyIds())));
    } catch (ValueInstantiationException e) {
      Throwable c = e.getCause() == null ? e : e.getCause();
      throw new IllegalArgumentException(where + ": " + (c.getMessage() == null
          ? firstLine(e.getOriginalMessage()) : c.getMessage()));
    } catch (MismatchedInputException e) {
      String field = path + fieldPath(e);
      JsonNode found = tree.at(pointer(e));
      throw new IllegalArgumentException(where + ": field " + field + " must be "
          + expected(e.getTargetType()) + ", found " + describe(found));
    } catch (JacksonException e) {
      String field = path + (e instanceof JsonMappingException d ? fieldPath(d) : "");
      throw new IllegalArgumentException(where + ": field " + field + ": "
          + firstLine(e.getOriginalMessage()));
    }
  }

  /** " (did you mean 'x'?)" when a known name is close to {@code name}, else the known names. */
  static String suggestion(String name, Collection<String> known) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String k : known) {
      int d = distance(name.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = k;
      }
    }
    if (best != null && bestDistance <= Math.max(2, name.length() / 3)) {
      return " (did you mean '" + best + "'?)";
    }
    return " (known: " + String.join(", ", known) + ")";
  }

  /** Levenshtein distance (inputs are short field names; long inputs are cut). */
  static int distance(String a, String b) {
    a = a.length() > 64 ? a.substring(0, 64) : a;
    b = b.length() > 64 ? b.substring(0, 64) : b;
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** A short description of a JSON value, e.g. {@code a string "yes"}. */
  static String describe(JsonNode v) {
    return JsonValueText.describe(v);
  }

  private static String expected(Class<?> t) {
    if (t == null) {
      return "of another type";
    }
    if (t == boolean.class || t == Boolean.class) {
      return "true or false";
    }
    if (t == int.class || t == Integer.class || t == long.class || t == Long.class) {
      return "an integer";
    }
    if (t == double.class || t == Double.class || t == float.class || t == Float.class) {
      return "a number";
    }
    if (t == String.class) {
      return "a string";
    }
    if (Path.class.isAssignableFrom(t)) {
      return "a string (a path)";
    }
    if (Collection.class.isAssignableFrom(t) || t.isArray()) {
      return "an array";
    }
    return "an object";
  }

  private static String fieldPath(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.toString();
  }

  private static String pointer(JsonMappingException e) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        sb.append('/').append(r.getFieldName().replace("~", "~0").replace("/", "~1"));
      } else if (r.getIndex() >= 0) {
        sb.append('/').append(r.getIndex());
      }
    }
    return sb.toString();
  }

  private static List<String> names(Collection<Object> ids) {
    List<String> out = new ArrayList<>();
    if (ids != null) {
      ids.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }

  private static String location(JacksonException e) {
    return e.getLocation() == null ? ""
        : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "(no detail)";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
