package org.evomoe.examples.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.evomoe.examples.data.instruct.InstructionSample;

/**
 * A word-level tokenizer with a fixed vocabulary.
 *
 * <p>Splitting ({@link #split}): the text is lowercased (root locale); the special tokens {@code
 * <pad> <bos> <eos> <unk> <image>} written in the text are kept whole; other runs of letters and
 * digits are words; whitespace separates; every other character (punctuation, symbols) is a token
 * of its own. So {@code "Is there a Bag?"} splits into {@code is there a bag ?}.
 *
 * <p>Vocabulary: ids 0..4 are the special tokens ({@link SpecialToken}), then the distinct words
 * of the texts it was built from in {@link String#compareTo} order, so the same texts always give
 * the same ids. Words not in the vocabulary encode to {@code <unk>}.
 *
 * <p>File format (JSON): {@code {"format": "evomoe-word-vocabulary", "version": 1, "tokens":
 * ["<pad>", "<bos>", "<eos>", "<unk>", "<image>", "a", ...]}}, the token of id i at position i.
 */
public final class WordTokenizer {
  /** The {@code format} field of saved vocabularies. */
  public static final String FORMAT = "evomoe-word-vocabulary";
  /** The {@code version} field of saved vocabularies. */
  public static final int VERSION = 1;

  /** Vocabulary files larger than this are refused before they are read. */
  public static final long MAX_FILE_BYTES = 64L << 20;

