package org.evomoe.examples.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.evomoe.examples.data.EmbeddedFashionMnist;
import org.evomoe.examples.data.instruct.InstructionConfig;
import org.evomoe.examples.data.instruct.InstructionDataGenerator;
import org.evomoe.examples.data.instruct.InstructionDataset;
import org.evomoe.examples.data.instruct.InstructionSample;
import org.evomoe.examples.data.instruct.TaskCounts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WordTokenizerTest {
  @TempDir Path dir;

  @Test
  void splitLowercasesAndSeparatesPunctuationAndKeepsSpecialTokens() {
    assertEquals(List.of("is", "there", "a", "bag", "?"), WordTokenizer.split("Is there a Bag?"));
    assertEquals(
        List.of("<image>", "what", "'", "s", "at", "the", "top", "-", "left", "?"),
        WordTokenizer.split("<image> What's at the top-left ?"));
    assertEquals(List.of("<image>", "<bos>", "x"), WordTokenizer.split("<IMAGE><bos>x"));
    assertEquals(List.of("a", "<", "b", ">"), WordTokenizer.split("a<b>"));
    assertEquals(List.of("a", ",", "b", "."), WordTokenizer.split("  a,\tb.\n"));
    assertEquals(List.of(), WordTokenizer.split(" \t "));
    assertEquals(List.of("n", "1", "2"), WordTokenizer.split("n 1 2"));
  }

  @Test
  void vocabularyIsSpecialTokensThenSortedWordsWhateverTheTextOrder() {
    WordTokenizer a = WordTokenizer.build(List.of("b a", "c a ."));
    WordTokenizer b = WordTokenizer.build(List.of("C A .", "a b", "<image> b"));
    List<String> expected =
        List.of("<pad>", "<bos>", "<eos>", "<unk>", "<image>", ".", "a", "b", "c");
    assertEquals(expected, a.tokens());
    assertEquals(expected, b.tokens());
    assertEquals(9, a.vocabularySize());
    for (SpecialToken s : SpecialToken.values()) {
      assertEquals(s.ordinal(), a.id(s.text()));
    }
    assertEquals(0, SpecialToken.PAD.id());
    assertEquals(4, SpecialToken.IMAGE.id());
  }

  @Test
  void encodeAndDecodeByHand() {
    WordTokenizer t = WordTokenizer.build(List.of("b a", "c a ."));
    assertArrayEquals(new int[] {6, 7, 5}, t.encode("A b."));
    assertArrayEquals(new int[] {1, 4, 8, 2}, t.encode("<image> c", true, true));
    assertEquals("<bos> <image> c <eos>", t.decode(new int[] {1, 4, 8, 2}));
    assertEquals("c", t.decode(new int[] {0, 1, 4, 8, 2, 0}, true));
    assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {9}));
    assertThrows(IllegalArgumentException.class, () -> t.token(-1));
  }

  @Test
  void unknownWordsBecomeUnk() {
    WordTokenizer t = WordTokenizer.build(List.of("a bag"));
    assertFalse(t.contains("zebra"));
    assertArrayEquals(
        new int[] {t.id("a"), SpecialToken.UNK.id(), SpecialToken.UNK.id()}, t.encode("a zebra !"));
    assertEquals("a <unk> <unk>", t.decode(t.encode("a zebra !")));
    assertEquals("a <unk>", t.decode(t.encode("a zebra"), true)); // <unk> stands for a word
  }

  @Test
  void everyInstructionTextRoundTripsExactly() throws IOException {
    InstructionConfig config =
        new InstructionConfig(
            new TaskCounts(100, 100, 20, 100, 80), new TaskCounts(20, 20, 5, 20, 20), 2, 4, 0.3,
            0.1, 5);
    InstructionDataset data = InstructionDataGenerator.generate(EmbeddedFashionMnist.load(), config);
    WordTokenizer t = WordTokenizer.build(data.train());
    List<InstructionSample> all = new ArrayList<>(data.train());
    all.addAll(data.test());
    all.addAll(data.testHeldOut()); // held-out wordings reuse training words only
    for (InstructionSample s : all) {
      for (String text : List.of(s.prompt(), s.answer())) {
        int[] ids = t.encode(text);
        for (int id : ids) {
          assertTrue(id != SpecialToken.UNK.id(), "unknown word in '" + text + "'");
        }
        assertEquals(text, t.decode(ids));
      }
    }
    // the vocabulary is small: the class words, their plurals and a few dozen others
    assertTrue(t.vocabularySize() < 100, "vocabulary of " + t.vocabularySize());
    for (String w : List.of("tshirt", "boot", "dresses", "nothing", "yes", "no", "four", "?")) {
      assertTrue(t.contains(w), w);
    }
    assertEquals(t.tokens(), WordTokenizer.build(data.train()).tokens());
    assertEquals(t.tokens(), WordTokenizer.build(all).tokens());
  }

  @Test
  void saveAndLoadRoundTrip() throws IOException {
    WordTokenizer t = WordTokenizer.build(List.of("is there a bag in the image ?", "yes no"));
    Path file = dir.resolve("sub/vocab.json");
    t.save(file);
    String json = Files.readString(file);
    assertTrue(json.contains("\"format\" : \"evomoe-word-vocabulary\""), json);
    WordTokenizer back = WordTokenizer.load(file);
    assertEquals(t.tokens(), back.tokens());
    assertArrayEquals(t.encode("is there a coat ?"), back.encode("is there a coat ?"));
  }

  private IOException loadError(String json) throws IOException {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, json);
    IOException e = assertThrows(IOException.class, () -> WordTokenizer.load(file));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
    return e;
  }

  @Test
  void malformedVocabularyFilesAreRejectedNamingTheProblem() throws IOException {
    String specials = "\"<pad>\", \"<bos>\", \"<eos>\", \"<unk>\", \"<image>\"";
    assertTrue(loadError("{not json").getMessage().contains("not valid JSON"));
    assertTrue(
        loadError("{\"format\": \"other\", \"version\": 1, \"tokens\": [" + specials + "]}")
            .getMessage()
            .contains("format"));
    assertTrue(
        loadError(
                "{\"format\": \"evomoe-word-vocabulary\", \"version\": 2, \"tokens\": ["
                    + specials
                    + "]}")
            .getMessage()
            .contains("version"));
    assertTrue(
        loadError(
                "{\"format\": \"evomoe-word-vocabulary\", \"version\": 1, \"tokens\": [\"<pad>\","
                    + " \"<eos>\", \"<bos>\", \"<unk>\", \"<image>\"]}")
            .getMessage()
            .contains("tokens[1] must be the special token <bos>"));
    assertTrue(
        loadError(
                "{\"format\": \"evomoe-word-vocabulary\", \"version\": 1, \"tokens\": ["
                    + specials
                    + ", \"a\", \"b\", \"a\"]}")
            .getMessage()
            .contains("'a' appears twice"));
    assertTrue(
        loadError(
                "{\"format\": \"evomoe-word-vocabulary\", \"version\": 1, \"tokens\": ["
                    + specials
                    + ", \"two words\"]}")
            .getMessage()
            .contains("not a single lowercase word"));
    assertTrue(
        loadError("{\"format\": \"evomoe-word-vocabulary\", \"version\": 1, \"tokens\": [\"<pad>\"]}")
            .getMessage()
            .contains("special tokens"));
  }
}