  /** Refuses repeated keys and anything after the top-level value. */
  private static final ObjectMapper JSON =
      new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
              .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
              .build())
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(SerializationFeature.INDENT_OUTPUT);

  private final List<String> tokens; // id -> token
  private final Map<String, Integer> ids; // token -> id

  private WordTokenizer(List<String> tokens) {
    this.tokens = List.copyOf(tokens);
    this.ids = new HashMap<>();
    for (int i = 0; i < this.tokens.size(); i++) {
      if (ids.put(this.tokens.get(i), i) != null) {
        throw new IllegalArgumentException("duplicate token '" + this.tokens.get(i) + "'");
      }
    }
  }

  /** Builds the vocabulary of all words in {@code texts}. */
  public static WordTokenizer build(Iterable<String> texts) {
    TreeSet<String> words = new TreeSet<>();
    for (String text : texts) {
      for (String token : split(text)) {
        if (!isSpecial(token)) {
          words.add(token);
        }
      }
    }
    List<String> tokens = new ArrayList<>();
    for (SpecialToken s : SpecialToken.values()) {
      tokens.add(s.text());
    }
    tokens.addAll(words);
    return new WordTokenizer(tokens);
  }

  /** Builds the vocabulary of the prompts and answers of {@code samples}. */
  public static WordTokenizer build(Collection<InstructionSample> samples) {
    List<String> texts = new ArrayList<>(2 * samples.size());
    for (InstructionSample s : samples) {
      texts.add(s.prompt());
      texts.add(s.answer());
    }
    return build(texts);
  }

  /** Splits {@code text} into lowercase tokens; see the class comment. */
  public static List<String> split(String text) {
    String lower = text.toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    int i = 0;
    while (i < lower.length()) {
      int cp = lower.codePointAt(i);
      int width = Character.charCount(cp);
      if (Character.isLetterOrDigit(cp)) {
        word.appendCodePoint(cp);
        i += width;
        continue;
      }
      flush(word, out);
      if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
        i += width;
        continue;
      }
      String special = specialAt(lower, i);
      if (special != null) {
        out.add(special);
        i += special.length();
      } else {
        out.add(new String(Character.toChars(cp)));
        i += width;
      }
    }
    flush(word, out);
    return out;
  }

  private static void flush(StringBuilder word, List<String> out) {
    if (word.length() > 0) {
      out.add(word.toString());
      word.setLength(0);
    }
  }

  private static String specialAt(String text, int i) {
    if (text.charAt(i) != '<') {
      return null;
    }
    for (SpecialToken s : SpecialToken.values()) {
      if (text.startsWith(s.text(), i)) {
        return s.text();
      }
    }
    return null;
  }

  private static boolean isSpecial(String token) {
    for (SpecialToken s : SpecialToken.values()) {
      if (s.text().equals(token)) {
        return true;
      }
    }
    return false;
  }

  /** Number of tokens, special ones included. */
  public int vocabularySize() {
    return tokens.size();
  }

  /** All tokens, the token of id i at index i, unmodifiable. */
  public List<String> tokens() {
    return tokens;
  }

  /** Whether {@code token} (already split and lowercased) has an id of its own. */
  public boolean contains(String token) {
    return ids.containsKey(token);
  }

  /** The id of {@code token}, or the {@code <unk>} id when it is not in the vocabulary. */
  public int id(String token) {
    Integer id = ids.get(token);
    return id == null ? SpecialToken.UNK.id() : id;
  }

  /** The token with id {@code id}. */
  public String token(int id) {
    if (id < 0 || id >= tokens.size()) {
      throw new IllegalArgumentException(
          "token id " + id + " outside the vocabulary 0.." + (tokens.size() - 1));
    }
    return tokens.get(id);
  }

  /** Encodes {@code text} without {@code <bos>}/{@code <eos>}. */
  public int[] encode(String text) {
    return encode(text, false, false);
  }

  /** Encodes {@code text}, optionally between {@code <bos>} and {@code <eos>}. */
  public int[] encode(String text, boolean addBos, boolean addEos) {
    List<String> words = split(text);
    int[] out = new int[words.size() + (addBos ? 1 : 0) + (addEos ? 1 : 0)];
    int k = 0;
    if (addBos) {
      out[k++] = SpecialToken.BOS.id();
    }
    for (String w : words) {
      out[k++] = id(w);
    }
    if (addEos) {
      out[k] = SpecialToken.EOS.id();
    }
    return out;
  }

  /** The tokens of {@code ids} joined by single spaces, special tokens included. */
  public String decode(int[] ids) {
    return decode(ids, false);
  }

  /**
   * The tokens of {@code ids} joined by single spaces.
   *
   * @param skipSpecial leave out {@code <pad> <bos> <eos> <image>} (never {@code <unk>}, which
   *     stands for a word)
   */
  public String decode(int[] ids, boolean skipSpecial) {
    StringBuilder sb = new StringBuilder();
    for (int id : ids) {
      String t = token(id);
      if (skipSpecial && id != SpecialToken.UNK.id() && id < SpecialToken.values().length) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(' ');
      }
      sb.append(t);
    }
    return sb.toString();
  }

  /** Writes the vocabulary as JSON (see the class comment). */
  public void save(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    // Atomically: a failed save leaves a previous file intact.
    org.evomoe.checkpoint.AtomicFiles.writeBytes(file, toJsonBytes());
  }

  /** The bytes {@link #save} writes (UTF-8 JSON, see the class comment). */
  public byte[] toJsonBytes() {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    ArrayNode array = root.putArray("tokens");
    tokens.forEach(array::add);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the vocabulary", e);
    }
  }

  /**
   * Reads a vocabulary written by {@link #save}.
   *
   * @throws IOException naming the file when it is not valid JSON, has the wrong format or
   *     version, does not start with the special tokens in order, repeats a token, or holds a
   *     token that does not split to itself
   */
  public static WordTokenizer load(Path file) throws IOException {
    org.evomoe.examples.checkpoint.FileKinds.requireRegularFile(file, "vocabulary");
    long size = Files.size(file);
    if (size > MAX_FILE_BYTES) {
      throw new IOException(file + ": the vocabulary has " + size + " bytes, more than the limit of "
          + MAX_FILE_BYTES);
    }
    JsonNode root;
    try {
      root = JSON.readTree(Files.readAllBytes(file));
    } catch (JsonProcessingException e) {
      throw new IOException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": expected a JSON object");
    }
    java.util.Iterator<String> names = root.fieldNames();
    while (names.hasNext()) {
      String n = names.next();
      if (!List.of("format", "version", "tokens").contains(n)) {
        throw new IOException(file + ": unknown field '" + n + "' (known: format, version, tokens)");
      }
    }
    if (!FORMAT.equals(root.path("format").asText(null))) {
      throw new IOException(
          file + ": field format must be \"" + FORMAT + "\", got " + root.get("format"));
    }
    if (!root.path("version").isInt() || root.get("version").asInt() != VERSION) {
      throw new IOException(
          file + ": field version must be " + VERSION + ", got " + root.get("version"));
    }
    JsonNode array = root.get("tokens");
    if (array == null || !array.isArray()) {
      throw new IOException(file + ": field tokens must be an array of strings");
    }
    List<String> tokens = new ArrayList<>(array.size());
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < array.size(); i++) {
      JsonNode t = array.get(i);
      if (!t.isTextual()) {
        throw new IOException(file + ": tokens[" + i + "] is not a string: " + t);
      }
      String token = t.asText();
      if (i < SpecialToken.values().length) {
        String expected = SpecialToken.values()[i].text();
        if (!expected.equals(token)) {
          throw new IOException(
              file + ": tokens[" + i + "] must be the special token " + expected + ", got '"
                  + token + "'");
        }
      } else if (!List.of(token).equals(split(token)) || isSpecial(token)) {
        throw new IOException(
            file + ": tokens[" + i + "] = '" + token + "' is not a single lowercase word");
      }
      Integer previous = seen.put(token, i);
      if (previous != null) {
        throw new IOException(
            file + ": token '" + token + "' appears twice, at " + previous + " and " + i);
      }
      tokens.add(token);
    }
    if (tokens.size() < SpecialToken.values().length) {
      throw new IOException(
          file + ": tokens must start with the " + SpecialToken.values().length
              + " special tokens, got only " + tokens.size() + " tokens");
    }
    return new WordTokenizer(tokens);
  }
}
